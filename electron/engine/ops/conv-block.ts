import * as tf from '@tensorflow/tfjs-core';
import '../tf-gradients';
import { linear3, siluAffine, siluAffineGrad, spatialMeans, squaredDeviationMeans } from './fused-elementwise';

/** Normalisation of a Conv block: BatchNorm for normal batches, GroupNorm for tiny ones. */
export type BlockNorm = 'batch' | 'group';

/** Learnable weights of one Conv+Norm+SiLU block (the conv has no bias: the norm's beta is it). */
export interface ConvBlockWeights {
  filter: tf.Tensor4D /* [kh,kw,cin,cout] */;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

/** How a Conv block runs; the same options drive the fused block and its reference. */
export interface ConvBlockOptions {
  stride: 1 | 2; // 'same' padding
  norm: BlockNorm;
  groups: number; // GroupNorm groups (ignored for batch)
  eps: number; // 1e-3 for BatchNorm
  training: boolean; // BatchNorm: batch statistics when true, running ones when false
  running?: { mean: tf.Tensor1D; variance: tf.Tensor1D }; // BatchNorm, required when !training
  /**
   * BatchNorm + training: receives the batch statistics (caller tf.keep()s them and updates
   * running stats outside the gradient). The variance is the biased one the block normalised
   * with (divided by N = batch*height*width); multiply by N/(N-1) for PyTorch's running update.
   */
  onBatchStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void;
}

function checkOptions(x: tf.Tensor4D, w: ConvBlockWeights, o: ConvBlockOptions): void {
  const cout = w.filter.shape[3];
  if (w.filter.shape[2] !== x.shape[3]) {
    throw new Error(`convBlock: filter expects ${w.filter.shape[2]} input channels, x has ${x.shape[3]}`);
  }
  if (w.gamma.shape[0] !== cout || w.beta.shape[0] !== cout) {
    throw new Error(`convBlock: gamma/beta must have ${cout} entries`);
  }
  if (o.norm === 'group' && (o.groups < 1 || cout % o.groups !== 0)) {
    throw new Error(`convBlock: ${cout} channels cannot be split into ${o.groups} groups`);
  }
  if (o.norm === 'batch' && !o.training && o.running === undefined) {
    throw new Error('convBlock: BatchNorm in eval mode needs the running statistics');
  }
}

/**
 * The Conv block written plainly with tf ops: the reference the fused block is tested against.
 *
 * Every step is an ordinary differentiable op (norm as element-wise arithmetic, never
 * tf.batchNorm, whose gradient goes through a slow wasm Tile), so tf.grad works on any backend.
 * It tapes many intermediates; training uses the fused {@link convBlock}.
 */
export function convBlockReference(x: tf.Tensor4D, w: ConvBlockWeights, o: ConvBlockOptions): tf.Tensor4D {
  checkOptions(x, w, o);
  const y = tf.conv2d(x, w.filter, o.stride, 'same');
  let yhat: tf.Tensor4D;
  if (o.norm === 'batch') {
    let mean: tf.Tensor1D;
    let variance: tf.Tensor1D;
    if (o.training) {
      mean = tf.mean(y, [0, 1, 2]);
      variance = tf.mean(tf.square(tf.sub(y, mean)), [0, 1, 2]);
      o.onBatchStats?.(mean, variance);
    } else {
      // checkOptions guarantees running is there.
      mean = o.running!.mean;
      variance = o.running!.variance;
    }
    yhat = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, o.eps)));
  } else {
    const [b, h, wd, c] = y.shape;
    const g = tf.reshape(y, [b, h, wd, o.groups, c / o.groups]);
    const mean = tf.mean(g, [1, 2, 4], true);
    const variance = tf.mean(tf.square(tf.sub(g, mean)), [1, 2, 4], true);
    yhat = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, o.eps))), y.shape);
  }
  const z = tf.add(tf.mul(yhat, w.gamma), w.beta);
  return tf.mul(z, tf.sigmoid(z));
}

/** [B, C] per-channel values averaged within each of `groups` channel groups: [B, G]. */
function groupMeans(v: tf.Tensor2D, groups: number): tf.Tensor2D {
  const [b, c] = v.shape;
  return tf.mean(tf.reshape(v, [b, groups, c / groups]), 2);
}

