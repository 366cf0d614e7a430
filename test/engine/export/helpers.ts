/**
 * Helpers of the export tests: detectors with non-trivial norm parameters (so BatchNorm folding
 * is really tested), TF.js reference outputs in the exported layout, thresholds that sit in
 * clear gaps between scores, and a tolerant comparison of detection lists.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { anchorsFor, decodePredictions } from '../../../electron/engine/eval/decode';
import { createDetector, type ConvBlockFn, type Detector } from '../../../electron/engine/model/detector';
import { convBlock } from '../../../electron/engine/ops/conv-block';
import type { WeightTensor } from '../../../electron/engine/export/onnx-graph';
import type { ModelSpec } from '../../../electron/shared/schemas/model';
import type { Detection } from '../../../electron/shared/schemas/evaluation';
import { values } from '../../helpers/values';

/**
 * Gain on the box head's output convolutions, so box sizes vary from anchor to anchor as a
 * trained model's do (calibrated BatchNorm already gives unit-scale features; GroupNorm ones are smaller).
 */
const BOX_GAIN = { batch: 1, group: 2 } as const;

/**
 * A random-init detector with the norm parameters of a used model: gamma 0.7-1.3, beta +-0.2,
 * and (BatchNorm) running statistics taken from one training-mode pass over `calibration`
 * images, then shifted (mean + 0.1 std) and scaled (variance x 0.8-1.2) so that folding them
 * is really tested. The head's output convolutions get a gain so outputs vary by anchor.
 * Deterministic by seed.
 */
export function perturbedDetector(spec: ModelSpec, seed: number, calibration: Float32Array[] = [patternImage(spec.imgsz, 11), patternImage(spec.imgsz, 12)]): Detector {
  const stats = new Map<tf.Tensor, { mean: tf.Tensor; variance: tf.Tensor }>();
  const block: ConvBlockFn = (x, w, o) =>
    convBlock(x, w, o.onBatchStats ? { ...o, onBatchStats: (mean, variance) => stats.set(w.filter, { mean: tf.keep(tf.clone(mean)), variance: tf.keep(tf.clone(variance)) }) } : o);
  const det = createDetector(spec, { seed, block });
  if (spec.norm === 'batch') {
    const side = spec.imgsz;
    tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(calibration.flatMap((c) => Array.from(c))), [calibration.length, side, side, 3]);
      det.forward(x, true);
    });
  }
  const state = det.state();
  const updates = new Map<string, tf.Tensor>();
  let k = seed * 1000;
  for (const [name, v] of state) {
    const n = v.size;
    const s = k++;
    if (name.endsWith('.gamma')) updates.set(name, tf.tensor(values(n, s, 0.3, 1), v.shape));
    else if (name.endsWith('.beta')) updates.set(name, tf.tensor(values(n, s, 0.2), v.shape));
    else if (/\.box\d\.2\.filter$/.test(name)) updates.set(name, tf.mul(v, BOX_GAIN[spec.norm]));
    else if (name.endsWith('.running_mean') || name.endsWith('.running_var')) {
      const conv = name.slice(0, name.lastIndexOf('.'));
      const st = stats.get(state.get(`${conv}.filter`)!);
      if (!st) throw new Error(`no calibration statistics for ${conv}`);
      const upd = name.endsWith('.running_mean')
        ? tf.add(st.mean, tf.mul(tf.sqrt(st.variance), tf.tensor(values(n, s, 0.1), v.shape)))
        : tf.mul(st.variance, tf.tensor(values(n, s, 0.2, 1), v.shape));
      updates.set(name, upd);
    }
  }
  det.setState(updates);
  tf.dispose([...updates.values(), ...[...stats.values()].flatMap((x) => [x.mean, x.variance])]);
  spreadClassLogits(det, calibration[0]!);
  return det;
}

