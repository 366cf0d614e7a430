import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../../electron/engine/tf-gradients';
import { dflFromTwoHot, writeTwoHot } from '../../../electron/engine/loss/dfl';

const R = 16;
const twoHot = (t: number) => {
  const a = new Float32Array(R);
  writeTwoHot(a, 0, t, R);
  return a;
};

test('two-hot target splits a distance between its neighbouring bins', () => {
  // t = 2.3: bin 2 gets 3 - 2.3 = 0.7, bin 3 gets 0.3.
  const a = twoHot(2.3);
  assert.ok(Math.abs(a[2]! - 0.7) < 1e-6 && Math.abs(a[3]! - 0.3) < 1e-6);
  assert.equal(a.reduce((s, v) => s + v, 0).toFixed(6), '1.000000');
  // Beyond the last bin it is clamped to 14.99: bin 14 gets 0.01, bin 15 gets 0.99.
  const c = twoHot(40);
  assert.ok(Math.abs(c[14]! - 0.01) < 1e-5 && Math.abs(c[15]! - 0.99) < 1e-5);
  // An exact bin puts all weight there.
  const e = twoHot(5);
  assert.equal(e[5], 1);
  assert.equal(e[6], 0);
});

test('DFL of known distributions', async () => {
  await tf.setBackend('cpu');
  const target = tf.tensor2d(twoHot(2.3), [1, R]);
  // Uniform logits: p = 1/16 everywhere: DFL = -(0.7 + 0.3) log(1/16) = log 16 = 2.772589.
  const uniform = tf.zeros([1, R]);
  // Logits log(p) with p2 = 0.7, p3 = 0.3 (others ~e^-30): the minimum, the target's entropy
  // -(0.7 log 0.7 + 0.3 log 0.3) = 0.610864.
  const peaked = tf.tensor2d(Array.from({ length: R }, (_, i) => (i === 2 ? Math.log(0.7) : i === 3 ? Math.log(0.3) : -30)), [1, R]);
  assert.ok(Math.abs(dflFromTwoHot(uniform, target).dataSync()[0]! - Math.log(16)) < 1e-5);
  assert.ok(Math.abs(dflFromTwoHot(peaked, target).dataSync()[0]! - 0.610864) < 1e-5);
  // Its gradient w.r.t. the logits is softmax - target: 1/16 - target per bin for uniform logits.
  const g = tf.grad((x: tf.Tensor) => tf.sum(dflFromTwoHot(x, target)))(uniform).dataSync();
  const t = twoHot(2.3);
  for (let i = 0; i < R; i++) assert.ok(Math.abs(g[i]! - (1 / 16 - t[i]!)) < 1e-6, `bin ${i}`);
  tf.dispose([target, uniform, peaked]);
});
