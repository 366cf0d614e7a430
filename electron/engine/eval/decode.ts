import * as tf from '@tensorflow/tfjs-core';
import type { LetterboxInfo } from '../../shared/schemas/dataset';
import type { Detection } from '../../shared/schemas/evaluation';
import { candidateDetection, nmsClassAware } from './nms';

export type { Detection } from '../../shared/schemas/evaluation';

/**
 * The detection head's raw output for a batch, levels P3, P4, P5 concatenated row-major.
 * box: [B, A, 4*R] DFL logits, sides l, t, r, b with R bins each (R = 16);
 * cls: [B, A, nc] class logits (before the sigmoid).
 */
export interface RawHeadOutput {
  box: tf.Tensor3D;
  cls: tf.Tensor3D;
}

/** Anchor centres in input pixels ((col+0.5)*stride, (row+0.5)*stride) and each one's stride. */
export interface Anchors {
  /** [A*2] x, y pairs. */
  points: Float32Array;
  /** [A] stride of the level the anchor belongs to. */
  strides: Float32Array;
}

/** How to turn raw outputs into detections. */
export interface DecodeOptions {
  /** Candidates scoring below this are dropped before NMS (0.001 for evaluation, 0.25 for display). */
  confThreshold: number;
  /** Same-class boxes overlapping a kept one by more than this are suppressed (0.7). */
  iouThreshold: number;
  /** At most this many detections per image (300). */
  maxDetections: number;
  /** Per image: undo the letterbox so boxes come out in original-image pixels, clipped to it. */
  letterbox?: LetterboxInfo[];
  /**
   * One candidate per (anchor, class) above the threshold instead of only the anchor's best
   * class. Ultralytics validates this way; it lifts mAP a little, display does not need it.
   * Default false.
   */
  multiLabel?: boolean;
  /** At most this many candidates per image enter NMS, the best by score (Ultralytics max_nms, 30000). */
  maxCandidates?: number;
}

/** Decoding settings for computing mAP (low threshold, so the whole PR curve is seen). */
export const EVAL_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  confThreshold: 0.001,
  iouThreshold: 0.7,
  maxDetections: 300,
  multiLabel: true,
});

/** Decoding settings for showing detections to a person. */
export const DISPLAY_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  confThreshold: 0.25,
  iouThreshold: 0.7,
  maxDetections: 300,
  multiLabel: false,
});

const DEFAULT_MAX_CANDIDATES = 30000;

/**
 * Anchor centres and strides for a square input of `imgsz` pixels, P3..P5 concatenated
 * row-major: the order the head emits its predictions in.
 */
export function anchorsFor(imgsz: number, strides: readonly number[] = [8, 16, 32]): Anchors {
  const maxStride = Math.max(...strides);
  if (!Number.isInteger(imgsz) || imgsz <= 0 || imgsz % maxStride !== 0) {
    throw new Error(`anchorsFor: input size ${imgsz} must be a positive multiple of ${maxStride}`);
  }
  let count = 0;
  for (const s of strides) count += (imgsz / s) * (imgsz / s);
  const points = new Float32Array(count * 2);
  const out = new Float32Array(count);
  let a = 0;
  for (const s of strides) {
    const n = imgsz / s;
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        points[2 * a] = (col + 0.5) * s;
        points[2 * a + 1] = (row + 0.5) * s;
        out[a] = s;
        a++;
      }
    }
  }
  return { points, strides: out };
}

/** Device-side result of the heavy part: candidates per image, best first. */
interface CandidateTensors {
  /** [B] how many (anchor[, class]) entries reach the threshold, per image. */
  counts: tf.Tensor1D;
  /** [B, k, 4] corners in input pixels; [B, k] scores; [B, k] classes. */
  boxes: tf.Tensor3D;
  scores: tf.Tensor2D;
  classes: tf.Tensor2D;
}

/** Scores (flattened per image), the best class per anchor (single-label only), corners, counts. */
interface DeviceParts {
  flat: tf.Tensor2D;
  bestCls: tf.Tensor2D | undefined;
  corners: tf.Tensor3D;
  counts: tf.Tensor1D;
}

function disposeParts(p: DeviceParts): void {
  tf.dispose([p.flat, p.corners, p.counts]);
  if (p.bestCls !== undefined) tf.dispose(p.bestCls);
}

interface Candidates {
  counts: Int32Array;
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  k: number;
}