/**
 * Rescales each level's class output conv so that, on `img`, every class's logits have mean -1
 * and standard deviation 1.5 over that level's anchors: scores spread over (0, 1) as a
 * trained model's do, instead of all near 0 or all near 1.
 */
function spreadClassLogits(det: Detector, img: Float32Array): void {
  const side = det.spec.imgsz;
  const nc = det.spec.numClasses;
  const logits = tf.tidy(() => det.forward(tf.tensor4d(img, [1, side, side, 3]), false).cls.dataSync());
  const state = det.state();
  const detect = det.arch.nodes.find((n) => n.def.kind === 'detect')!;
  let start = 0;
  [8, 16, 32].forEach((stride, l) => {
    const count = (side / stride) ** 2;
    const filter = state.get(`m${detect.index}.cls${l}.2.filter`)!;
    const bias = state.get(`m${detect.index}.cls${l}.2.bias`)!;
    const f = Float32Array.from(filter.dataSync());
    const b = Float32Array.from(bias.dataSync());
    for (let c = 0; c < nc; c++) {
      let sum = 0;
      let sq = 0;
      for (let a = start; a < start + count; a++) sum += logits[a * nc + c]!;
      const mean = sum / count;
      for (let a = start; a < start + count; a++) sq += (logits[a * nc + c]! - mean) ** 2;
      const g = 1.5 / Math.max(Math.sqrt(sq / count), 1e-3);
      for (let i = c; i < f.length; i += nc) f[i] = f[i]! * g;
      b[c] = (b[c]! - mean) * g - 1;
    }
    tf.tidy(() => {
      filter.assign(tf.tensor(f, filter.shape));
      bias.assign(tf.tensor(b, bias.shape));
    });
    start += count;
  });
}

/** Every variable of a detector as the exporter takes them. */
export async function weightsOf(det: Detector): Promise<Map<string, WeightTensor>> {
  const out = new Map<string, WeightTensor>();
  for (const [name, v] of det.state()) out.set(name, { shape: [...v.shape], data: Float32Array.from(await v.data()) });
  return out;
}

/** A structured test image, NHWC [side, side, 3] in [0, 1] (stripes, a bright patch, a dark bar). */
export function patternImage(side: number, seed = 1): Float32Array {
  const img = new Float32Array(side * side * 3);
  const noise = values(side * side * 3, seed, 0.05);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0.45 + 0.15 * Math.sin((x + 2 * y) * 0.3 + c);
        if (x > side * 0.2 && x < side * 0.45 && y > side * 0.3 && y < side * 0.6) v = 0.95;
        if (y > side * 0.75 && y < side * 0.82) v = 0.05;
        const i = (y * side + x) * 3 + c;
        img[i] = Math.min(1, Math.max(0, v + (noise[i] as number)));
      }
    }
  }
  return img;
}

/** TF.js forward of one image: the raw head output and output0 ([4 + nc, A], Ultralytics layout) computed from it. */
export async function tfReference(det: Detector, img: Float32Array): Promise<{ output0: Float32Array; raw: { box: tf.Tensor3D; cls: tf.Tensor3D } }> {
  const side = det.spec.imgsz;
  const nc = det.spec.numClasses;
  const x = tf.tensor4d(img, [1, side, side, 3]);
  const raw = det.forward(x, false);
  x.dispose();
  const anchors = anchorsFor(side);
  const a = anchors.strides.length;
  const [probs, dist] = tf.tidy(() => [
    tf.sigmoid(raw.cls),
    tf.sum(tf.mul(tf.softmax(tf.reshape(raw.box, [1, a, 4, 16])), tf.range(0, 16, 1, 'float32')), 3),
  ]);
  const p = await probs!.data();
  const d = await dist!.data();
  tf.dispose([probs!, dist!]);
  const out = new Float32Array((4 + nc) * a);
  for (let i = 0; i < a; i++) {
    const s = anchors.strides[i]!;
    const [l, t, r, b] = [0, 1, 2, 3].map((j) => d[i * 4 + j]! * s) as [number, number, number, number];
    const ax = anchors.points[2 * i]!;
    const ay = anchors.points[2 * i + 1]!;
    out[i] = ax + (r - l) / 2;
    out[a + i] = ay + (b - t) / 2;
    out[2 * a + i] = l + r;
    out[3 * a + i] = t + b;
    for (let c = 0; c < nc; c++) out[(4 + c) * a + i] = p[i * nc + c]!;
  }
  return { output0: out, raw };
}

