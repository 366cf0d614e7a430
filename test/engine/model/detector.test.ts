import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { anchorsFor } from '../../../electron/engine/eval/decode';
import { createDetector } from '../../../electron/engine/model/detector';
import { clsBiasPrior } from '../../../electron/engine/model/arch';
import { loadDetector, saveDetector } from '../../../electron/engine/model/persist';
import { createAdamW } from '../../../electron/engine/train/optim';
import { computeGradients, trainStep } from '../../../electron/engine/train/step';
import { KestrelError } from '../../../electron/shared/errors';
import type { NormKind } from '../../../electron/shared/schemas/model';
import { THREE_BOXES, TINY_IMGSZ, tinyBatch } from '../../helpers/tiny-batch';

const IMGSZ = TINY_IMGSZ;
const anchors = anchorsFor(IMGSZ, [8, 16, 32]);

test('forward gives raw head outputs for every anchor of P3-P5, at any multiple of 32', async () => {
  await initBackend({ force: 'wasm' });
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 3 });
  try {
    for (const side of [64, 96]) {
      const x = tf.zeros([1, side, side, 3]) as tf.Tensor4D;
      const out = det.forward(x, false);
      const a = (side / 8) ** 2 + (side / 16) ** 2 + (side / 32) ** 2; // 64+16+4 = 84; 144+36+9 = 189
      assert.deepEqual(out.box.shape, [1, a, 64]);
      assert.deepEqual(out.cls.shape, [1, a, 2]);
      tf.dispose([x, out.box, out.cls]);
    }
    // Head priors: box bias 1.0, class bias log(5 / nc / (imgsz / stride)^2), per level.
    const state = det.state();
    assert.ok(state.get('m22.box1.2.bias')!.dataSync().every((v) => v === 1));
    const cls0 = state.get('m22.cls0.2.bias')!.dataSync()[0]!;
    assert.ok(Math.abs(cls0 - clsBiasPrior(2, 8, IMGSZ)) < 1e-6); // log(5/2/64) = -3.2426
  } finally {
    det.dispose();
  }
});

test('same weights, same outputs on the wasm and cpu backends', async () => {
  const run = async (backend: 'wasm' | 'cpu') => {
    await initBackend({ force: backend });
    const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 5 });
    const b = tinyBatch();
    const x = tf.tensor4d(b.images, [2, IMGSZ, IMGSZ, 3]);
    const out = det.forward(x, false);
    const r = { box: Float32Array.from(out.box.dataSync()), cls: Float32Array.from(out.cls.dataSync()) };
    tf.dispose([x, out.box, out.cls]);
    det.dispose();
    return r;
  };
  const w = await run('wasm');
  const c = await run('cpu');
  const maxDiff = (p: Float32Array, q: Float32Array) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i]!)), 0);
  assert.ok(maxDiff(w.box, c.box) < 1e-3, `box differs by ${maxDiff(w.box, c.box)}`);
  assert.ok(maxDiff(w.cls, c.cls) < 1e-3, `cls differs by ${maxDiff(w.cls, c.cls)}`);
});

for (const norm of ['batch', 'group'] as NormKind[]) {
  test(`gradients of the real loss are finite and non-zero for every variable (${norm} norm, wasm)`, async () => {
    await initBackend({ force: 'wasm' });
    const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm }, { seed: 11 });
    try {
      // At initialisation every level predicts boxes ~15 strides wide, so with top-10 the small
      // P3 anchors win every box and the P4/P5 box branches would rightly get no gradient. A box
      // over the whole image and top-k 100 make anchors of every level positives.
      const batch = tinyBatch(THREE_BOXES);
      const { grads, loss } = computeGradients(det, batch, { anchors, readLoss: true, loss: { assigner: { topk: 100 } } });
      assert.ok(loss && Number.isFinite(loss.total) && loss.total > 0 && loss.positives > 0, JSON.stringify(loss));
      assert.equal(Object.keys(grads).length, det.params().length);
      for (const p of det.params()) {
        const g = grads[p.name]!;
        assert.deepEqual(g.shape, p.variable.shape, p.name);
        const v = g.dataSync();
        assert.ok(v.every(Number.isFinite), `${p.name}: non-finite gradient`);
        assert.ok(v.some((x) => x !== 0), `${p.name}: all-zero gradient`);
      }
      tf.dispose(Object.values(grads));
    } finally {
      det.dispose();
    }
  });
}