/** [B, G] per-group values repeated over each group's channels: [B, 1, 1, C], broadcastable against NHWC. */
function expandGroups(v: tf.Tensor2D, c: number): tf.Tensor4D {
  const [b, g] = v.shape;
  return tf.reshape(tf.mul(tf.reshape(v, [b, g, 1]), tf.ones([1, 1, c / g])), [b, 1, 1, c]);
}

/**
 * Normalisation statistics, shaped to broadcast against the conv output: [C] for BatchNorm,
 * [B, 1, 1, C] (each group's value repeated over its channels) for GroupNorm.
 */
interface NormStats {
  mean: tf.Tensor;
  invStd: tf.Tensor;
}

/**
 * Mean and biased variance of y, the variance as the mean of squared deviations (two passes, no
 * cancellation). BatchNorm: per channel, [C]. GroupNorm: per sample and group, expanded to
 * [B, 1, 1, C]. Every image has the same pixel count, so means of per-sample means are exact.
 */
function moments(y: tf.Tensor4D, o: ConvBlockOptions): { mean: tf.Tensor; variance: tf.Tensor } {
  const c = y.shape[3];
  const fromPerSample = (v: tf.Tensor2D): tf.Tensor => (o.norm === 'batch' ? tf.mean(v, 0) : expandGroups(groupMeans(v, o.groups), c));
  const mean = fromPerSample(spatialMeans(y));
  const variance = fromPerSample(squaredDeviationMeans(y, mean));
  return { mean, variance };
}

/** The norm as one affine map z = y * scale + shift (scale = gamma * invStd, shift = beta - mean * scale). */
function affineParams(s: NormStats, gamma: tf.Tensor1D, beta: tf.Tensor1D): { scale: tf.Tensor; shift: tf.Tensor } {
  const scale = tf.mul(gamma, s.invStd);
  return { scale, shift: tf.sub(beta, tf.mul(s.mean, scale)) };
}

/**
 * Conv (no bias) -> norm -> SiLU as one differentiable op with its own gradient.
 *
 * Why: written plainly, autodiff tapes about eight full-size intermediates per block, and the
 * norm's gradient runs slow generic kernels. Here the forward keeps only the block input (which
 * the previous block produced anyway), the conv output and a few per-channel vectors; backward
 * recomputes the cheap element-wise parts (normalised value, SiLU) from them. BatchNorm and
 * GroupNorm backward use the closed forms, so each is a handful of fused-size passes: the norm
 * is one affine (per-channel scale and shift), every reduction a global average pool
 * ({@link spatialMeans}), and BatchNorm's per-channel gradient scale is folded into the filter
 * and the filter gradient (tiny tensors) instead of a pass over the conv output's gradient.
 */
