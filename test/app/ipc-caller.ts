// Calling the app's IPC handlers in a test: `call` asserts success and returns the value,
// `codeOf` returns 'ok' or the error code.
import assert from 'node:assert/strict';
import { dispatch } from '../../electron/app/index';
import type { ChannelName } from '../../electron/shared/ipc-contract';

type Handlers = Parameters<typeof dispatch>[0];

export function ipcCaller(handlers: Handlers): { call: <T>(ch: ChannelName, payload: unknown) => Promise<T>; codeOf: (ch: ChannelName, payload: unknown) => Promise<string> } {
  return {
    async call<T>(ch: ChannelName, payload: unknown): Promise<T> {
      const r = await dispatch(handlers, ch, payload);
      assert.ok(r.ok, `${ch}: ${r.ok ? '' : `${r.error.code} ${r.error.message}`}`);
      return r.value as T;
    },
    async codeOf(ch: ChannelName, payload: unknown): Promise<string> {
      const r = await dispatch(handlers, ch, payload);
      return r.ok ? 'ok' : r.error.code;
    },
  };
}
