import * as tf from '@tensorflow/tfjs-core';
import type { TrainBatch } from '../data/batch';
import { assignTargets, type AssignerOptions, type Assignment } from './assigner';
import { dflFromLogProbs, writeTwoHot } from './dfl';
import { ciouTensor } from './iou';

export { assignTargets, type AssignerInput, type AssignerOptions, type Assignment } from './assigner';
export { ciou, ciouTensor, stopGradient, IOU_EPS } from './iou';
export { dflFromTwoHot, dflFromLogProbs, writeTwoHot, dflClampMax } from './dfl';

/**
 * YOLOv8's detection loss (v8DetectionLoss): task-aligned assignment, BCE class loss against
 * IoU-weighted targets, CIoU box loss and distribution focal loss, each normalised by the sum
 * of target scores.
 */

/** Raw head output (model forward): box [B, A, 4*R] DFL logits, cls [B, A, nc] logits. */
export interface LossRaw {
  box: tf.Tensor3D;
  cls: tf.Tensor3D;
}

/** Anchor centres in input pixels and each anchor's stride (eval/decode's anchorsFor). */
export interface LossAnchors {
  points: Float32Array;
  strides: Float32Array;
}

/** The ground truth of a batch in the loader's flat layout. */
export type LossTargets = Pick<TrainBatch, 'size' | 'batchIndex' | 'cls' | 'boxes'>;

/** Weights of the three loss parts (YOLOv8 defaults box 7.5, cls 0.5, dfl 1.5). */
export interface LossGains {
  box: number;
  cls: number;
  dfl: number;
}

/** YOLOv8's default gains. */
export const DEFAULT_GAINS: Readonly<LossGains> = Object.freeze({ box: 7.5, cls: 0.5, dfl: 1.5 });

/** Options of computeLoss. */
export interface LossOptions {
  gains?: Partial<LossGains>;
  /**
   * Class label smoothing eps, on assigned (foreground) anchors only: an anchor with target
   * score t for class k gets t (1 - eps) for k and t eps / (nc - 1) for every other class.
   * Background anchors keep target 0: smoothing them toward eps / 2 (the classification
   * recipe) would lift every background score and flood low-threshold evaluation with false
   * positives. Default 0.
   */
  labelSmoothing?: number;
  assigner?: AssignerOptions;
  /**
   * Multiplier of `total`. Default: the batch size, as Ultralytics returns loss.sum() * bs, so
   * its learning rates and weight decay carry over unchanged.
   */
  scale?: number;
}

/** The loss of a batch: `total` to differentiate; parts (after gains, before `scale`) to report. */
export interface LossResult {
  total: tf.Scalar;
  box: tf.Scalar;
  cls: tf.Scalar;
  dfl: tf.Scalar;
  /** Positive anchors the assigner chose. */
  positives: number;
  /** The normaliser: max(sum of target scores, 1). */
  normaliser: number;
}

/** Detached sigmoid scores [B, A, nc] and decoded pixel corners [B, A, 4] for the assigner (caller disposes). */
function assignerPredictions(raw: LossRaw, anchors: LossAnchors): [tf.Tensor, tf.Tensor] {
  const [b, a, boxDim] = raw.box.shape;
  const bins = boxDim / 4;
  return tf.tidy(() => {
    const dist = tf.sum(tf.mul(tf.softmax(tf.reshape(raw.box, [b, a, 4, bins])), tf.range(0, bins, 1, 'float32')), -1);
    const px = tf.mul(dist, tf.tensor3d(anchors.strides, [1, a, 1]));
    const corners = tf.add(anchorCorners(anchors, false), tf.mul(px, SIDE_SIGN()));
    return [tf.sigmoid(raw.cls), corners];
  });
}

/** Checks that predictions, targets and anchors agree; returns batch, anchors, classes and DFL bins. */
function lossDims(raw: LossRaw, targets: LossTargets, anchors: LossAnchors): { b: number; a: number; nc: number; bins: number } {
  const [b, a, boxDim] = raw.box.shape;
  if (b !== targets.size) throw new Error(`Loss: ${b} predictions but a batch of ${targets.size} images`);
  if (anchors.strides.length !== a) throw new Error(`Loss: ${a} predictions per image but ${anchors.strides.length} anchors`);
  return { b, a, nc: raw.cls.shape[2], bins: boxDim / 4 };
}

