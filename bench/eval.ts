// `npm run bench -- eval [--backend wasm|cpu] [--imgsz 640] [--batch 8] [--nc 5] [--images 500]`
// Decode + NMS time per image (worst case: random head output, so nearly every anchor passes
// the 0.001 evaluation threshold) and COCO evaluation time per image at 300 detections each.
// Prints a table and writes bench/results/eval.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { anchorsFor, decodePredictions, EVAL_DECODE_OPTIONS, DISPLAY_DECODE_OPTIONS } from '../electron/engine/eval/decode';
import { evaluateDetections } from '../electron/engine/eval/metrics';
import type { Detection, EvalTruth } from '../electron/shared/schemas/evaluation';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    imgsz: { type: 'string', default: '640' },
    batch: { type: 'string', default: '8' },
    nc: { type: 'string', default: '5' },
    images: { type: 'string', default: '500' },
    reps: { type: 'string', default: '3' },
  },
});
const backend = values.backend!;
const imgsz = Number(values.imgsz);
const batch = Number(values.batch);
const nc = Number(values.nc);
const images = Number(values.images);
const reps = Number(values.reps);

if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not load`);
await tf.ready();

const anchors = anchorsFor(imgsz);
const a = anchors.strides.length;
const rows: Array<{ case: string; msPerImage: number; detsPerImage: number }> = [];

for (const [name, opts] of [
  ['decode eval (conf 0.001, multi-label)', EVAL_DECODE_OPTIONS],
  ['decode display (conf 0.25)', DISPLAY_DECODE_OPTIONS],
] as const) {
  const raw = tf.tidy(() => ({
    box: tf.randomNormal([batch, a, 64], 0, 2, 'float32', 1) as tf.Tensor3D,
    // Mean logit -3 (p ~ 0.05) with spread: an undertrained model, the slow case.
    cls: tf.randomNormal([batch, a, nc], -3, 1.5, 'float32', 2) as tf.Tensor3D,
  }));
  decodePredictions(raw, anchors, opts); // warm-up: kernel compilation, allocations
  let dets = 0;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) dets += decodePredictions(raw, anchors, opts).reduce((s, d) => s + d.length, 0);
  const ms = (performance.now() - t0) / (reps * batch);
  tf.dispose([raw.box, raw.cls]);
  rows.push({ case: `${name}, ${imgsz}px, batch ${batch}, ${nc} classes`, msPerImage: ms, detsPerImage: dets / (reps * batch) });
}

// Evaluation over `images` images x 300 detections, 10 boxes each.
let seed = 7;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const truths: EvalTruth[][] = [];
const preds: Detection[][] = [];
for (let im = 0; im < images; im++) {
  const t: EvalTruth[] = [];
  for (let k = 0; k < 10; k++) {
    const x = rnd() * 600;
    const y = rnd() * 600;
    t.push({ x1: x, y1: y, x2: x + 20 + rnd() * 40, y2: y + 20 + rnd() * 40, cls: k % nc });
  }
  const p: Detection[] = t.map((b) => ({ x1: b.x1 + rnd() * 6, y1: b.y1 + rnd() * 6, x2: b.x2, y2: b.y2, cls: b.cls, score: rnd() }));
  while (p.length < 300) {
    const x = rnd() * 600;
    const y = rnd() * 600;
    p.push({ x1: x, y1: y, x2: x + 30, y2: y + 30, cls: Math.floor(rnd() * nc), score: rnd() * 0.6 });
  }
  truths.push(t);
  preds.push(p);
}
const names = Array.from({ length: nc }, (_, i) => `c${i}`);
const t0 = performance.now();
const res = evaluateDetections(preds, truths, names);
rows.push({ case: `evaluate ${images} images x 300 dets, ${nc} classes (mAP50 ${res.map50.toFixed(3)})`, msPerImage: (performance.now() - t0) / images, detsPerImage: 300 });

console.log(`backend ${tf.getBackend()}`);
console.table(rows.map((r) => ({ case: r.case, 'ms/image': r.msPerImage.toFixed(2), 'dets/image': r.detsPerImage.toFixed(0) })));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/eval.json', JSON.stringify({ backend: tf.getBackend(), imgsz, batch, nc, images, reps, rows, date: new Date().toISOString() }, null, 2) + '\n');
