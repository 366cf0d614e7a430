import * as tf from '@tensorflow/tfjs-core';
import { SIMD_KERNEL, simdKernelsUsable } from '../backend/simd-kernels';

/**
 * The element-wise passes of the Conv+Norm+SiLU block, each one op: Kestrel's SIMD kernel on
 * wasm (one vectorised pass), plain tf ops elsewhere (the same arithmetic, so every backend
 * computes the same thing). Per-channel vectors are [C] (BatchNorm) or [B, 1, 1, C] (GroupNorm).
 */

/**
 * Per-sample channel means of v [B, H, W, C] as [B, C]: one global average pool. Why: wasm
 * reduces over non-innermost axes by transposing the whole tensor first; XNNPACK's average pool
 * reads it once, vectorised over channels (0.7 ms against 12 ms for tf.sum over [0, 1, 2] on a
 * [16, 112, 112, 16] activation), and every backend has the op.
 */
export function spatialMeans(v: tf.Tensor4D): tf.Tensor2D {
  const [b, h, w, c] = v.shape;
  return tf.reshape(tf.avgPool(v, [h, w], 1, 'valid'), [b, c]);
}

/**
 * True when the SIMD kernels take y and these per-channel vectors: all [C] or all [B, 1, 1, C]
 * (anything else that broadcasts runs as plain ops).
 */
function simd(y: tf.Tensor4D, ...vectors: tf.Tensor[]): boolean {
  if (!simdKernelsUsable(y)) return false;
  const [b, , , c] = y.shape;
  const size = vectors[0]?.size;
  return (size === c || size === b * c) && vectors.every((v) => v.size === size && v.dtype === 'float32');
}

/** out = z * sigmoid(z) with z = y * scale + shift. */
export function siluAffine(y: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor4D {
  if (simd(y, scale, shift)) return tf.engine().runKernel(SIMD_KERNEL.siluAffine, { y, scale, shift }, {}) as tf.Tensor4D;
  return tf.tidy(() => {
    const z = tf.add(tf.mul(y, scale), shift);
    return tf.mul(z, tf.sigmoid(z));
  });
}

/**
 * Gradient of {@link siluAffine} with respect to z, dz = dout * s * (1 + z * (1 - s)) with
 * s = sigmoid(z), and per sample and channel the sums s1 = sum dz and s2 = sum dz * y ([B, C]).
 */
export function siluAffineGrad(
  y: tf.Tensor4D,
  dout: tf.Tensor4D,
  scale: tf.Tensor,
  shift: tf.Tensor,
): { dz: tf.Tensor4D; s1: tf.Tensor2D; s2: tf.Tensor2D } {
  if (simd(y, scale, shift) && dout.shape.join() === y.shape.join()) {
    const [dz, s1, s2] = tf.engine().runKernel(SIMD_KERNEL.siluAffineGrad, { y, dout, scale, shift }, {}) as [tf.Tensor4D, tf.Tensor2D, tf.Tensor2D];
    return { dz, s1, s2 };
  }
  const [, h, w] = y.shape;
  const [dz, s1, s2] = tf.tidy(() => {
    const z = tf.add(tf.mul(y, scale), shift);
    const s = tf.sigmoid(z);
    const d = tf.mul(dout, tf.mul(s, tf.add(1, tf.mul(z, tf.sub(1, s))))) as tf.Tensor4D;
    return [d, tf.mul(spatialMeans(d), h * w) as tf.Tensor2D, tf.mul(spatialMeans(tf.mul(d, y) as tf.Tensor4D), h * w) as tf.Tensor2D];
  });
  return { dz, s1, s2 };
}

/** g = dz * a + y * k1 + k0; `a` null means 1. */
export function linear3(dz: tf.Tensor4D, y: tf.Tensor4D, a: tf.Tensor | null, k1: tf.Tensor, k0: tf.Tensor): tf.Tensor4D {
  if (simd(y, ...(a ? [a, k1, k0] : [k1, k0])) && dz.shape.join() === y.shape.join()) {
    return tf.tidy(() => tf.engine().runKernel(SIMD_KERNEL.linear3, { dz, y, a: a ?? tf.onesLike(k1), k1, k0 }, {}) as tf.Tensor4D);
  }
  return tf.tidy(() => tf.add(a ? tf.mul(dz, a) : dz, tf.add(tf.mul(y, k1), k0)));
}

/**
 * Per sample and channel, the mean over pixels of (y - mean)^2: [B, C]. The SIMD kernel returns
 * the sums (one pass, no full-size temporary); plain ops average with one global pool.
 */
export function squaredDeviationMeans(y: tf.Tensor4D, mean: tf.Tensor): tf.Tensor2D {
  const [, h, w] = y.shape;
  if (simd(y, mean)) {
    return tf.tidy(() => tf.div(tf.engine().runKernel(SIMD_KERNEL.squaredDeviationSums, { y, mean }, {}) as tf.Tensor2D, h * w));
  }
  return tf.tidy(() => spatialMeans(tf.squaredDifference(y, mean) as tf.Tensor4D));
}
