import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { convBlock, convBlockReference, type ConvBlockOptions, type ConvBlockWeights } from '../../../electron/engine/ops/conv-block';
import { values } from '../../helpers/values';


interface Case {
  name: string;
  x: [number, number, number, number];
  k: number;
  cout: number;
  o: Omit<ConvBlockOptions, 'running' | 'onBatchStats'>;
}

const CASES: Case[] = [
  { name: 'BN train 3x3 s1', x: [2, 6, 5, 3], k: 3, cout: 4, o: { stride: 1, norm: 'batch', groups: 1, eps: 1e-3, training: true } },
  { name: 'BN train 3x3 s2 odd', x: [2, 7, 5, 3], k: 3, cout: 4, o: { stride: 2, norm: 'batch', groups: 1, eps: 1e-3, training: true } },
  { name: 'BN eval 1x1 s1', x: [1, 5, 5, 4], k: 1, cout: 6, o: { stride: 1, norm: 'batch', groups: 1, eps: 1e-3, training: false } },
  { name: 'BN eval 3x3 s2', x: [2, 8, 8, 2], k: 3, cout: 4, o: { stride: 2, norm: 'batch', groups: 1, eps: 1e-3, training: false } },
  { name: 'GN 3x3 s1', x: [2, 5, 6, 3], k: 3, cout: 8, o: { stride: 1, norm: 'group', groups: 4, eps: 1e-5, training: true } },
  { name: 'GN 3x3 s2 batch 1', x: [1, 9, 7, 2], k: 3, cout: 6, o: { stride: 2, norm: 'group', groups: 2, eps: 1e-5, training: true } },
];

function weights(c: Case): ConvBlockWeights {
  return {
    filter: tf.tensor4d(values(c.k * c.k * c.x[3] * c.cout, 11, 0.5), [c.k, c.k, c.x[3], c.cout]),
    gamma: tf.tensor1d(values(c.cout, 12, 0.3, 1)),
    beta: tf.tensor1d(values(c.cout, 13, 0.2)),
  };
}

function options(c: Case): ConvBlockOptions {
  if (c.o.training) return { ...c.o };
  return { ...c.o, running: { mean: tf.tensor1d(values(c.cout, 14, 0.2)), variance: tf.tensor1d(values(c.cout, 15, 0.3, 1)) } };
}

/** Output and gradients (x, filter, gamma, beta) of loss = sum(out * g). */
function valueAndGrads(block: typeof convBlock, c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), 10), c.x);
    const w = weights(c);
    const o = options(c);
    const out = block(x, w, o);
    const g = tf.reshape(tf.tensor1d(values(out.size, 16)), out.shape);
    const f = (a: tf.Tensor, b: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) =>
      tf.sum(tf.mul(block(a as tf.Tensor4D, { filter: b as tf.Tensor4D, gamma: gm as tf.Tensor1D, beta: bt as tf.Tensor1D }, o), g));
    const grads = tf.grads(f)([x, w.filter, w.gamma, w.beta]);
    return [out, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(a: Float32Array, b: Float32Array, what: string, tol = 2e-4): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

const NAMES = ['value', 'dx', 'dfilter', 'dgamma', 'dbeta'];

for (const variant of ['wasm', 'wasm+simd', 'cpu'] as const) {
  const backend = variant === 'cpu' ? 'cpu' : 'wasm';
  test(`fused convBlock matches the reference (value and gradients) on ${variant}`, async () => {
    await initBackend({ force: backend });
    // wasm+simd: Kestrel's element-wise SIMD kernels (the default) inside the fused block; wasm:
    // the plain tf ops (KESTREL_SIMD_KERNELS=0).
    if (variant === 'wasm') process.env.KESTREL_SIMD_KERNELS = '0';
    else delete process.env.KESTREL_SIMD_KERNELS;
    try {
      for (const c of CASES) {
        const fused = valueAndGrads(convBlock, c);
        const ref = valueAndGrads(convBlockReference, c);
        fused.forEach((v, i) => assertClose(v, ref[i]!, `${variant} ${c.name} ${NAMES[i]}`));
        // The gradients are not trivially zero (the check above would then pass vacuously).
        for (let i = 1; i < fused.length; i++) assert.ok(fused[i]!.some((v) => Math.abs(v) > 1e-4), `${c.name} ${NAMES[i]} is all zero`);
      }
    } finally {
      delete process.env.KESTREL_SIMD_KERNELS;
    }
  });
}

test('the reference matches a hand-written BatchNorm + SiLU on one channel', async () => {
  await initBackend({ force: 'cpu' });
  // 1x1 conv with weight 2 on x = [1, 2, 3, 4]: y = [2, 4, 6, 8], mean 5, variance 5.
  const out = tf.tidy(() =>
    convBlockReference(
      tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]),
      { filter: tf.tensor4d([2], [1, 1, 1, 1]), gamma: tf.tensor1d([1]), beta: tf.tensor1d([0]) },
      { stride: 1, norm: 'batch', groups: 1, eps: 0, training: true },
    ).dataSync(),
  );
  const expected = [2, 4, 6, 8].map((y) => {
    const z = (y - 5) / Math.sqrt(5);
    return z / (1 + Math.exp(-z));
  });
  assertClose(out as Float32Array, Float32Array.from(expected), 'bn+silu', 1e-5);
});

test('BatchNorm training reports the batch statistics it normalised with', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend({ force: backend });
    for (const block of [convBlock, convBlockReference]) {
      let got: number[][] = [];
      tf.tidy(() => {
        const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
        // Identity 1x1 conv: the statistics are those of x per channel.
        const filter = tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]);
        block(x, { filter, gamma: tf.ones([2]) as tf.Tensor1D, beta: tf.zeros([2]) as tf.Tensor1D }, {
          stride: 1,
          norm: 'batch',
          groups: 1,
          eps: 1e-3,
          training: true,
          onBatchStats: (m, v) => {
            got = [Array.from(m.dataSync()), Array.from(v.dataSync())];
          },
        });
      });
      // channel 0: 1,3,5,7 -> mean 4, biased variance 5; channel 1: 2,4,6,8 -> mean 5, variance 5.
      assertClose(Float32Array.from(got[0]!), Float32Array.from([4, 5]), `${backend} mean`, 1e-6);
      assertClose(Float32Array.from(got[1]!), Float32Array.from([5, 5]), `${backend} variance`, 1e-6);
    }
  }
});

test('a fused grad step leaves no tensor behind (wasm)', async () => {
  await initBackend({ force: 'wasm' });
  const c = CASES[1]!;
  const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b, 1), 10), c.x);
  const w = weights(c);
  const step = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(convBlock(a as tf.Tensor4D, { ...w, filter: b as tf.Tensor4D }, { ...c.o }));
      return tf.grads(f)([x, w.filter]);
    });
  // A first step may set up backend caches; the next must leave exactly its outputs.
  tf.dispose(step());
  const before = tf.memory().numTensors;
  const outs = step();
  assert.equal(tf.memory().numTensors, before + outs.length);
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w.filter, w.gamma, w.beta]);
});
