import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KestrelError, toErrorInfo } from '../../electron/shared/errors';
import { fillTemplate } from '../../electron/shared/reason';

test('toErrorInfo keeps the code of a KestrelError and wraps others', () => {
  assert.deepEqual(toErrorInfo(new KestrelError('X_CODE', 'Do this.')), { code: 'X_CODE', message: 'Do this.', details: undefined });
  const info = toErrorInfo(new Error('boom'));
  assert.equal(info.code, 'INTERNAL');
  assert.match(info.message, /boom/);
});

test('fillTemplate fills known placeholders and leaves unknown ones', () => {
  assert.equal(fillTemplate('batch {b} of {n}', { b: 8 }), 'batch 8 of {n}');
});