function runAssigner(
  dims: { b: number; a: number; nc: number },
  pred: { scores: Float32Array; boxes: Float32Array },
  targets: LossTargets,
  anchors: LossAnchors,
  opts: AssignerOptions | undefined,
): Assignment {
  return assignTargets(
    {
      batchSize: dims.b,
      numAnchors: dims.a,
      numClasses: dims.nc,
      predScores: pred.scores,
      predBoxes: pred.boxes,
      anchorPoints: anchors.points,
      gtBatchIndex: targets.batchIndex,
      gtClasses: targets.cls,
      gtBoxes: targets.boxes,
    },
    opts,
  );
}

/**
 * The task-aligned assignment of a batch from its (detached) predictions, read back with
 * `dataSync()`: a sync point, and not possible on backends that cannot read synchronously
 * (webgpu in Node); use {@link assignBatchAsync} there.
 */
export function assignBatch(raw: LossRaw, targets: LossTargets, anchors: LossAnchors, opts?: AssignerOptions): Assignment {
  const dims = lossDims(raw, targets, anchors);
  const [scores, boxes] = assignerPredictions(raw, anchors);
  try {
    // Sync point: the assigner runs in plain TS.
    return runAssigner(dims, { scores: scores.dataSync() as Float32Array, boxes: boxes.dataSync() as Float32Array }, targets, anchors, opts);
  } finally {
    tf.dispose([scores, boxes]);
  }
}

/**
 * {@link assignBatch} reading the predictions with `await data()`, which works on every backend
 * (webgpu included). Pass the result to computeLoss, which then reads nothing from the device.
 */
export async function assignBatchAsync(raw: LossRaw, targets: LossTargets, anchors: LossAnchors, opts?: AssignerOptions): Promise<Assignment> {
  const dims = lossDims(raw, targets, anchors);
  const [scores, boxes] = assignerPredictions(raw, anchors);
  try {
    const [s, b] = await Promise.all([scores.data(), boxes.data()]);
    return runAssigner(dims, { scores: s as Float32Array, boxes: b as Float32Array }, targets, anchors, opts);
  } finally {
    tf.dispose([scores, boxes]);
  }
}

/** (-1, -1, 1, 1): corners are the anchor minus left/top and plus right/bottom distances. */
const SIDE_SIGN = (): tf.Tensor => tf.tensor3d([-1, -1, 1, 1], [1, 1, 4]);

/** [1, A, 4] anchor centres repeated as (x, y, x, y), in pixels or in grid (stride) units. */
function anchorCorners(anchors: LossAnchors, inGrid: boolean): tf.Tensor {
  const n = anchors.strides.length;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const s = inGrid ? anchors.strides[i]! : 1;
    const x = anchors.points[2 * i]! / s;
    const y = anchors.points[2 * i + 1]! / s;
    out[4 * i] = x;
    out[4 * i + 1] = y;
    out[4 * i + 2] = x;
    out[4 * i + 3] = y;
  }
  return tf.tensor3d(out, [1, n, 4]);
}

/** Dense, constant targets in grid (stride) units for the differentiable part. */
interface DenseTargets {
  /** [B*A*4] target corners / stride; background gets a unit box around its anchor (finite CIoU, masked out). */
  boxes: Float32Array;
  /** [B*A] box and DFL weight: sum of the anchor's target scores, 0 for background. */
  weight: Float32Array;
  /** [B*A*4*R] two-hot DFL targets, zero for background. */
  twoHot: Float32Array;
}

function denseTargets(asg: Assignment, anchors: LossAnchors, b: number, a: number, nc: number, bins: number): DenseTargets {
  const boxes = new Float32Array(b * a * 4);
  const weight = new Float32Array(b * a);
  const twoHot = new Float32Array(b * a * 4 * bins);
  for (let i = 0; i < b * a; i++) {
    const k = i % a;
    const s = anchors.strides[k]!;
    const ax = anchors.points[2 * k]! / s;
    const ay = anchors.points[2 * k + 1]! / s;
    if (!asg.fg[i]) {
      boxes.set([ax - 1, ay - 1, ax + 1, ay + 1], 4 * i);
      continue;
    }
    const x1 = asg.targetBoxes[4 * i]! / s;
    const y1 = asg.targetBoxes[4 * i + 1]! / s;
    const x2 = asg.targetBoxes[4 * i + 2]! / s;
    const y2 = asg.targetBoxes[4 * i + 3]! / s;
    boxes.set([x1, y1, x2, y2], 4 * i);
    let w = 0;
    for (let c = 0; c < nc; c++) w += asg.targetScores[i * nc + c]!;
    weight[i] = w;
    const sides = [ax - x1, ay - y1, x2 - ax, y2 - ay];
    for (let side = 0; side < 4; side++) writeTwoHot(twoHot, (i * 4 + side) * bins, sides[side]!, bins);
  }
  return { boxes, weight, twoHot };
}

