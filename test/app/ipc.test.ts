import assert from 'node:assert/strict';
import { test } from 'node:test';
import './use-electron-mock';
import { CHANNELS, type ChannelName, type Handlers } from '../../electron/shared/ipc-contract';
import { KestrelError } from '../../electron/shared/errors';

const { registered } = await import('./electron-mock');
const { bindIpc } = await import('../../electron/main/ipc');
const { trustedSender } = await import('../../electron/main/security');

/** Handlers that record every call and answer as the test sets. */
function recordingHandlers(answer: (ch: ChannelName) => unknown = () => ({})) {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    CHANNELS.map((ch) => [
      ch,
      async () => {
        calls.push(ch);
        return answer(ch);
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

const ourContents = { id: 1 };
const topFrame = { url: 'kestrel://app/index.html', parent: null };
const ours = { sender: ourContents, senderFrame: topFrame };
const check = trustedSender(() => ourContents as never);

function invoke(channel: string, event: unknown, payload: unknown) {
  const fn = registered.get(channel);
  assert.ok(fn, `no handler registered for ${channel}`);
  return fn(event, payload) as Promise<{ ok: boolean; error?: { code: string; message: string }; value?: unknown }>;
}

test('every channel is registered once through the handle wrapper', () => {
  const { handlers } = recordingHandlers();
  const unbind = bindIpc(handlers, check);
  try {
    assert.deepEqual([...registered.keys()].sort(), [...CHANNELS].sort());
  } finally {
    unbind();
  }
  assert.equal(registered.size, 0);
});

test('every channel rejects malformed payloads before its handler runs', async () => {
  const { handlers, calls } = recordingHandlers();
  const unbind = bindIpc(handlers, check);
  try {
    for (const ch of CHANNELS) {
      for (const bad of [42, 'dataset', [1, 2], { unexpected: true }]) {
        const r = await invoke(ch, ours, bad);
        assert.equal(r.ok, false, `${ch} accepted ${JSON.stringify(bad)}`);
        assert.equal(r.error?.code, 'APP_BAD_REQUEST', `${ch}: ${r.error?.message}`);
        assert.match(r.error!.message, new RegExp(ch));
      }
    }
    assert.deepEqual(calls, []);
  } finally {
    unbind();
  }
});

test('every channel refuses untrusted senders: another page, a foreign URL, a sub-frame', async () => {
  const { handlers, calls } = recordingHandlers();
  const unbind = bindIpc(handlers, check);
  const strangers = [
    { sender: { id: 2 }, senderFrame: topFrame },
    { sender: ourContents, senderFrame: { url: 'https://evil.example/', parent: null } },
    { sender: ourContents, senderFrame: { url: 'file:///etc/passwd', parent: null } },
    { sender: ourContents, senderFrame: { url: 'kestrel://app/index.html', parent: topFrame } },
    { sender: ourContents, senderFrame: null },
  ];
  try {
    for (const ch of CHANNELS) {
      for (const ev of strangers) {
        const r = await invoke(ch, ev, {});
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, 'APP_UNTRUSTED_SENDER', ch);
      }
    }
    assert.deepEqual(calls, []);
  } finally {
    unbind();
  }
});

test('a valid request from our window reaches the handler; its answer is validated', async () => {
  const info = { version: '1.0.0', platform: 'linux', runsDir: '/r', userDataDir: '/u' };
  const { handlers, calls } = recordingHandlers((ch) => (ch === 'app:info' ? info : { wrong: 'shape' }));
  const unbind = bindIpc(handlers, check);
  try {
    assert.deepEqual(await invoke('app:info', ours, {}), { ok: true, value: info });
    const bad = await invoke('train:status', ours, {});
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, 'APP_BAD_RESPONSE');
    assert.deepEqual(calls, ['app:info', 'train:status']);
  } finally {
    unbind();
  }
});

test('a KestrelError from a handler crosses IPC with its code and message', async () => {
  const { handlers } = recordingHandlers();
  handlers['runs:open'] = async () => {
    throw new KestrelError('APP_RUN_NOT_FOUND', 'There is no run "x". Refresh the list of runs.');
  };
  const unbind = bindIpc(handlers, check);
  try {
    const r = await invoke('runs:open', ours, { runId: 'x' });
    assert.deepEqual(r, { ok: false, error: { code: 'APP_RUN_NOT_FOUND', message: 'There is no run "x". Refresh the list of runs.' } });
    const traversal = await invoke('runs:open', ours, { runId: '../../etc' });
    assert.equal(traversal.error?.code, 'APP_BAD_REQUEST');
  } finally {
    unbind();
  }
});

test('the dev server origin is trusted only when given', () => {
  const dev = { sender: ourContents, senderFrame: { url: 'http://localhost:5173/', parent: null } };
  assert.equal(check(dev as never), false);
  assert.equal(trustedSender(() => ourContents as never, 'http://localhost:5173')(dev as never), true);
});
