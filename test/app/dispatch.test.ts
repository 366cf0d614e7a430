// dispatch(): every failure crosses IPC as a reason (code, the figures a translation needs, the sentence).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispatch, ipcError } from '../../electron/app/dispatch';
import { KestrelError } from '../../electron/shared/errors';
import type { Handlers } from '../../electron/shared/ipc-contract';

test('errors are reasons: plain details become params, none gives no params', async () => {
  assert.deepEqual(ipcError('X', 'm', { runId: 'r1', n: 3, ok: true, nested: { a: 1 }, missing: undefined }), { code: 'X', message: 'm', params: { runId: 'r1', n: 3, ok: true } });
  assert.deepEqual(ipcError('X', 'm'), { code: 'X', message: 'm' });
  const unknown = await dispatch({} as Handlers, 'no:such', {});
  assert.ok(!unknown.ok && unknown.error.code === 'APP_UNKNOWN_CHANNEL' && unknown.error.params?.['channel'] === 'no:such');
  const malformed = await dispatch({} as Handlers, 'runs:open', { runId: 42 });
  assert.ok(!malformed.ok && malformed.error.code === 'APP_BAD_REQUEST' && malformed.error.params?.['channel'] === 'runs:open');
  assert.match(String(!malformed.ok && malformed.error.params?.['issues']), /runId/);
  const busy = { 'runs:open': async () => { throw new KestrelError('APP_TRAINING_BUSY', 'Run "a" is still training.', { runId: 'a' }); } } as unknown as Handlers;
  const r = await dispatch(busy, 'runs:open', { runId: 'x' });
  assert.deepEqual(r, { ok: false, error: { code: 'APP_TRAINING_BUSY', message: 'Run "a" is still training.', params: { runId: 'a' } } });
});