function checkShapes(raw: RawHeadOutput, anchors: Anchors): { b: number; a: number; nc: number; bins: number } {
  const [b, a, boxDim] = raw.box.shape;
  const [bc, ac, nc] = raw.cls.shape;
  if (b !== bc || a !== ac) {
    throw new Error(`decodePredictions: box ${JSON.stringify(raw.box.shape)} and cls ${JSON.stringify(raw.cls.shape)} disagree`);
  }
  if (boxDim % 4 !== 0 || boxDim === 0) throw new Error(`decodePredictions: box last dimension ${boxDim} is not 4 x bins`);
  if (anchors.strides.length !== a || anchors.points.length !== 2 * a) {
    throw new Error(`decodePredictions: ${a} predictions per image but ${anchors.strides.length} anchors`);
  }
  if (nc === 0) throw new Error('decodePredictions: no classes');
  return { b, a, nc, bins: boxDim / 4 };
}

/**
 * Sigmoid, DFL expectation and box corners for every anchor, and the count per image of
 * entries above the confidence threshold. Everything stays on the device.
 */
function scoreAndBoxes(
  raw: RawHeadOutput,
  anchors: Anchors,
  dims: { b: number; a: number; nc: number; bins: number },
  opts: DecodeOptions,
): DeviceParts {
  return tf.tidy(() => {
    const { b, a, nc, bins } = dims;
    const probs = tf.sigmoid(raw.cls);
    let flat: tf.Tensor2D;
    let bestCls: tf.Tensor2D | undefined;
    if (opts.multiLabel) {
      flat = tf.reshape(probs, [b, a * nc]);
    } else {
      flat = tf.max(probs, 2) as tf.Tensor2D;
      bestCls = tf.argMax(probs, 2) as tf.Tensor2D;
    }
    // DFL: each side is a distribution over bins 0..R-1 (in stride units); its mean is the distance.
    const logits = tf.reshape(raw.box, [b, a, 4, bins]);
    const dist = tf.sum(tf.mul(tf.softmax(logits), tf.range(0, bins, 1, 'float32')), 3);
    const pix = tf.mul(dist, tf.tensor3d(anchors.strides, [1, a, 1]));
    const [l, t, r, bt] = tf.split(pix, 4, 2);
    const pts = tf.tensor3d(anchors.points, [1, a, 2]);
    const [px, py] = tf.split(pts, 2, 2);
    const corners = tf.concat([tf.sub(px!, l!), tf.sub(py!, t!), tf.add(px!, r!), tf.add(py!, bt!)], 2) as tf.Tensor3D;
    const counts = tf.sum(tf.cast(tf.greaterEqual(flat, opts.confThreshold), 'int32'), 1) as tf.Tensor1D;
    return { flat, bestCls, corners, counts };
  });
}

/**
 * Per-image gather along axis 1: x [B, A, ...], idx [B, k] -> [B, k, ...]. Written as one flat
 * gather with per-image offsets because tfjs-backend-wasm 4.22's GatherV2 ignores batchDims
 * (every image got image 0's rows).
 */
function batchGather(x: tf.Tensor, idx: tf.Tensor2D): tf.Tensor {
  const [b, a] = x.shape as [number, number];
  const rest = x.shape.slice(2);
  const k = idx.shape[1];
  const offsets = tf.mul(tf.reshape(tf.range(0, b, 1, 'int32'), [b, 1]), tf.scalar(a, 'int32'));
  const flatIdx = tf.reshape(tf.add(tf.cast(idx, 'int32'), offsets), [b * k]);
  const flat = tf.reshape(x, [b * a, ...rest]);
  return tf.reshape(tf.gather(flat, flatIdx, 0), [b, k, ...rest]);
}

/** Top-k candidates per image, gathered on the device so only k rows come back. */
function topCandidates(
  parts: DeviceParts,
  nc: number,
  k: number,
  multiLabel: boolean,
): Omit<CandidateTensors, 'counts'> {
  return tf.tidy(() => {
    const { values, indices } = tf.topk(parts.flat, k, true);
    let anchorIdx: tf.Tensor2D;
    let classes: tf.Tensor2D;
    if (multiLabel) {
      anchorIdx = tf.floorDiv(indices, tf.scalar(nc, 'int32'));
      classes = tf.sub(indices, tf.mul(anchorIdx, tf.scalar(nc, 'int32')));
    } else {
      anchorIdx = indices;
      classes = batchGather(parts.bestCls!, indices) as tf.Tensor2D;
    }
    const boxes = batchGather(parts.corners, anchorIdx) as tf.Tensor3D;
    return { boxes, scores: values, classes: tf.cast(classes, 'int32') };
  });
}