/** Kestrel's own detections (eval/decode.ts, display mode) at per-class thresholds, in input pixels. */
export function kestrelDetections(raw: { box: tf.Tensor3D; cls: tf.Tensor3D }, side: number, conf: number[], iou: number): Detection[] {
  const dets = decodePredictions(raw, anchorsFor(side), { confThreshold: Math.min(...conf), iouThreshold: iou, maxDetections: 300, multiLabel: false });
  return dets[0]!.filter((d) => d.score >= conf[d.cls]!);
}

/**
 * Per-class thresholds that let about `target` anchors through in total, each placed in the
 * middle of a gap of at least `gap` between consecutive best-class scores, so tiny numeric
 * differences between runtimes cannot move an anchor across a threshold.
 */
export function gapThresholds(output0: Float32Array, nc: number, target: number, gap = 2e-4): number[] {
  const a = output0.length / (4 + nc);
  const byClass: number[][] = Array.from({ length: nc }, () => []);
  for (let i = 0; i < a; i++) {
    let best = 0;
    for (let c = 1; c < nc; c++) if (output0[(4 + c) * a + i]! > output0[(4 + best) * a + i]!) best = c;
    byClass[best]!.push(output0[(4 + best) * a + i]!);
  }
  return byClass.map((scores) => {
    scores.sort((p, q) => q - p);
    const want = Math.max(1, Math.round((target * scores.length) / a));
    // A threshold between scores[k - 1] and scores[k] lets k anchors of the class through.
    for (let k = want; k < scores.length; k++) {
      if (scores[k - 1]! - scores[k]! >= gap) return (scores[k - 1]! + scores[k]!) / 2;
    }
    return 0.999; // no usable gap: let nothing of this class through
  });
}

/**
 * How far output0 `got` is from the reference `want`, relative to each part's scale: the box
 * rows' largest |difference| divided by their largest |value| (the box output's scale, in
 * pixels), and the score rows' largest |difference| (scores are in [0, 1]).
 */
export function output0Error(got: Float32Array, want: Float32Array, anchors: number): { box: number; score: number; boxPixels: number; boxScale: number } {
  assert.equal(got.length, want.length);
  let boxPixels = 0;
  let boxScale = 0;
  let score = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (i < 4 * anchors) {
      boxPixels = Math.max(boxPixels, d);
      boxScale = Math.max(boxScale, Math.abs(want[i]!));
    } else score = Math.max(score, d);
  }
  return { box: boxPixels / boxScale, score, boxPixels, boxScale };
}

/** Asserts two detection lists are the same detections (order-free; boxes within boxTol px, scores within scoreTol). */
export function assertSameDetections(got: Detection[], want: Detection[], boxTol: number, scoreTol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} detections, expected ${want.length}`);
  const used = new Set<number>();
  for (const w of want) {
    const j = got.findIndex(
      (g, i) =>
        !used.has(i) &&
        g.cls === w.cls &&
        Math.abs(g.score - w.score) <= scoreTol &&
        Math.abs(g.x1 - w.x1) <= boxTol &&
        Math.abs(g.y1 - w.y1) <= boxTol &&
        Math.abs(g.x2 - w.x2) <= boxTol &&
        Math.abs(g.y2 - w.y2) <= boxTol,
    );
    assert.ok(j >= 0, `${what}: no match for ${JSON.stringify(w)}`);
    used.add(j);
  }
}
