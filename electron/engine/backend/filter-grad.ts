// The convolution filter gradient (Conv2DBackpropFilter) written as one forward convolution of
// tf ops, shared by the wasm and webgpu backends (conv-grad-plan.ts has the index arithmetic).
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { filterGradDim } from './conv-grad-plan';

/** Attributes tfjs passes to Conv2DBackpropFilter. */
export type Conv2DBackpropFilterAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
};

/** A kernel input as a Tensor: the engine passes Tensors, a backend-internal caller may not. */
export function asTensor<R extends tf.Rank>(info: TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromDataId(info.dataId, info.shape, info.dtype) as tf.Tensor<R>;
}

/** Throws when a kernel Kestrel replaced is asked for NCHW (the detector is NHWC only). */
export function requireNHWC(kernel: string, dataFormat: string, backend = 'wasm'): void {
  if (dataFormat !== 'NHWC') throw new Error(`${kernel} on ${backend} supports NHWC only, got ${dataFormat}`);
}

/** Options of {@link filterGradAsConv}. */
export interface FilterGradOptions {
  /**
   * 1x1 stride-1 case: transpose x explicitly and run a plain matmul (wasm's transposed matmul is
   * ~13x slower) rather than a matmul with transposeA (which GPUs run directly).
   */
  explicitTranspose: boolean;
}

/**
 * dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[b,oh,ow,co]: a stride-1
 * conv of x as [ci, H, W, b] with dy as a [OH, OW, b, co] filter dilated by the stride; a 1x1
 * stride-1 conv is a matmul over pixels (dW = x^T dy).
 */
export function filterGradAsConv(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: Conv2DBackpropFilterAttrs, opts: FilterGradOptions): tf.Tensor4D {
  const info = backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const [b, inH, inW, ci] = x.shape;
  const h = filterGradDim({ inSize: inH, outSize: info.outHeight, filterSize: info.filterHeight, stride: info.strideHeight, padBefore: info.padInfo.top });
  const w = filterGradDim({ inSize: inW, outSize: info.outWidth, filterSize: info.filterWidth, stride: info.strideWidth, padBefore: info.padInfo.left });
  if (info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && !h.cropEnd && !w.cropEnd) {
    return tf.tidy(() => {
      const n = b * inH * inW;
      const x2 = tf.reshape(x, [n, ci]);
      const dy2 = tf.reshape(dy, [n, dy.shape[3]]);
      const m = opts.explicitTranspose ? tf.matMul(tf.transpose(x2), dy2) : tf.matMul(x2, dy2, true, false);
      return tf.reshape(m, attrs.filterShape);
    });
  }
  return tf.tidy(() => {
    const xc = h.cropEnd || w.cropEnd ? tf.slice(x, [0, 0, 0, 0], [b, inH - h.cropEnd, inW - w.cropEnd, ci]) : x;
    const xt = tf.transpose(xc, [3, 1, 2, 0]);
    const dyt = tf.transpose(dy, [1, 2, 0, 3]);
    const pad: backend_util.ExplicitPadding = [
      [0, 0],
      [h.padBefore, h.padAfter],
      [w.padBefore, w.padAfter],
      [0, 0],
    ];
    const r = tf.conv2d(xt, dyt, 1, pad, 'NHWC', [info.strideHeight, info.strideWidth]);
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

/** A Conv2DBackpropFilter kernel for `backend` computed by {@link filterGradAsConv}. */
export function makeFilterGradKernel(backend: string, opts: FilterGradOptions): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    requireNHWC('Conv2DBackpropFilter', attrs.dataFormat, backend);
    return filterGradAsConv(asTensor<tf.Rank.R4>(args.inputs.x!), asTensor<tf.Rank.R4>(args.inputs.dy!), attrs, opts);
  };
}