test('a training step leaks no tensors, moves BatchNorm statistics, and evaluation does not', async () => {
  await initBackend({ force: 'wasm' });
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 2 });
  const opt = createAdamW(det.params());
  try {
    const batch = tinyBatch();
    const hyper = { lr: 1e-3, momentum: 0.9, weightDecay: 5e-4 };
    await trainStep(det, opt, batch, { anchors, hyper });
    const before = tf.memory().numTensors;
    const rm = det.buffers().get('m0.running_mean')!;
    const rm0 = rm.dataSync().slice();
    const r = await trainStep(det, opt, batch, { anchors, hyper, readLoss: true });
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by a step');
    assert.ok(r.loss && Number.isFinite(r.loss.total));
    const rm1 = rm.dataSync().slice();
    assert.ok(rm1.some((v, i) => v !== rm0[i]), 'running mean did not move in training');
    const x = tf.tensor4d(batch.images, [2, IMGSZ, IMGSZ, 3]);
    const out = det.forward(x, false);
    tf.dispose([x, out.box, out.cls]);
    assert.deepEqual(rm.dataSync(), rm1, 'evaluation moved the running mean');
    assert.equal(tf.memory().numTensors, before);
  } finally {
    opt.dispose();
    det.dispose();
  }
});

test('save and load round trip: same outputs, class names, input size; damaged files are refused', async () => {
  await initBackend({ force: 'wasm' });
  const dir = await mkdtemp(join(tmpdir(), 'kestrel-model-'));
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 9 });
  try {
    // Move the running statistics away from their initial values so the buffers are tested too.
    const { grads } = computeGradients(det, tinyBatch(), { anchors });
    tf.dispose(Object.values(grads));
    const manifest = await saveDetector(det, dir, { classNames: ['scratch', 'dent'], extra: { epoch: 3 } });
    await saveDetector(det, dir, { classNames: ['scratch', 'dent'], extra: { epoch: 3 } });
    assert.deepEqual((await readdir(dir)).sort(), [manifest.weights.file, 'model.json'].sort(), 'stale or temp files left');
    const { detector: back, manifest: m } = await loadDetector(dir);
    try {
      assert.deepEqual(m.classNames, ['scratch', 'dent']);
      assert.equal(m.imgsz, IMGSZ);
      assert.deepEqual(m.spec, det.spec);
      assert.deepEqual(m.extra, { epoch: 3 });
      const x = tf.tensor4d(tinyBatch().images, [2, IMGSZ, IMGSZ, 3]);
      const a = det.forward(x, false);
      const b = back.forward(x, false);
      assert.deepEqual(a.box.dataSync(), b.box.dataSync());
      assert.deepEqual(a.cls.dataSync(), b.cls.dataSync());
      tf.dispose([x, a.box, a.cls, b.box, b.cls]);
    } finally {
      back.dispose();
    }
    // A damaged weights file is refused with a stable code.
    const wf = join(dir, manifest.weights.file);
    const bytes = await readFile(wf);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(wf, bytes);
    await assert.rejects(loadDetector(dir), (e: unknown) => e instanceof KestrelError && e.code === 'MODEL_WEIGHTS_MISMATCH');
    await assert.rejects(loadDetector(join(dir, 'nope')), (e: unknown) => e instanceof KestrelError && e.code === 'MODEL_WEIGHTS_NOT_FOUND');
  } finally {
    det.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
