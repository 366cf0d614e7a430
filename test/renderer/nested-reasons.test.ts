// Reasons that carry another reason's English sentence are said in Chinese all the way down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reason } from '../../electron/shared/reason';
import { formatReasonDeep, parseEnglishReason } from '../../renderer/src/lib/nested-reasons';

test('an English sentence is traced back to its code and figures', () => {
  const inner = reason('HW_BACKEND_NOT_INSTALLED', { package: '@tensorflow/tfjs-node' });
  const parsed = parseEnglishReason(inner.message);
  assert.equal(parsed?.code, 'HW_BACKEND_NOT_INSTALLED');
  assert.equal(parsed?.params['package'], '@tensorflow/tfjs-node');
  assert.equal(parseEnglishReason('something no template says'), null);
});

test('a nested reason is said in Chinese inside the outer one', () => {
  const inner = reason('HW_BACKEND_NOT_INSTALLED', { package: '@tensorflow/tfjs-node' });
  const outer = reason('PLAN_BACKEND_PASSED_OVER', { backend: 'tfjs-node', why: inner.message });
  const zh = formatReasonDeep(outer, 'zh');
  assert.doesNotMatch(zh, /optional dependency/);
  assert.match(zh, /@tensorflow\/tfjs-node/);
  assert.equal(formatReasonDeep(outer, 'en'), outer.message);
});

test('a plan that changed at the start says why in Chinese too', () => {
  const why = reason('TRAIN_PLAN_WHY_CALIBRATION', { measuredAt: '2026-01-02' }).message;
  const zh = formatReasonDeep(reason('TRAIN_PLAN_CHANGED_LAYOUT', { from: '8 x 2', to: '4 x 4', why }), 'zh');
  assert.match(zh, /本机此前测得的内存（2026-01-02）/);
  assert.doesNotMatch(zh, /measured on this machine/);
});
