import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../../electron/engine/tf-gradients';
import { initBackend } from '../../../electron/engine/backend/index';
import { anchorsFor } from '../../../electron/engine/eval/index';
import { createDetector } from '../../../electron/engine/model/detector';
import { GradientAccumulator } from '../../../electron/engine/train/accumulate';
import { computeGradients } from '../../../electron/engine/train/step';

before(async () => {
  await initBackend({ force: 'wasm' });
});

const IMGSZ = 64;

/** n images with one box each, different per image (seeded), in the loader's flat layout. */
function batchOf(n: number, seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const images = new Float32Array(n * IMGSZ * IMGSZ * 3);
  for (let i = 0; i < images.length; i++) images[i] = rnd();
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    // Large boxes: at initialisation the predicted boxes are large, so these overlap them enough
    // that the target-score sum exceeds 1 and the loss's max(sum, 1) normaliser is the sum itself.
    const x = rnd() * 16;
    const y = rnd() * 16;
    boxes.set([x, y, x + 40 + rnd() * 8, y + 40 + rnd() * 8], 4 * i);
  }
  return { size: n, imgsz: IMGSZ, images, batchIndex: Int32Array.from({ length: n }, (_, i) => i), cls: Int32Array.from({ length: n }, (_, i) => i % 2), boxes };
}

/** Two copies of a batch, one after the other: a batch of 2n. */
function doubled(b: ReturnType<typeof batchOf>) {
  const n = b.size;
  const images = new Float32Array(2 * b.images.length);
  images.set(b.images);
  images.set(b.images, b.images.length);
  const boxes = new Float32Array(2 * b.boxes.length);
  boxes.set(b.boxes);
  boxes.set(b.boxes, b.boxes.length);
  return {
    size: 2 * n,
    imgsz: IMGSZ,
    images,
    batchIndex: Int32Array.from([...b.batchIndex, ...Array.from(b.batchIndex, (i) => i + n)]),
    cls: Int32Array.from([...b.cls, ...b.cls]),
    boxes,
  };
}

test('one update of batch 8 has the gradients of two accumulated micro-batches of 4 (GroupNorm)', () => {
  // The YOLO loss is normalised by the target-score sum of its whole batch, so two halves are
  // exactly a batch of 8 only when their sums are equal: the batch of 8 here is the batch of 4
  // twice. GroupNorm normalises each image alone, so no statistic couples the images.
  // (Ultralytics' loss has the same property; with different halves the two differ by the
  // ratio of their normalisers, which is what "equivalent" means for this loss.)
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'group' }, { seed: 7 });
  const anchors = anchorsFor(IMGSZ);
  const half = batchOf(4, 11);
  const full = doubled(half);
  const startTensors = tf.memory().numTensors;
  try {
    // Each loss is scaled to its own images, as the training loop does (update.ts).
    const one = computeGradients(det, full, { anchors, loss: { scale: 8 } }).grads;
    const acc = new GradientAccumulator();
    for (let k = 0; k < 2; k++) acc.add(computeGradients(det, half, { anchors, loss: { scale: 4 } }).grads);
    assert.equal(acc.size, 2);
    const summed = acc.take();
    let maxRel = 0;
    let checked = 0;
    for (const [name, g] of Object.entries(one)) {
      const a = g.dataSync();
      const b = summed[name]!.dataSync();
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i]! - b[i]!) ** 2;
        den += a[i]! ** 2;
      }
      if (den > 1e-12) {
        maxRel = Math.max(maxRel, Math.sqrt(num / den));
        checked++;
      }
    }
    assert.ok(checked > 50, `only ${checked} non-zero gradients`);
    assert.ok(maxRel < 1e-3, `largest relative difference ${maxRel}`);
    // A wrong scale (e.g. not dividing by the steps) is off by 2x: the comparison above sees it.
    const total = tf.tidy(() => Object.values(one).reduce((s, g) => s + (tf.sum(tf.abs(g)).dataSync()[0] as number), 0));
    assert.ok(total > 0 && Number.isFinite(total));
    tf.dispose([...Object.values(one), ...Object.values(summed)]);
    assert.equal(tf.memory().numTensors, startTensors, 'tensors leaked');
  } finally {
    det.dispose();
  }
});
