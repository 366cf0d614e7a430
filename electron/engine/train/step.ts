// One micro-batch's forward, loss and gradients (and the plain one-batch training step).
import * as tf from '@tensorflow/tfjs-core';
import type { TrainBatch } from '../data/batch';
import { computeLoss, type LossAnchors, type LossOptions, type LossTargets } from '../loss/index';
import type { Detector } from '../model/detector';
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

/**
 * Forward (training mode: BatchNorm statistics move), loss and gradients of every trainable
 * variable for one micro-batch, without updating the weights: gradient accumulation sums these
 * over micro-batches before one optimizer update. Gradients are keyed by the detector's
 * parameter names; the caller disposes them.
 */
export function computeGradients(
  detector: Detector,
  batch: LossTargets & Pick<TrainBatch, 'imgsz' | 'images'>,
  opts: StepOptions,
): GradientsResult {
  const params = detector.params();
  const images = imagesTensor(batch);
  let parts: { box: tf.Scalar; cls: tf.Scalar; dfl: tf.Scalar } | undefined;
  let positives = 0;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const raw = detector.forward(images, true);
      const l = computeLoss(raw, batch, opts.anchors, opts.loss);
      positives = l.positives;
      if (opts.readLoss) parts = { box: tf.keep(l.box), cls: tf.keep(l.cls), dfl: tf.keep(l.dfl) };
      return l.total;
    }, params.map((p) => p.variable));
    const byName: Record<string, tf.Tensor> = {};
    for (const p of params) {
      const g = grads[p.variable.name];
      if (g === undefined) throw new Error(`No gradient for ${p.name}`);
      byName[p.name] = g;
    }
    let loss: StepLoss | undefined;
    if (opts.readLoss && parts) {
      // Sync point: one read of four scalars.
      const [total, box, cls, dfl] = [value, parts.box, parts.cls, parts.dfl].map((t) => t.dataSync()[0] as number) as [number, number, number, number];
      loss = { total, box, cls, dfl, positives };
    }
    value.dispose();
    return loss ? { grads: byName, loss } : { grads: byName };
  } finally {
    images.dispose();
    if (parts) tf.dispose([parts.box, parts.cls, parts.dfl]);
  }
}

/**
 * One plain training step: gradients of one batch, then one optimizer update with the given
 * hyper-parameters. The real loop (accumulation, clipping, EMA, schedule) builds on
 * computeGradients; this is the minimal form the detector's own tests train with.
 */
export function trainStep(
  detector: Detector,
  optimizer: Optimizer,
  batch: LossTargets & Pick<TrainBatch, 'imgsz' | 'images'>,
  opts: StepOptions & { hyper: StepHyper },
): { loss?: StepLoss } {
  const { grads, loss } = computeGradients(detector, batch, opts);
  try {
    optimizer.apply(grads, opts.hyper);
  } finally {
    tf.dispose(Object.values(grads));
  }
  return loss ? { loss } : {};
}
