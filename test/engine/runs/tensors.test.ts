// Tensor bundles: packTensors reads every tensor with await data() (so checkpoints work on
// webgpu, where dataSync throws in Node) and the bundle reads back bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { packTensors, readTensorBundle, writeTensorBundle } from '../../../electron/engine/runs/tensors';

test('packTensors lays tensors out in order without a synchronous read; int tensors become floats', async () => {
  await tf.setBackend('cpu');
  const a = tf.tensor2d([1.5, -2, 3.25, 4], [2, 2]);
  const b = tf.tensor1d([7, -8], 'int32');
  const c = tf.zeros([0, 3]);
  const dataSync = tf.Tensor.prototype.dataSync;
  tf.Tensor.prototype.dataSync = () => {
    throw new Error('dataSync called');
  };
  let packed: Awaited<ReturnType<typeof packTensors>>;
  try {
    packed = await packTensors([['a', a], ['b', b], ['c', c]]);
  } finally {
    tf.Tensor.prototype.dataSync = dataSync;
    tf.dispose([a, b, c]);
  }
  assert.deepEqual(packed.manifest, {
    format: 'kestrel-tensors',
    version: 1,
    dtype: 'float32',
    tensors: [
      { name: 'a', shape: [2, 2], offset: 0, length: 4 },
      { name: 'b', shape: [2], offset: 4, length: 2 },
      { name: 'c', shape: [0, 3], offset: 6, length: 0 },
    ],
  });
  const floats = new Float32Array(packed.data.buffer, packed.data.byteOffset, packed.data.byteLength / 4);
  assert.deepEqual(Array.from(floats), [1.5, -2, 3.25, 4, 7, -8]);
});

test('a written bundle reads back bit for bit', async () => {
  await tf.setBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'kestrel-tensors-'));
  const values = Float32Array.from({ length: 30 }, (_, i) => Math.fround(Math.sin(i) * 1e3) / 7);
  const t = tf.tensor3d(values, [2, 3, 5]);
  try {
    await writeTensorBundle(dir, 'train', [['w', t]]);
    const back = await readTensorBundle(dir, 'train');
    assert.deepEqual([...back.keys()], ['w']);
    assert.deepEqual(back.get('w')!.shape, [2, 3, 5]);
    assert.deepEqual(back.get('w')!.values, Float32Array.from(values));
  } finally {
    t.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
