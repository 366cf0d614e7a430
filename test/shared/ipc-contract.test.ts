import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { buildApi } from '../../electron/preload/api';
import { CHANNELS, EVENTS, methodName } from '../../electron/shared/ipc-contract';

const ROOT = resolve(import.meta.dirname, '../..');

// That the contract and the handlers name exactly the channels of CHANNELS (and the event contract
// exactly EVENTS) the compiler already checks (`satisfies Record<ChannelName, ...>`, `Handlers`):
// what it cannot see is a channel listed twice.
test('no channel or event is listed twice', () => {
  assert.equal(new Set(CHANNELS).size, CHANNELS.length, 'no channel is listed twice');
  assert.equal(new Set(EVENTS).size, EVENTS.length, 'no event is listed twice');
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
