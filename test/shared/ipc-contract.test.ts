import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createApp, nodeFork } from '../../electron/app/index';
import { buildApi } from '../../electron/preload/api';
import { CHANNELS, contract, eventContract, EVENTS, methodName } from '../../electron/shared/ipc-contract';

const ROOT = resolve(import.meta.dirname, '../..');

test('the channel list and the contract name the same channels, each with a request and a response schema', () => {
  assert.deepEqual(Object.keys(contract).sort(), [...CHANNELS].sort());
  assert.equal(new Set(CHANNELS).size, CHANNELS.length, 'no channel is listed twice');
  for (const ch of CHANNELS) {
    assert.equal(typeof contract[ch].req.safeParse, 'function', `${ch} has a request schema`);
    assert.equal(typeof contract[ch].res.safeParse, 'function', `${ch} has a response schema`);
  }
  assert.deepEqual(Object.keys(eventContract).sort(), [...EVENTS].sort());
});

test('every channel has a handler in electron/app, and nothing else does', async () => {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kestrel-contract-'));
  try {
    const core = await createApp({
      host: { userDataDir, version: '0', openFolderDialog: async () => null, openFileDialog: async () => null, openPath: async () => undefined },
      fork: nodeFork,
      workerEntry: join(ROOT, 'electron/worker/trainer-entry.ts'),
      sink: { training: () => undefined, runState: () => undefined },
    });
    assert.deepEqual(Object.keys(core.handlers).sort(), [...CHANNELS].sort());
    for (const ch of CHANNELS) assert.equal(typeof core.handlers[ch], 'function', ch);
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
});

test('the preload exposes one method per channel, each invoking exactly its channel, plus on()', async () => {
  const invoked: [string, unknown][] = [];
  const subscribed: string[] = [];
  const api = buildApi({
    invoke: async (channel, payload) => {
      invoked.push([channel, payload]);
      return { ok: true, value: null };
    },
    on: (channel) => void subscribed.push(channel),
    removeListener: () => undefined,
  });
  const expected = [...CHANNELS.map((c) => methodName(c)), 'on'].sort();
  assert.deepEqual(Object.keys(api).sort(), expected);
  assert.ok(Object.isFrozen(api));
  for (const ch of CHANNELS) {
    await (api[methodName(ch)] as (r: unknown) => Promise<unknown>)({ probe: ch });
  }
  assert.deepEqual(invoked, CHANNELS.map((c) => [c, { probe: c }]));
  for (const ev of EVENTS) (api['on'] as (e: string, f: () => void) => () => void)(ev, () => undefined);
  assert.deepEqual(subscribed, [...EVENTS]);
  assert.throws(() => (api['on'] as (e: string, f: () => void) => void)('evt:nope', () => undefined), /Unknown event/);
});

test('raw ipcMain and ipcRenderer each appear in exactly one file', () => {
  const main = readFileSync(join(ROOT, 'electron/main/ipc.ts'), 'utf8');
  assert.match(main, /ipcMain\.handle\(/);
  for (const f of ['index.ts', 'window.ts', 'protocol.ts', 'security.ts', 'menu.ts', 'fork.ts']) {
    assert.doesNotMatch(readFileSync(join(ROOT, 'electron/main', f), 'utf8'), /\bipcMain\b/, f);
  }
  assert.match(readFileSync(join(ROOT, 'electron/preload/index.ts'), 'utf8'), /ipcRenderer/);
  // api.ts takes its ipcRenderer as an argument: it may import Electron's types, never its values.
  assert.doesNotMatch(readFileSync(join(ROOT, 'electron/preload/api.ts'), 'utf8'), /^import (?!type )[^;]*from 'electron'/m);
});
