import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { initBackend } from '../../../electron/engine/backend/index';
import { planSlice, planTranspose } from '../../../electron/engine/backend/layout-plan';

// The copy kernels (Transpose, Concat, SplitV, Slice on wasm) against the cpu backend's, on
// random shapes, axes and permutations, float32 and int32; and the pure plans behind them.

test('planTranspose reduces permutations to the two copy patterns', () => {
  // The filter gradient's transposes.
  assert.deepEqual(planTranspose([8, 32, 32, 64], [3, 1, 2, 0]), { kind: 'transposeAC', n: 1, a: 8, p: 1024, c: 64 });
  assert.deepEqual(planTranspose([8, 32, 32, 64], [1, 2, 0, 3]), { kind: 'swap', n: 1, a: 8, p: 1024, c: 64 });
  // A matrix transpose, batched.
  assert.deepEqual(planTranspose([5, 3], [1, 0]), { kind: 'transposeAC', n: 1, a: 5, p: 1, c: 3 });
  assert.deepEqual(planTranspose([2, 5, 3], [0, 2, 1]), { kind: 'transposeAC', n: 2, a: 5, p: 1, c: 3 });
  // phasesToSpace: [b, h, w, s, s*c] -> [b, h, s, w, s*c].
  assert.deepEqual(planTranspose([2, 4, 4, 2, 6], [0, 1, 3, 2, 4]), { kind: 'swap', n: 8, a: 4, p: 2, c: 6 });
  // Size-1 axes vanish; a permutation that keeps the order is a copy.
  assert.deepEqual(planTranspose([1, 4, 1, 3], [2, 0, 1, 3]), { kind: 'copy' });
  assert.deepEqual(planTranspose([4, 1, 3], [1, 2, 0]), { kind: 'transposeAC', n: 1, a: 4, p: 1, c: 3 });
  assert.deepEqual(planTranspose([], []), { kind: 'copy' });
  // A rotation merges into a matrix transpose; a scramble of four axes is not covered.
  assert.deepEqual(planTranspose([2, 3, 4], [1, 2, 0]), { kind: 'transposeAC', n: 1, a: 2, p: 1, c: 12 });
  assert.equal(planTranspose([2, 3, 4, 5], [1, 3, 0, 2]), null);
});

test('planSlice covers slices that cut at most one axis', () => {
  assert.deepEqual(planSlice([2, 3, 4, 8], [0, 0, 0, 2], [2, 3, 4, 4]), { rows: 24, width: 4, srcStride: 8, srcOffset: 2 });
  assert.deepEqual(planSlice([6, 5], [2, 0], [3, 5]), { rows: 1, width: 15, srcStride: 30, srcOffset: 10 });
  assert.deepEqual(planSlice([6, 5], [0, 0], [6, 5]), { rows: 1, width: 30, srcStride: 30, srcOffset: 0 });
  assert.equal(planSlice([6, 5], [1, 1], [2, 2]), null);
});

interface Case {
  shape: number[];
  dtype: 'float32' | 'int32';
  seed: number;
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 });

function make(c: Case): tf.Tensor {
  const n = c.shape.reduce((a, d) => a * d, 1);
  const vals = Array.from({ length: n }, (_, i) => ((i * 7919 + c.seed * 104729) % 1000) - 500);
  return tf.tensor(c.dtype === 'float32' ? vals.map((v) => v / 7) : vals, c.shape, c.dtype);
}

/** Runs `op` on wasm and on cpu with the same inputs; returns both results' values and shapes. */
async function onBoth(op: () => tf.Tensor | tf.Tensor[]): Promise<Array<{ shape: number[]; values: number[] }[]>> {
  const results: Array<{ shape: number[]; values: number[] }[]> = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend({ force: backend });
    const r = tf.tidy(op);
    const list = Array.isArray(r) ? r : [r];
    results.push(list.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })));
    tf.dispose(list);
  }
  return results;
}

test('Transpose on wasm matches cpu for random shapes and permutations', async () => {
  await fc.assert(
    fc.asyncProperty(shapeArb, fc.integer({ min: 0, max: 1e6 }), fc.boolean(), async (shape, seed, int) => {
      const perm = fc.sample(fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }), { numRuns: 1, seed })[0]!;
      const [w, c] = await onBoth(() => tf.transpose(make({ shape, dtype: int ? 'int32' : 'float32', seed }), perm));
      assert.deepEqual(w, c, `shape ${shape} perm ${perm}`);
    }),
    { numRuns: 120, seed: 7 },
  );
});

test('Concat, SplitV and Slice on wasm match cpu along every axis', async () => {
  await fc.assert(
    fc.asyncProperty(shapeArb, fc.integer({ min: 0, max: 1e6 }), fc.boolean(), async (shape, seed, int) => {
      const dtype = int ? 'int32' : 'float32';
      const axis = seed % shape.length;
      const other = [...shape];
      other[axis] = (seed % 3) + 1;
      const a = (): tf.Tensor => make({ shape, dtype, seed });
      const b = (): tf.Tensor => make({ shape: other, dtype, seed: seed + 1 });
      const [w1, c1] = await onBoth(() => tf.concat([a(), b(), a()], axis));
      assert.deepEqual(w1, c1, `concat ${shape} + ${other} on axis ${axis}`);
      const total = shape[axis]! + other[axis]!;
      const first = seed % total;
      const [w2, c2] = await onBoth(() => tf.split(tf.concat([a(), b()], axis), [first, total - first], axis));
      assert.deepEqual(w2, c2, `split ${total} as ${first} + ${total - first} on axis ${axis}`);
      const begin = shape.map((d, i) => (i === axis ? seed % d : 0));
      const size = shape.map((d, i) => (i === axis ? d - (seed % d) : -1));
      const [w3, c3] = await onBoth(() => tf.slice(a(), begin, size));
      assert.deepEqual(w3, c3, `slice ${shape} from ${begin}`);
      // Cutting two axes goes to the original kernel, still right.
      const begin2 = shape.map((d) => (d > 1 ? 1 : 0));
      const [w4, c4] = await onBoth(() => tf.slice(a(), begin2));
      assert.deepEqual(w4, c4, `slice ${shape} from ${begin2}`);
    }),
    { numRuns: 80, seed: 11 },
  );
});

test('the copy kernels handle empty tensors and bools (original kernel) and leak nothing', async () => {
  const [w, c] = await onBoth(() => [
    tf.concat([tf.zeros([2, 0, 3]), tf.ones([2, 2, 3])], 1),
    tf.transpose(tf.zeros([0, 3]), [1, 0]),
    tf.concat([tf.tensor([true, false], [2], 'bool'), tf.tensor([true], [1], 'bool')]),
    tf.slice(tf.zeros([4, 3]), [1, 0], [0, 3]),
  ]);
  assert.deepEqual(w, c);
  await initBackend({ force: 'wasm' });
  const before = tf.memory().numTensors;
  tf.dispose(tf.tidy(() => tf.split(tf.transpose(tf.concat([tf.ones([2, 3, 4]), tf.zeros([2, 3, 4])], 2), [2, 0, 1]), 2, 1)));
  assert.equal(tf.memory().numTensors, before);
});
