// One micro-batch's forward, loss and gradients (and the plain one-batch training step).
import * as tf from '@tensorflow/tfjs-core';
import type { TrainBatch } from '../data/batch';
import { assignBatchAsync, computeLoss, type Assignment, type LossAnchors, type LossOptions, type LossTargets } from '../loss/index';
import type { Detector, RawOutput } from '../model/detector';
import type { Optimizer, StepHyper } from './optim';
// Gradients of every op must be registered wherever gradients are taken.
import '../tf-gradients';

/** Loss parts of one step as plain numbers (reading them is a sync point). */
export interface StepLoss {
  total: number;
  box: number;
  cls: number;
  dfl: number;
  positives: number;
}

/** Options of one training step. */
export interface StepOptions {
  anchors: LossAnchors;
  loss?: LossOptions;
  /** Read the loss parts back as numbers. Costs a sync point; ask only when an event needs them. */
  readLoss?: boolean;
  /**
   * computeGradientsAsync only: assign targets from a first forward pass read with `await data()`,
   * then take the gradients with that assignment, instead of reading the predictions inside the
   * gradient pass. Default: only where the backend cannot read synchronously (webgpu); the
   * single pass is faster where it can.
   */
  separateAssignment?: boolean;
  /** BatchNorm momentum of this step's training forward (bnMomentumFor); default BN_MOMENTUM. */
  bnMomentum?: number;
}

/** Gradients of one micro-batch by parameter name, plus its loss when asked. */
export interface GradientsResult {
  grads: Record<string, tf.Tensor>;
  loss?: StepLoss;
}

/** The batch's images as an NHWC tensor (caller disposes). */
export function imagesTensor(batch: Pick<TrainBatch, 'size' | 'imgsz' | 'images'>): tf.Tensor4D {
  return tf.tensor4d(batch.images, [batch.size, batch.imgsz, batch.imgsz, 3]);
}

/** Whether the current backend can read tensors synchronously: webgpu in Node cannot (dataSync throws). */
export function backendReadsSync(backend: string = tf.getBackend()): boolean {
  return backend !== 'webgpu';
}

/** One gradient pass's results, all still on the device (the caller disposes them). */
interface GradientPass {
  value: tf.Scalar;
  grads: Record<string, tf.Tensor>;
  parts?: { box: tf.Scalar; cls: tf.Scalar; dfl: tf.Scalar };
  positives: number;
}

/**
 * Forward in training mode, loss and variableGrads. Without `assignment` the loss reads the
 * predictions for the assigner synchronously inside the pass; with it, nothing is read.
 */
function gradientPass(detector: Detector, images: tf.Tensor4D, batch: LossTargets, opts: StepOptions, assignment?: Assignment): GradientPass {
  const params = detector.params();
  let parts: GradientPass['parts'];
  let positives = 0;
  const { value, grads } = tf.variableGrads(() => {
    const raw = detector.forward(images, true, opts.bnMomentum === undefined ? {} : { bnMomentum: opts.bnMomentum });
    const l = computeLoss(raw, batch, opts.anchors, opts.loss, assignment);
    positives = l.positives;
    if (opts.readLoss) parts = { box: tf.keep(l.box), cls: tf.keep(l.cls), dfl: tf.keep(l.dfl) };
    return l.total;
  }, params.map((p) => p.variable));
  const byName: Record<string, tf.Tensor> = {};
  for (const p of params) {
    const g = grads[p.variable.name];
    if (g === undefined) {
      tf.dispose([value, ...Object.values(grads), ...(parts ? [parts.box, parts.cls, parts.dfl] : [])]);
      throw new Error(`No gradient for ${p.name}`);
    }
    byName[p.name] = g;
  }
  return parts ? { value, grads: byName, parts, positives } : { value, grads: byName, positives };
}

function disposePass(pass: GradientPass): void {
  tf.dispose([pass.value, ...(pass.parts ? [pass.parts.box, pass.parts.cls, pass.parts.dfl] : [])]);
}

/**
 * Forward (training mode: BatchNorm statistics move), loss and gradients of every trainable
 * variable for one micro-batch, without updating the weights: gradient accumulation sums these
 * over micro-batches before one optimizer update. Gradients are keyed by the detector's
 * parameter names; the caller disposes them.
 *
 * Reads from the device synchronously (the assigner's predictions, the loss), so it works only
 * where dataSync does (wasm, cpu, tensorflow): use computeGradientsAsync on every backend.
 */
