import * as tf from '@tensorflow/tfjs-core';
import type { CornerPairFn } from '../eval/boxes';

/**
 * IoU and CIoU of corner boxes, as Ultralytics' bbox_iou computes them (same epsilons), once
 * in plain numbers for the assigner and once in tf ops for the differentiable box loss.
 */

/** Epsilon of Ultralytics' bbox_iou: keeps heights and unions off zero. */
export const IOU_EPS = 1e-7;

/** Plain IoU and CIoU of box 1 and box 2 given as corners. */
export const ciou: CornerPairFn<{ iou: number; ciou: number }> = (ax1, ay1, ax2, ay2, bx1, by1, bx2, by2) => {
  const w1 = ax2 - ax1;
  const h1 = ay2 - ay1 + IOU_EPS;
  const w2 = bx2 - bx1;
  const h2 = by2 - by1 + IOU_EPS;
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = w1 * h1 + w2 * h2 - inter + IOU_EPS;
  const iou = inter / union;
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const c2 = cw * cw + ch * ch + IOU_EPS;
  const dx = bx1 + bx2 - ax1 - ax2;
  const dy = by1 + by2 - ay1 - ay2;
  const rho2 = (dx * dx + dy * dy) / 4;
  const dv = Math.atan(w2 / h2) - Math.atan(w1 / h1);
  const v = (4 / (Math.PI * Math.PI)) * dv * dv;
  const alpha = v / (v - iou + (1 + IOU_EPS));
  return { iou, ciou: iou - (rho2 / c2 + v * alpha) };
};

/** Corner components of a set of boxes, each shaped alike (e.g. [B, A]). */
export interface CornerTensors {
  x1: tf.Tensor;
  y1: tf.Tensor;
  x2: tf.Tensor;
  y2: tf.Tensor;
}

/**
 * Identity forward, zero gradient: torch's `with torch.no_grad()` for one value. tfjs-core has
 * no stopGradient op.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return f(x) as T;
}

/**
 * Differentiable CIoU, element-wise over the corner tensors. The aspect term's weight alpha
 * carries no gradient, as in Ultralytics. Only element-wise ops with registered gradients
 * (no comparisons, no gathers), so it trains on every backend.
 */
export function ciouTensor(a: CornerTensors, b: CornerTensors): tf.Tensor {
  return tf.tidy(() => {
    const w1 = tf.sub(a.x2, a.x1);
    const h1 = tf.add(tf.sub(a.y2, a.y1), IOU_EPS);
    const w2 = tf.sub(b.x2, b.x1);
    const h2 = tf.add(tf.sub(b.y2, b.y1), IOU_EPS);
    const iw = tf.relu(tf.sub(tf.minimum(a.x2, b.x2), tf.maximum(a.x1, b.x1)));
    const ih = tf.relu(tf.sub(tf.minimum(a.y2, b.y2), tf.maximum(a.y1, b.y1)));
    const inter = tf.mul(iw, ih);
    const union = tf.add(tf.sub(tf.add(tf.mul(w1, h1), tf.mul(w2, h2)), inter), IOU_EPS);
    const iou = tf.div(inter, union);
    const cw = tf.sub(tf.maximum(a.x2, b.x2), tf.minimum(a.x1, b.x1));
    const ch = tf.sub(tf.maximum(a.y2, b.y2), tf.minimum(a.y1, b.y1));
    const c2 = tf.add(tf.add(tf.square(cw), tf.square(ch)), IOU_EPS);
    const dx = tf.sub(tf.add(b.x1, b.x2), tf.add(a.x1, a.x2));
    const dy = tf.sub(tf.add(b.y1, b.y2), tf.add(a.y1, a.y2));
    const rho2 = tf.div(tf.add(tf.square(dx), tf.square(dy)), 4);
    const v = tf.mul(4 / (Math.PI * Math.PI), tf.square(tf.sub(tf.atan(tf.div(w2, h2)), tf.atan(tf.div(w1, h1)))));
    const alpha = stopGradient(tf.div(v, tf.add(tf.sub(v, iou), 1 + IOU_EPS)));
    return tf.sub(iou, tf.add(tf.div(rho2, c2), tf.mul(v, alpha)));
  });
}
