import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { anchorsFor, decodePredictions, EVAL_DECODE_OPTIONS } from '../../../electron/engine/eval/decode';
import { evaluateDetections } from '../../../electron/engine/eval/metrics';
import { createRng } from '../../../electron/engine/data/rng';
import { createDetector } from '../../../electron/engine/model/detector';
import { createAdamW } from '../../../electron/engine/train/optim';
import { trainStep } from '../../../electron/engine/train/step';
import type { EvalTruth } from '../../../electron/shared/schemas/evaluation';

/*
 * Evidence that the detector learns: a tiny synthetic set (4 images of 64 px, dark noisy
 * background, 1-3 rectangles each: class 0 bright red, class 1 bright green, 16-40 px sides)
 * is overfitted by the real scale-n network, loss and assigner, with a minimal loop (AdamW,
 * full batch, no augmentation) on the wasm backend, until its mAP50 on those same images,
 * measured with the evaluator (decode + NMS + COCO AP), exceeds 0.9.
 */
const IMGSZ = 64;
const N = 4;
const CLASSES = ['red', 'green'];
const COLOURS = [
  [0.95, 0.15, 0.1],
  [0.1, 0.9, 0.2],
];

function syntheticSet(seed: number) {
  const rng = createRng(seed);
  const images = new Float32Array(N * IMGSZ * IMGSZ * 3);
  for (let i = 0; i < images.length; i++) images[i] = 0.15 + 0.1 * rng.next();
  const batchIndex: number[] = [];
  const cls: number[] = [];
  const boxes: number[] = [];
  const truths: EvalTruth[][] = [];
  for (let b = 0; b < N; b++) {
    const mine: EvalTruth[] = [];
    const count = 1 + rng.int(3);
    for (let tries = 0; mine.length < count && tries < 100; tries++) {
      const w = 16 + rng.int(25);
      const h = 16 + rng.int(25);
      const x1 = rng.int(IMGSZ - w);
      const y1 = rng.int(IMGSZ - h);
      const box = { x1, y1, x2: x1 + w, y2: y1 + h, cls: rng.int(2) };
      // Keep rectangles apart so each is a clean object.
      if (mine.some((m) => box.x1 < m.x2 + 2 && m.x1 < box.x2 + 2 && box.y1 < m.y2 + 2 && m.y1 < box.y2 + 2)) continue;
      mine.push(box);
      for (let y = box.y1; y < box.y2; y++) {
        for (let x = box.x1; x < box.x2; x++) {
          for (let c = 0; c < 3; c++) images[((b * IMGSZ + y) * IMGSZ + x) * 3 + c] = COLOURS[box.cls]![c]!;
        }
      }
      batchIndex.push(b);
      cls.push(box.cls);
      boxes.push(box.x1, box.y1, box.x2, box.y2);
    }
    truths.push(mine);
  }
  return {
    batch: { size: N, imgsz: IMGSZ, images, batchIndex: Int32Array.from(batchIndex), cls: Int32Array.from(cls), boxes: Float32Array.from(boxes) },
    truths,
  };
}

test('scale n overfits a tiny synthetic set to mAP50 > 0.9 on wasm', async () => {
  await initBackend({ force: 'wasm' });
  const { batch, truths } = syntheticSet(2024);
  const anchors = anchorsFor(IMGSZ, [8, 16, 32]);
  const det = createDetector({ scale: 'n', imgsz: IMGSZ, numClasses: 2, norm: 'batch' }, { seed: 1 });
  const opt = createAdamW(det.params());
  const x = tf.tensor4d(batch.images, [N, IMGSZ, IMGSZ, 3]);
  // A real schedule, shortened: linear warmup, then cosine down to 1% of the peak LR. The
  // decay matters for BatchNorm: its running statistics (momentum 0.03) only catch up with
  // the batch statistics once the weights settle, and evaluation uses the running ones.
  const maxSteps = Number(process.env.KESTREL_OVERFIT_STEPS ?? 300);
  // 0.002: measured to pass with margin (0.926 at step 225 of 300) after the kernel speed-ups;
  // at 0.003 this set plateaus at 0.876 (two 16 px boxes never found) on the same code.
  const peak = Number(process.env.KESTREL_OVERFIT_LR ?? 0.002);
  const warmup = 15;
  const lrAt = (step: number) =>
    step < warmup ? (peak * (step + 1)) / warmup : peak * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / (maxSteps - warmup))));
  const evalEvery = 25;
  const t0 = performance.now();
  let map50 = 0;
  let steps = 0;
  const log: string[] = [];
  try {
    while (steps < maxSteps) {
      const r = await trainStep(det, opt, batch, { anchors, hyper: { lr: lrAt(steps), momentum: 0.9, weightDecay: 0 }, readLoss: steps % evalEvery === 0 });
      steps++;
      if (r.loss) log.push(`step ${steps} loss ${r.loss.total.toFixed(2)} box ${r.loss.box.toFixed(3)} cls ${r.loss.cls.toFixed(3)} dfl ${r.loss.dfl.toFixed(3)}`);
      if (steps % evalEvery === 0) {
        const raw = det.forward(x, false);
        const preds = decodePredictions(raw, anchors, EVAL_DECODE_OPTIONS);
        tf.dispose([raw.box, raw.cls]);
        map50 = evaluateDetections(preds, truths, CLASSES).map50;
        log.push(`step ${steps} mAP50 ${map50.toFixed(3)} at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (map50 > 0.9) break;
      }
    }
  } finally {
    x.dispose();
    opt.dispose();
    det.dispose();
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`overfit: ${steps} steps, mAP50 ${map50.toFixed(3)}, ${secs.toFixed(1)} s\n  ${log.join('\n  ')}`);
  assert.ok(map50 > 0.9, `mAP50 ${map50.toFixed(3)} after ${steps} steps`);
});
