// The training-step host and its client over a real MessageChannel (Node's worker_threads: the
// same structured clone as a browser's MessagePort), on wasm: the host's steps give the same
// losses and weights as the engine's own step in this process, read nothing synchronously, and
// map failures (no model, a state from another model, a GPU allocation failure, a NaN batch) to
// the errors and skips the trainer expects. test/e2e/webgpu-host.test.ts runs the built page on
// Chromium's WebGPU.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/engine/backend/index';
import { recordAllocationFailure } from '../../electron/engine/backend/limits';
import { anchorsFor } from '../../electron/engine/eval/decode';
import { createDetector } from '../../electron/engine/model/detector';
import { clipByGlobalNorm, createAdamW } from '../../electron/engine/train/optim';
import { computeGradientsAsync } from '../../electron/engine/train/step';
import { createStepClient } from '../../electron/gpu-host/client';
import { serveTrainingSteps } from '../../electron/gpu-host/host';
import type { TensorMap } from '../../electron/gpu-host/protocol';
import { fromTensorMap, toTensorMap } from '../../electron/gpu-host/tensor-map';
import { KestrelError } from '../../electron/shared/errors';
import type { ModelSpec } from '../../electron/shared/schemas/model';
import { countSyncReadsAsync } from '../helpers/sync-reads';
import { THREE_BOXES, TINY_IMGSZ, tinyBatch } from '../helpers/tiny-batch';

await initBackend({ force: 'wasm' });

const SPEC: ModelSpec = { scale: 'n', imgsz: TINY_IMGSZ, numClasses: 2, norm: 'batch' };
const HYPER = { lr: 2e-3, momentum: 0.9, weightDecay: 0.01 };
const CLIP = 10;

const channel = new MessageChannel();
const host = serveTrainingSteps(channel.port1, { info: () => ({ backend: tf.getBackend(), adapter: null, runtime: `node ${process.version}` }), separateAssignment: true });
const client = createStepClient(channel.port2, { timeoutMs: 120_000 });
after(() => {
  host.dispose();
  channel.port1.close();
  channel.port2.close();
});

function maxRelDiff(a: TensorMap, b: TensorMap): number {
  let worst = 0;
  for (const [name, t] of Object.entries(a)) {
    const u = b[name];
    assert.ok(u, `${name} missing`);
    assert.deepEqual(u.shape, t.shape, name);
    let num = 0;
    let den = 0;
    for (let i = 0; i < t.data.length; i++) {
      num = Math.max(num, Math.abs(t.data[i]! - u.data[i]!));
      den = Math.max(den, Math.abs(t.data[i]!));
    }
    worst = Math.max(worst, num / Math.max(den, 1e-6));
  }
  return worst;
}

test('the host trains from the state it is sent: same losses, gradient norms and weights as the engine step here, no synchronous read', async () => {
  const batch = tinyBatch(THREE_BOXES);
  const anchors = anchorsFor(TINY_IMGSZ);
  // The reference: the engine's step in this process, from the same initial weights.
  const t0 = performance.now();
  const ref = createDetector(SPEC, { seed: 3 });
  const initial = await toTensorMap(ref.state());
  const opt = createAdamW(ref.params());
  const refLosses: number[] = [];
  const refNorms: number[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const { grads, loss } = await computeGradientsAsync(ref, batch, { anchors, loss: { scale: batch.size }, readLoss: true, separateAssignment: true });
      const clipped = clipByGlobalNorm(grads, CLIP);
      refNorms.push((await clipped.norm.data())[0]!);
      opt.apply(clipped.grads, HYPER);
      tf.dispose([...Object.values(grads), ...Object.values(clipped.grads), clipped.norm]);
      refLosses.push(loss!.total);
    }
    const refState = await toTensorMap(ref.state());

    const info = await client.request('info', {});
    assert.equal(info.backend, 'wasm');
    const init = await client.request('init', { spec: SPEC, optimizer: 'adamw', seed: 99, state: initial });
    assert.equal(init.stateTensors, Object.keys(initial).length);
    const held = tf.memory().numTensors;
    console.log(`reference steps ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const losses: number[] = [];
    const norms: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { value: r, reads } = await countSyncReadsAsync(() => client.request('step', { batch, hyper: HYPER, clipNorm: CLIP }));
      assert.equal(reads, 0, 'a host step reads only with await data()');
      assert.equal(r.finite, true);
      assert.equal(r.skipped, false);
      assert.equal(r.step, i + 1);
      assert.ok(r.loss.positives > 0);
      losses.push(r.loss.total);
      norms.push(r.gradNorm);
      assert.equal(tf.memory().numTensors, held, `step ${i} leaked tensors`);
    }
    console.log(`host steps ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const afterTwo = tf.memory().numTensors;
    const { state } = await client.request('state', {});
    assert.equal(tf.memory().numTensors, afterTwo, 'reading the state leaks nothing');
    console.log(`host losses ${losses.join(', ')}; here ${refLosses.join(', ')}; gradient norms ${norms.join(', ')} / ${refNorms.join(', ')}`);
    for (let i = 0; i < 2; i++) {
      assert.ok(Math.abs(losses[i]! - refLosses[i]!) <= 1e-5 * Math.abs(refLosses[i]!), `step ${i}: ${losses[i]} vs ${refLosses[i]}`);
      assert.ok(Math.abs(norms[i]! - refNorms[i]!) <= 1e-4 * refNorms[i]!, `step ${i} norm: ${norms[i]} vs ${refNorms[i]}`);
    }
    assert.ok(maxRelDiff(refState, state) < 1e-4, `weights differ by ${maxRelDiff(refState, state)}`);
  } finally {
    opt.dispose();
    ref.dispose();
  }
});