export function computeGradients(
  detector: Detector,
  batch: LossTargets & Pick<TrainBatch, 'imgsz' | 'images'>,
  opts: StepOptions,
): GradientsResult {
  const images = imagesTensor(batch);
  let pass: GradientPass | undefined;
  try {
    pass = gradientPass(detector, images, batch, opts);
    if (!opts.readLoss || !pass.parts) return { grads: pass.grads };
    // Sync point: one read of four scalars.
    const { box, cls, dfl } = pass.parts;
    const [total, b, c, d] = [pass.value, box, cls, dfl].map((t) => t.dataSync()[0] as number) as [number, number, number, number];
    return { grads: pass.grads, loss: { total, box: b, cls: c, dfl: d, positives: pass.positives } };
  } finally {
    images.dispose();
    if (pass) disposePass(pass);
  }
}

/**
 * The assignment of a batch from a first forward pass: training mode, so it normalises with
 * the batch statistics exactly as the gradient pass will; outside variableGrads, so nothing is
 * taped; the BatchNorm running statistics it moves are put back, so the step moves them once.
 * The predictions are read with `await data()`.
 */
async function assignFromFirstPass(detector: Detector, images: tf.Tensor4D, batch: LossTargets, opts: StepOptions): Promise<Assignment> {
  const buffers = [...detector.buffers().values()];
  const saved = buffers.map((v) => tf.clone(v));
  let raw: RawOutput;
  try {
    raw = detector.forward(images, true);
  } finally {
    buffers.forEach((v, i) => v.assign(saved[i]!));
    tf.dispose(saved);
  }
  try {
    return await assignBatchAsync(raw, batch, opts.anchors, opts.loss?.assigner);
  } finally {
    tf.dispose([raw.box, raw.cls]);
  }
}

/**
 * computeGradients for every backend: reads from the device only with `await data()`. Where
 * the backend cannot read synchronously (webgpu), or `opts.separateAssignment` asks for it,
 * the assigner runs between a first forward pass and the gradient pass (two forwards: the
 * price of never blocking); elsewhere it runs inside the single gradient pass. Both give the
 * same loss and gradients.
 */
export async function computeGradientsAsync(
  detector: Detector,
  batch: LossTargets & Pick<TrainBatch, 'imgsz' | 'images'>,
  opts: StepOptions,
): Promise<GradientsResult> {
  const images = imagesTensor(batch);
  let pass: GradientPass | undefined;
  let done = false;
  try {
    const separate = opts.separateAssignment ?? !backendReadsSync();
    const assignment = separate ? await assignFromFirstPass(detector, images, batch, opts) : undefined;
    pass = gradientPass(detector, images, batch, opts, assignment);
    const parts = pass.parts;
    let loss: StepLoss | undefined;
    if (opts.readLoss && parts) {
      // One read of four scalars.
      const packed = tf.stack([pass.value, parts.box, parts.cls, parts.dfl]);
      const v = await packed.data().finally(() => packed.dispose());
      loss = { total: v[0]!, box: v[1]!, cls: v[2]!, dfl: v[3]!, positives: pass.positives };
    }
    done = true;
    return loss ? { grads: pass.grads, loss } : { grads: pass.grads };
  } finally {
    images.dispose();
    if (pass) {
      disposePass(pass);
      if (!done) tf.dispose(Object.values(pass.grads));
    }
  }
}

/**
 * One plain training step: gradients of one batch, then one optimizer update with the given
 * hyper-parameters. The real loop (accumulation, clipping, EMA, schedule) builds on
 * computeGradientsAsync (works on every backend); this is the minimal form the detector's own
 * tests and the webgpu integration test train with.
 */
export async function trainStep(
  detector: Detector,
  optimizer: Optimizer,
  batch: LossTargets & Pick<TrainBatch, 'imgsz' | 'images'>,
  opts: StepOptions & { hyper: StepHyper },
): Promise<{ loss?: StepLoss }> {
  const { grads, loss } = await computeGradientsAsync(detector, batch, opts);
  try {
    optimizer.apply(grads, opts.hyper);
  } finally {
    tf.dispose(Object.values(grads));
  }
  return loss ? { loss } : {};
}