export function convBlock(x: tf.Tensor4D, w: ConvBlockWeights, o: ConvBlockOptions): tf.Tensor4D {
  checkOptions(x, w, o);
  const pad = 'same' as const;
  const strides: [number, number] = [o.stride, o.stride];
  const useBatchStats = o.norm === 'group' || o.training;

  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, filter, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const saved = tf.tidy(() => {
      const y = tf.conv2d(xt, filter, o.stride, pad);
      let stats: NormStats;
      if (useBatchStats) {
        const m = moments(y, o);
        stats = { mean: m.mean, invStd: tf.rsqrt(tf.add(m.variance, o.eps)) };
        if (o.norm === 'batch' && o.onBatchStats) o.onBatchStats(m.mean as tf.Tensor1D, m.variance as tf.Tensor1D);
      } else {
        stats = { mean: tf.clone(o.running!.mean), invStd: tf.rsqrt(tf.add(o.running!.variance, o.eps)) };
      }
      const { scale, shift } = affineParams(stats, gamma, beta);
      const out = siluAffine(y, scale, shift);
      return { y, mean: stats.mean, invStd: stats.invStd, out };
    });
    // Only what backward cannot cheaply recompute; the engine keeps these until backward runs.
    save([xt, filter, gamma, beta, saved.y, saved.mean, saved.invStd]);
    const outT = saved.out;
    saved.y.dispose();
    saved.mean.dispose();
    saved.invStd.dispose();
    return {
      value: outT,
      gradFunc: (dOut: tf.Tensor, s: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sx, sf, sg, sb, y, mean, invStd] = s as [
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor1D,
            tf.Tensor1D,
            tf.Tensor4D,
            tf.Tensor,
            tf.Tensor,
          ];
          const [b, h, wd, c] = y.shape;
          const { scale, shift } = affineParams({ mean, invStd }, sg, sb);
          // dz = dOut * silu'(z) and, per sample and channel, S1 = sum dz and S2 = sum dz * y
          // ([B, C]); BatchNorm sums them over the batch too ([1, C]).
          const grad = siluAffineGrad(y, dOut as tf.Tensor4D, scale, shift);
          const dz = grad.dz;
          const total = (v: tf.Tensor2D): tf.Tensor2D => (o.norm === 'batch' ? tf.sum(v, 0, true) : v);
          const s1 = total(grad.s1);
          const s2 = total(grad.s2);
          let dbeta: tf.Tensor1D;
          let dgamma: tf.Tensor1D;
          // The conv gradients take g = dy / a with a per output channel (BatchNorm): scaling the
          // filter and the filter gradient by a (tiny tensors) saves a full pass over dy.
          let g: tf.Tensor4D;
          let a: tf.Tensor1D | null = null;
          if (o.norm === 'batch') {
            const meanC = tf.reshape(mean, [1, c]);
            const invC = tf.reshape(invStd, [1, c]);
            // sum(dz * yhat) = invStd * (S2 - mean * S1)
            dbeta = tf.reshape(s1, [c]);
            dgamma = tf.reshape(tf.mul(invC, tf.sub(s2, tf.mul(meanC, s1))), [c]);
            a = tf.mul(sg, invStd) as tf.Tensor1D;
            if (!useBatchStats) {
              g = dz;
            } else {
              // dy = a * (dz - S1/n - yhat * dgamma/n) = a * (dz + y * k1 + k0).
              const n = b * h * wd;
              const k1 = tf.neg(tf.div(tf.mul(invStd, dgamma), n));
              const k0 = tf.sub(tf.neg(tf.div(dbeta, n)), tf.mul(k1, mean));
              g = linear3(dz, y, null, k1, k0);
            }
          } else {
            // GroupNorm: per sample b and group; mean/invStd come expanded to [B, 1, 1, C].
            const meanBC = tf.reshape(mean, [b, c]);
            const invBC = tf.reshape(invStd, [b, c]);
            const perChannel = tf.mul(invBC, tf.sub(s2, tf.mul(meanBC, s1))); // sum(dz * yhat) per b, c
            dbeta = tf.sum(s1, 0);
            dgamma = tf.sum(perChannel, 0);
            // m1 = mean over the group of dyhat = dz * gamma; m2 = mean of dyhat * yhat.
            const hw = h * wd;
            const m1 = expandGroups(tf.div(groupMeans(tf.mul(s1, sg), o.groups), hw), c);
            const m2 = expandGroups(tf.div(groupMeans(tf.mul(perChannel, sg), o.groups), hw), c);
            // dy = invStd * (dz * gamma - m1 - yhat * m2) = dz * A + y * K1 + K0
            const aBC = tf.mul(invStd, sg);
            const k1 = tf.neg(tf.mul(tf.square(invStd), m2));
            const k0 = tf.sub(tf.neg(tf.mul(invStd, m1)), tf.mul(k1, mean));
            g = linear3(dz, y, aBC, k1, k0);
          }
          const filterA = a ? tf.mul(sf, a) : sf;
          const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter: filterA }, {
            strides,
            pad,
            dataFormat: 'NHWC',
            inputShape: sx.shape,
          }) as tf.Tensor4D;
          const gradFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: g }, {
            strides,
            pad,
            dataFormat: 'NHWC',
            filterShape: sf.shape,
          }) as tf.Tensor4D;
          const dfilter = a ? tf.mul(gradFilter, a) : gradFilter;
          return [dx, dfilter, dgamma, dbeta];
        }),
    };
  });
  return fn(x, w.filter, w.gamma, w.beta) as tf.Tensor4D;
}