test('accumulation: two micro-batches then one update; a NaN batch skips its update; EMA and optimizer state come back', async () => {
  await client.request('init', { spec: SPEC, optimizer: 'sgd', seed: 1, ema: {} });
  const batch = tinyBatch(THREE_BOXES);
  const pixels = TINY_IMGSZ * TINY_IMGSZ * 3;
  /** Image i of the batch as a batch of one. */
  const half = (i: number) => {
    const boxes = THREE_BOXES.filter((b) => b.image === i);
    return {
      size: 1,
      imgsz: TINY_IMGSZ,
      images: batch.images.slice(i * pixels, (i + 1) * pixels),
      batchIndex: new Int32Array(boxes.length),
      cls: Int32Array.from(boxes, (b) => b.cls),
      boxes: Float32Array.from(boxes.flatMap((b) => [...b.box])),
    };
  };
  const a = await client.request('micro', { batch: half(0) });
  const b = await client.request('micro', { batch: half(1) });
  assert.ok(a.finite && b.finite);
  const u = await client.request('update', { hyper: { ...HYPER, momentum: 0.9 }, clipNorm: CLIP });
  assert.equal(u.skipped, false);
  assert.equal(u.step, 1);
  assert.ok(Number.isFinite(u.gradNorm) && u.gradNorm > 0);

  const s = await client.request('state', { optimizer: true, ema: true });
  assert.equal(s.optimizer?.kind, 'sgd');
  assert.equal(s.optimizer?.step, 1);
  assert.ok(s.optimizer && Object.keys(s.optimizer.slots).length > 0);
  assert.ok(s.ema && Object.keys(s.ema).length === Object.keys(s.state).length);
  // After one update the EMA (decay ~5e-4 at its first update) sits just off the weights.
  const d = maxRelDiff(s.state, s.ema);
  assert.ok(d > 0 && d < 0.05, `EMA vs weights ${d}`);
  // The state round-trips through tensors unchanged.
  const back = fromTensorMap(s.state);
  try {
    assert.equal(maxRelDiff(s.state, await toTensorMap(back)), 0);
  } finally {
    tf.dispose([...back.values()]);
  }
  // A batch whose loss is not finite: its gradients are dropped and its update is skipped.
  const bad = { ...batch, images: batch.images.slice().fill(Number.NaN) };
  const n = await client.request('micro', { batch: bad });
  assert.equal(n.finite, false);
  const skipped = await client.request('update', { hyper: HYPER, clipNorm: CLIP });
  assert.equal(skipped.skipped, true);
  assert.equal(skipped.step, 1, 'nothing applied');
});

test('failures come back as errors the trainer knows: no model, a foreign state, a GPU allocation failure (OUT_OF_MEMORY)', async () => {
  await client.request('dispose', {});
  await assert.rejects(client.request('step', { batch: tinyBatch(), hyper: HYPER, clipNorm: CLIP }), (e: unknown) => e instanceof KestrelError && e.code === 'GPU_HOST_FAILED' && /init/.test(e.message));
  await assert.rejects(
    client.request('init', { spec: SPEC, optimizer: 'adamw', state: { 'nope.filter': { shape: [1], data: new Float32Array(1) } } }),
    (e: unknown) => e instanceof KestrelError && /nope\.filter/.test(e.message),
  );
  const before = tf.memory().numTensors;
  await client.request('init', { spec: SPEC, optimizer: 'adamw' });
  recordAllocationFailure('WebGPU GPUOutOfMemoryError: Failed to allocate memory for buffer');
  await assert.rejects(client.request('micro', { batch: tinyBatch() }), (e: unknown) => e instanceof KestrelError && e.code === 'OUT_OF_MEMORY');
  await client.request('dispose', {});
  assert.equal(tf.memory().numTensors, before, 'a disposed host holds no tensors');
});
