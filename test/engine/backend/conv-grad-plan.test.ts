import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterGradDim, inputGradDim } from '../../../electron/engine/backend/conv-grad-plan';

test('3x3 stride 2 with padding 0 before (TF "same" on an even size): 2-tap phases', () => {
  // Input row 2i reads dy[i] (tap 0) and dy[i-1] (tap 2); row 2i+1 reads dy[i] (tap 1).
  const p = inputGradDim({ inSize: 8, outSize: 4, filterSize: 3, stride: 2, padBefore: 0 });
  assert.equal(p.size, 2);
  assert.deepEqual(p.taps, [2, 0, -1, 1]);
  assert.equal(p.phaseSize, 4);
  assert.deepEqual([p.padBefore, p.padAfter, p.cropBefore, p.cropAfter], [1, 0, 0, 0]);
});

test('stride 1 is the flipped filter with full padding', () => {
  const p = inputGradDim({ inSize: 5, outSize: 3, filterSize: 3, stride: 1, padBefore: 0 });
  assert.deepEqual(p.taps, [2, 1, 0]);
  assert.deepEqual([p.padBefore, p.padAfter], [2, 2]);
});

test('1x1 stride 2: the odd phase receives nothing', () => {
  const p = inputGradDim({ inSize: 9, outSize: 5, filterSize: 1, stride: 2, padBefore: 0 });
  assert.deepEqual(p.taps, [0, -1]);
  assert.equal(p.phaseSize, 5);
});

test('filter gradient crops input rows the forward conv never read', () => {
  // valid 3x3 stride 2 on 8 rows reads rows 0..6 (outputs 0..2): row 7 is dropped.
  assert.deepEqual(filterGradDim({ inSize: 8, outSize: 3, filterSize: 3, stride: 2, padBefore: 0 }), { padBefore: 0, padAfter: 0, cropEnd: 1 });
  assert.deepEqual(filterGradDim({ inSize: 8, outSize: 4, filterSize: 3, stride: 2, padBefore: 0 }), { padBefore: 0, padAfter: 1, cropEnd: 0 });
});
