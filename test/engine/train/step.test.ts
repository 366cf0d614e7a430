// The training step's two ways to run the assigner: inside the gradient pass (a synchronous
// read, wasm/cpu) and between a first forward pass and the gradient pass (await data() only,
// the path webgpu takes). Checked on wasm (the cpu backend takes 45 s for the same), so the
// webgpu path is verified without an adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { anchorsFor } from '../../../electron/engine/eval/decode';
import { createDetector, type Detector } from '../../../electron/engine/model/detector';
import { backendReadsSync, computeGradients, computeGradientsAsync, type GradientsResult, type StepOptions } from '../../../electron/engine/train/step';
import { countSyncReadsAsync } from '../../helpers/sync-reads';
import { THREE_BOXES, TINY_IMGSZ, tinyBatch } from '../../helpers/tiny-batch';

const IMGSZ = TINY_IMGSZ;
const anchors = anchorsFor(IMGSZ, [8, 16, 32]);

interface Outcome {
  loss: NonNullable<GradientsResult['loss']>;
  grads: Map<string, Float32Array>;
  buffers: Map<string, Float32Array>;
  syncReads: number;
}

/** One micro-batch's gradients on a fresh detector (same seed each time), read back as numbers. */
async function run(compute: (det: Detector) => GradientsResult | Promise<GradientsResult>): Promise<Outcome> {
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 4 });
  try {
    const before = tf.memory().numTensors;
    const { value: res, reads: syncReads } = await countSyncReadsAsync(async () => compute(det));
    assert.equal(tf.memory().numTensors, before + Object.keys(res.grads).length, 'tensors leaked besides the gradients');
    assert.ok(res.loss, 'loss not read');
    const grads = new Map<string, Float32Array>();
    for (const [n, g] of Object.entries(res.grads)) grads.set(n, (await g.data()) as Float32Array);
    tf.dispose(Object.values(res.grads));
    const buffers = new Map<string, Float32Array>();
    for (const [n, b] of det.buffers()) buffers.set(n, (await b.data()) as Float32Array);
    return { loss: res.loss, grads, buffers, syncReads };
  } finally {
    det.dispose();
  }
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 1e-12;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
  }
  return m / scale;
}

test('backendReadsSync: webgpu cannot read synchronously, the others can', () => {
  assert.equal(backendReadsSync('webgpu'), false);
  for (const b of ['wasm', 'cpu', 'tensorflow']) assert.equal(backendReadsSync(b), true, b);
});

test('the two-pass step (webgpu\'s) gives the single pass\'s loss, gradients and BatchNorm statistics (wasm), with no synchronous read', async () => {
  await initBackend({ force: 'wasm' });
  const batch = tinyBatch(THREE_BOXES);
  // top-k 100 and a box over the whole image make anchors of every level positive, so every head has a gradient.
  const opts: StepOptions = { anchors, readLoss: true, loss: { assigner: { topk: 100 } } };
  const single = await run((det) => computeGradientsAsync(det, batch, { ...opts, separateAssignment: false }));
  const twoPass = await run((det) => computeGradientsAsync(det, batch, { ...opts, separateAssignment: true }));
  const sync = await run((det) => computeGradients(det, batch, opts));

  assert.ok(single.syncReads > 0, 'the single pass reads the predictions synchronously');
  assert.equal(twoPass.syncReads, 0, 'the two-pass step must not call dataSync (it throws on webgpu in Node)');
  assert.ok(Number.isFinite(single.loss.total) && single.loss.total > 0 && single.loss.positives > 0, JSON.stringify(single.loss));
  assert.deepEqual(sync.loss, single.loss, 'computeGradients and computeGradientsAsync disagree');
  assert.equal(twoPass.loss.positives, single.loss.positives);
  for (const k of ['total', 'box', 'cls', 'dfl'] as const) {
    const rel = Math.abs(twoPass.loss[k] - single.loss[k]) / Math.abs(single.loss[k]);
    assert.ok(rel < 1e-5, `${k}: ${twoPass.loss[k]} vs ${single.loss[k]}`);
  }
  assert.deepEqual([...twoPass.grads.keys()].sort(), [...single.grads.keys()].sort());
  let worst = 0;
  for (const [n, g] of single.grads) {
    assert.ok(g.some((v) => v !== 0), `${n}: all-zero gradient`);
    worst = Math.max(worst, maxRelDiff(twoPass.grads.get(n)!, g));
  }
  assert.ok(worst < 1e-5, `worst gradient relative difference ${worst}`);
  // The first pass's running-statistics update is undone: the step moves them exactly once.
  assert.ok(single.buffers.size > 0);
  const fresh = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 4 });
  const rm0 = (await fresh.buffers().get('m0.running_mean')!.data()) as Float32Array;
  fresh.dispose();
  assert.ok(single.buffers.get('m0.running_mean')!.some((v, i) => v !== rm0[i]), 'the step did not move the running mean');
  for (const [n, b] of single.buffers) assert.ok(maxRelDiff(twoPass.buffers.get(n)!, b) < 1e-6, `${n} differs`);
});
