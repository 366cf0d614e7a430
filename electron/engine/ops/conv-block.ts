import * as tf from '@tensorflow/tfjs-core';
import '../tf-gradients';

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

/** Per-channel (BatchNorm) or per-sample-and-group (GroupNorm) statistics of the conv output. */
interface NormStats {
  /** Shaped to broadcast against the conv output (BatchNorm) or its grouped view (GroupNorm). */
  mean: tf.Tensor;
  invStd: tf.Tensor;
}

/** Mean and biased variance in two passes over the data (mean, then mean of squared deviations). */
function moments(v: tf.Tensor, axes: number[]): { mean: tf.Tensor; variance: tf.Tensor } {
  const mean = tf.mean(v, axes, true);
  const variance = tf.mean(tf.squaredDifference(v, mean), axes, true);
  return { mean, variance };
}

/** Normalised conv output (y - mean) * invStd, in the conv output's own shape. */
function normalise(y: tf.Tensor4D, s: NormStats, o: ConvBlockOptions): tf.Tensor4D {
  if (o.norm === 'batch') return tf.mul(tf.sub(y, s.mean), s.invStd);
  const [b, h, w, c] = y.shape;
  const g = tf.reshape(y, [b, h, w, o.groups, c / o.groups]);
  return tf.reshape(tf.mul(tf.sub(g, s.mean), s.invStd), y.shape);
}

/**
 * Conv (no bias) -> norm -> SiLU as one differentiable op with its own gradient.
 *
 * Why: written plainly, autodiff tapes about eight full-size intermediates per block, and the
 * norm's gradient runs slow generic kernels. Here the forward keeps only the block input (which
 * the previous block produced anyway), the conv output and a few per-channel vectors; backward
 * recomputes the cheap element-wise parts (normalised value, SiLU) from them. BatchNorm and
 * GroupNorm backward use the closed forms, so each is a handful of fused-size passes.
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
      let mean: tf.Tensor;
      let invStd: tf.Tensor;
      if (o.norm === 'batch') {
        if (o.training) {
          const m = moments(y, [0, 1, 2]);
          mean = m.mean;
          invStd = tf.rsqrt(tf.add(m.variance, o.eps));
          if (o.onBatchStats) {
            const c = y.shape[3];
            o.onBatchStats(tf.reshape(m.mean, [c]), tf.reshape(m.variance, [c]));
          }
        } else {
          mean = o.running!.mean;
          invStd = tf.rsqrt(tf.add(o.running!.variance, o.eps));
        }
      } else {
        const [b, h, wd, c] = y.shape;
        const m = moments(tf.reshape(y, [b, h, wd, o.groups, c / o.groups]), [1, 2, 4]);
        mean = m.mean;
        invStd = tf.rsqrt(tf.add(m.variance, o.eps));
      }
      const z = tf.add(tf.mul(normalise(y, { mean, invStd }, o), gamma), beta);
      const out = tf.mul(z, tf.sigmoid(z));
      return { y, mean: tf.clone(mean), invStd, out };
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
          const yhat = normalise(y, { mean, invStd }, o);
          const z = tf.add(tf.mul(yhat, sg), sb);
          const sig = tf.sigmoid(z);
          // d silu(z)/dz = s * (1 + z * (1 - s))
          const dz = tf.mul(dOut, tf.mul(sig, tf.add(1, tf.mul(z, tf.sub(1, sig)))));
          const dbeta = tf.sum(dz, [0, 1, 2]);
          const dgamma = tf.sum(tf.mul(dz, yhat), [0, 1, 2]);
          let dy: tf.Tensor4D;
          if (!useBatchStats) {
            dy = tf.mul(dz, tf.mul(sg, invStd));
          } else if (o.norm === 'batch') {
            // dy = gamma*invStd * (dz - mean(dz) - yhat * mean(dz*yhat)), means over N = b*h*w.
            const n = y.shape[0] * y.shape[1] * y.shape[2];
            const a = tf.mul(sg, invStd);
            dy = tf.mul(a, tf.sub(tf.sub(dz, tf.div(dbeta, n)), tf.mul(yhat, tf.div(dgamma, n))));
          } else {
            const [b, h, wd, c] = y.shape;
            const shape5 = [b, h, wd, o.groups, c / o.groups];
            const dyhat = tf.reshape(tf.mul(dz, sg), shape5);
            const yh5 = tf.reshape(yhat, shape5);
            const m1 = tf.mean(dyhat, [1, 2, 4], true);
            const m2 = tf.mean(tf.mul(dyhat, yh5), [1, 2, 4], true);
            dy = tf.reshape(tf.mul(invStd, tf.sub(tf.sub(dyhat, m1), tf.mul(yh5, m2))), y.shape);
          }
          const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: sf }, {
            strides,
            pad,
            dataFormat: 'NHWC',
            inputShape: sx.shape,
          }) as tf.Tensor4D;
          const dfilter = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy }, {
            strides,
            pad,
            dataFormat: 'NHWC',
            filterShape: sf.shape,
          }) as tf.Tensor4D;
          return [dx, dfilter, dgamma, dbeta];
        }),
    };
  });
  return fn(x, w.filter, w.gamma, w.beta) as tf.Tensor4D;
}