/** Numerically stable BCE with logits, element-wise: max(x, 0) - x t + log(1 + exp(-|x|)). */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/**
 * The detection loss of one batch.
 *
 * Runs the assigner on detached predictions (one read from the device, a sync point) unless
 * `assignment` is given (from assignBatchAsync on the same predictions), then builds the loss
 * from element-wise ops and constant masks only: no gather, comparison or strided slice sits
 * on the gradient path, since tfjs lacks gradients for them on some backends. Background
 * anchors take part in the box terms with weight 0, which costs a little arithmetic and saves
 * the gathers. Images without boxes only contribute to the class loss (all targets 0).
 */
export function computeLoss(raw: LossRaw, targets: LossTargets, anchors: LossAnchors, opts: LossOptions = {}, assignment?: Assignment): LossResult {
  const { b, a, nc, bins } = lossDims(raw, targets, anchors);
  const gains = { ...DEFAULT_GAINS, ...opts.gains };
  const smoothing = opts.labelSmoothing ?? 0;
  const scale = opts.scale ?? b;

  if (assignment && (assignment.fg.length !== b * a || assignment.targetScores.length !== b * a * nc)) {
    throw new Error(`Loss: the assignment covers ${assignment.fg.length} anchors and ${assignment.targetScores.length} scores, not ${b * a} and ${b * a * nc} (${b} images, ${a} anchors, ${nc} classes)`);
  }
  const asg = assignment ?? assignBatch(raw, targets, anchors, opts.assigner);
  const normaliser = Math.max(asg.scoreSum, 1);
  const dense = denseTargets(asg, anchors, b, a, nc, bins);

  const parts = tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(raw.box, [b, a, 4, bins]));
    const dist = tf.sum(tf.mul(tf.exp(logp), tf.range(0, bins, 1, 'float32')), -1);
    const predBox = tf.add(anchorCorners(anchors, true), tf.mul(dist, SIDE_SIGN()));
    const tgtBox = tf.tensor3d(dense.boxes, [b, a, 4]);
    const corner = (t: tf.Tensor, i: number) => tf.reshape(tf.slice(t, [0, 0, i], [-1, -1, 1]), [b, a]);
    const iou = ciouTensor(
      { x1: corner(predBox, 0), y1: corner(predBox, 1), x2: corner(predBox, 2), y2: corner(predBox, 3) },
      { x1: corner(tgtBox, 0), y1: corner(tgtBox, 1), x2: corner(tgtBox, 2), y2: corner(tgtBox, 3) },
    );
    const weight = tf.tensor2d(dense.weight, [b, a]);
    const boxLoss = tf.div(tf.sum(tf.mul(tf.sub(1, iou), weight)), normaliser);
    const dflPer = tf.mean(dflFromLogProbs(logp, tf.tensor4d(dense.twoHot, [b, a, 4, bins])), -1);
    const dflLoss = tf.div(tf.sum(tf.mul(dflPer, weight)), normaliser);
    const clsTarget = tf.tensor3d(smoothing > 0 && nc > 1 ? smoothForeground(asg.targetScores, nc, smoothing) : asg.targetScores, [b, a, nc]);
    const clsLoss = tf.div(tf.sum(bceWithLogits(raw.cls, clsTarget)), normaliser);
    const box = tf.mul(boxLoss, gains.box) as tf.Scalar;
    const cls = tf.mul(clsLoss, gains.cls) as tf.Scalar;
    const dfl = tf.mul(dflLoss, gains.dfl) as tf.Scalar;
    const total = tf.mul(tf.addN([box, cls, dfl]), scale) as tf.Scalar;
    return { total, box, cls, dfl };
  });
  return { ...parts, positives: asg.positives, normaliser };
}

/** Label smoothing of foreground anchors' class targets (see LossOptions.labelSmoothing). */
export function smoothForeground(targets: Float32Array, nc: number, eps: number): Float32Array {
  const out = new Float32Array(targets.length);
  for (let o = 0; o < targets.length; o += nc) {
    let t = 0;
    for (let c = 0; c < nc; c++) t = Math.max(t, targets[o + c]!);
    if (t === 0) continue;
    for (let c = 0; c < nc; c++) {
      const v = targets[o + c]!;
      out[o + c] = v > 0 ? v * (1 - eps) : (t * eps) / (nc - 1);
    }
  }
  return out;
}
