import * as tf from '@tensorflow/tfjs-core';

/**
 * Distribution focal loss (GFL): each box side is predicted as a distribution over bins
 * 0..R-1 (distances in stride units); the target distance t between bins l = floor(t) and
 * l + 1 is learnt as cross-entropy to both, weighted by closeness: (l + 1 - t) CE(l) + (t - l) CE(l + 1).
 */

/** Largest target distance in bins: just below the last bin, so its right neighbour exists. */
export function dflClampMax(bins: number): number {
  return bins - 1 - 0.01;
}

/**
 * Writes the two-hot target of distance `t` (in bins) into `out` at `offset` (R entries):
 * weight (l + 1 - t) at l and (t - l) at l + 1. Cross-entropy against this vector is exactly
 * the DFL of the side, with no gather.
 */
export function writeTwoHot(out: Float32Array, offset: number, t: number, bins: number): void {
  const d = Math.min(Math.max(t, 0), dflClampMax(bins));
  const l = Math.floor(d);
  const wl = l + 1 - d;
  out[offset + l] = wl;
  out[offset + l + 1] = 1 - wl;
}

/**
 * DFL per (anchor, side) from logits [..., R] and two-hot targets of the same shape:
 * -sum(target * log_softmax(logits)) over the bins.
 */
export function dflFromTwoHot(logits: tf.Tensor, twoHot: tf.Tensor): tf.Tensor {
  return tf.tidy(() => dflFromLogProbs(tf.logSoftmax(logits), twoHot));
}

/** The same from log-probabilities the caller already has (the loss shares them with box decoding). */
export function dflFromLogProbs(logProbs: tf.Tensor, twoHot: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(twoHot, logProbs), -1));
}
