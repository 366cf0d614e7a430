import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../../electron/engine/tf-gradients';
import { clipByGlobalNorm, createAdamW, createSgd, type NamedParam } from '../../../electron/engine/train/optim';
import { GradientAccumulator } from '../../../electron/engine/train/accumulate';
import { ModelEma } from '../../../electron/engine/train/ema';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('SGD with Nesterov momentum and decoupled decay (at the coupled strength) on weights only, worked by hand', () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([0.5]));
  const params: NamedParam[] = [
    { name: 'w', variable: w, group: 'weight' },
    { name: 'b', variable: b, group: 'bias' },
  ];
  const opt = createSgd(params);
  const g = { w: tf.tensor1d([0.1, -0.2]), b: tf.tensor1d([1]) };
  opt.apply(g, { lr: 0.1, biasLr: 0.5, momentum: 0.9, weightDecay: 0.01 });
  // step 1: v = g; nesterov update = g + 0.9 v = 1.9 g
  // decoupled decay at the coupled strength: lr * wd / (1 - momentum) = 0.1 * 0.01 / 0.1 = 0.01
  // w = w - 0.1 * 1.9 g - 0.01 * w  ->  1 - 0.019 - 0.01 = 0.971 ; 2 + 0.038 - 0.02 = 2.018
  close(w.dataSync(), [0.971, 2.018]);
  // bias: own LR 0.5, no decay: 0.5 - 0.5 * 1.9 = -0.45
  close(b.dataSync(), [-0.45]);
  opt.apply(g, { lr: 0.1, momentum: 0.9, weightDecay: 0 });
  // step 2: v = 0.9 * g + g = 1.9 g ; update = g + 0.9 * 1.9 g = 2.71 g
  close(w.dataSync(), [0.971 - 0.1 * 2.71 * 0.1, 2.018 + 0.1 * 2.71 * 0.2]);
  assert.equal(opt.step, 2);
  opt.dispose();
  tf.dispose([w, b, g.w, g.b]);
});

test('AdamW first step moves each weight by lr (sign of the gradient) plus decoupled decay', () => {
  const w = tf.variable(tf.tensor1d([1, -1]));
  const opt = createAdamW([{ name: 'w', variable: w, group: 'weight' }]);
  const g = { w: tf.tensor1d([0.3, -4]) };
  opt.apply(g, { lr: 0.01, momentum: 0.9, weightDecay: 0.1 });
  // m_hat = g, v_hat = g^2 -> update = g/|g| (eps negligible); decay 0.01*0.1*w
  close(w.dataSync(), [1 - 0.01 - 0.001, -1 + 0.01 + 0.001], 1e-6);
  opt.dispose();
  tf.dispose([w, g.w]);
});

test('optimizer state round-trips: a restored optimizer continues identically', () => {
  const mk = () => tf.variable(tf.tensor1d([1, 2, 3]));
  const w1 = mk();
  const w2 = mk();
  const o1 = createAdamW([{ name: 'w', variable: w1, group: 'weight' }]);
  const g = { w: tf.tensor1d([0.1, -0.5, 2]) };
  const h = { lr: 0.01, momentum: 0.9, weightDecay: 0.01 };
  o1.apply(g, h);
  const state = o1.getState();
  w2.assign(w1);
  const o2 = createAdamW([{ name: 'w', variable: w2, group: 'weight' }]);
  o2.setState(state);
  o1.apply(g, h);
  o2.apply(g, h);
  close(w2.dataSync(), Array.from(w1.dataSync()), 0);
  assert.equal(o2.step, 2);
  tf.dispose(Object.values(state.slots));
  o1.dispose();
  o2.dispose();
  tf.dispose([w1, w2, g.w]);
});

test('clipByGlobalNorm scales to the max norm and leaves small gradients alone', () => {
  const big = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }; // norm 5
  const r = clipByGlobalNorm(big, 1);
  close(r.norm.dataSync(), [5], 1e-5);
  close(r.grads.a!.dataSync(), [0.6, 0], 1e-5);
  close(r.grads.b!.dataSync(), [0.8], 1e-5);
  const r2 = clipByGlobalNorm(big, 10);
  close(r2.grads.a!.dataSync(), [3, 0], 1e-5);
  tf.dispose([big.a, big.b, r.norm, r2.norm, ...Object.values(r.grads), ...Object.values(r2.grads)]);
});

test('accumulating two half-batches gives the gradient of the whole batch', () => {
  const w = tf.variable(tf.tensor2d([[0.5], [-1]]));
  const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
  const y = tf.tensor2d([[1], [0], [2], [1]]);
  const lossOf = (xs: tf.Tensor2D, ys: tf.Tensor2D, k: number) => () => tf.div(tf.mean(tf.square(tf.sub(tf.matMul(xs, w), ys))), k) as tf.Scalar;
  const full = tf.variableGrads(lossOf(x, y, 1), [w]);
  const acc = new GradientAccumulator();
  for (const [s, e] of [[0, 2], [2, 4]] as const) {
    const xs = tf.slice(x, [s, 0], [e - s, 2]) as tf.Tensor2D;
    const ys = tf.slice(y, [s, 0], [e - s, 1]) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(lossOf(xs, ys, 2), [w]);
    acc.add({ w: grads[w.name]! });
    tf.dispose([xs, ys, value]);
  }
  assert.equal(acc.size, 2);
  const summed = acc.take();
  close(summed.w!.dataSync(), Array.from(full.grads[w.name]!.dataSync()), 1e-4);
  tf.dispose([w, x, y, full.value, full.grads[w.name]!, summed.w!]);
});

test('EMA decay ramps from 0 toward 0.9999 and tracks the weights', () => {
  const src = new Map<string, tf.Tensor>([['w', tf.tensor1d([0])]]);
  const ema = new ModelEma(src, { decay: 0.9999, tau: 2000 });
  const one = new Map<string, tf.Tensor>([['w', tf.tensor1d([1])]]);
  ema.update(one);
  const d1 = 0.9999 * (1 - Math.exp(-1 / 2000));
  close(ema.shadow.get('w')!.dataSync(), [1 - d1], 1e-6);
  ema.updates = 100000;
  assert.ok(Math.abs(ema.currentDecay() - 0.9999) < 1e-6);
  ema.dispose();
  tf.dispose([...src.values(), ...one.values()]);
});