/** Per image: NMS over its candidates, then optionally back to original-image pixels. */
function finish(c: Candidates, b: number, opts: DecodeOptions): Detection[][] {
  const out: Detection[][] = [];
  const lbs = opts.letterbox;
  if (lbs !== undefined && lbs.length !== b) {
    throw new Error(`decodePredictions: ${b} images but ${lbs.length} letterbox entries`);
  }
  for (let i = 0; i < b; i++) {
    const n = Math.min(c.counts[i] as number, c.k);
    const boxes = c.boxes.subarray(i * c.k * 4, (i * c.k + n) * 4);
    const scores = c.scores.subarray(i * c.k, i * c.k + n);
    const classes = c.classes.subarray(i * c.k, i * c.k + n);
    // top-k hands candidates over best first, so NMS can skip its sort.
    const keep = nmsClassAware(boxes, scores, classes, opts.iouThreshold, opts.maxDetections, true);
    const lb = lbs?.[i];
    const dets: Detection[] = [];
    for (const j of keep) {
      const d = candidateDetection(boxes, scores, classes, j);
      dets.push(lb === undefined ? d : undoLetterbox(d, lb));
    }
    out.push(dets);
  }
  return out;
}

/**
 * Maps a detection from network-input pixels back to the original image:
 * x_orig = (x - padX) / scale, clipped to the image, as the letterbox was built.
 */
export function undoLetterbox(d: Detection, lb: LetterboxInfo): Detection {
  const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  return {
    x1: clip((d.x1 - lb.padX) / lb.scale, lb.srcWidth),
    y1: clip((d.y1 - lb.padY) / lb.scale, lb.srcHeight),
    x2: clip((d.x2 - lb.padX) / lb.scale, lb.srcWidth),
    y2: clip((d.y2 - lb.padY) / lb.scale, lb.srcHeight),
    score: d.score,
    cls: d.cls,
  };
}

function kFor(counts: Int32Array, total: number, opts: DecodeOptions): number {
  let most = 0;
  for (const n of counts) most = Math.max(most, n);
  return Math.min(most, total, opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
}

/**
 * Raw head output -> detections per image: sigmoid class scores, DFL distances x stride ->
 * corners, confidence pre-filter and top-k on the device, then class-aware NMS in plain TS
 * and, when `letterbox` is given, back to original-image pixels.
 *
 * Does not dispose `raw`. Reads from the device twice (the per-image candidate counts, which
 * size the top-k, then the candidates themselves): both are sync points.
 */
export function decodePredictions(raw: RawHeadOutput, anchors: Anchors, opts: DecodeOptions): Detection[][] {
  const dims = checkShapes(raw, anchors);
  const total = opts.multiLabel ? dims.a * dims.nc : dims.a;
  const parts = scoreAndBoxes(raw, anchors, dims, opts);
  try {
    const counts = parts.counts.dataSync() as Int32Array; // sync point: sizes the top-k
    const k = kFor(counts, total, opts);
    if (k === 0) return finish({ counts, boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0), k }, dims.b, opts);
    const top = topCandidates(parts, dims.nc, k, opts.multiLabel === true);
    try {
      // sync point: the candidates, k rows per image
      return finish(
        { counts, boxes: top.boxes.dataSync() as Float32Array, scores: top.scores.dataSync() as Float32Array, classes: top.classes.dataSync() as Int32Array, k },
        dims.b,
        opts,
      );
    } finally {
      tf.dispose([top.boxes, top.scores, top.classes]);
    }
  } finally {
    disposeParts(parts);
  }
}

/**
 * The same as decodePredictions, reading from the device with `data()` so a GPU backend can
 * keep the event loop free while it finishes (the worker streams events meanwhile).
 */
export async function decodePredictionsAsync(raw: RawHeadOutput, anchors: Anchors, opts: DecodeOptions): Promise<Detection[][]> {
  const dims = checkShapes(raw, anchors);
  const total = opts.multiLabel ? dims.a * dims.nc : dims.a;
  const parts = scoreAndBoxes(raw, anchors, dims, opts);
  try {
    const counts = (await parts.counts.data()) as Int32Array;
    const k = kFor(counts, total, opts);
    if (k === 0) return finish({ counts, boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0), k }, dims.b, opts);
    const top = topCandidates(parts, dims.nc, k, opts.multiLabel === true);
    try {
      const [boxes, scores, classes] = await Promise.all([top.boxes.data(), top.scores.data(), top.classes.data()]);
      return finish({ counts, boxes: boxes as Float32Array, scores: scores as Float32Array, classes: classes as Int32Array, k }, dims.b, opts);
    } finally {
      tf.dispose([top.boxes, top.scores, top.classes]);
    }
  } finally {
    disposeParts(parts);
  }
}
