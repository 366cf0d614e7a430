// Kernels Kestrel replaces on TF.js's webgpu backend: the filter gradient as a convolution.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { makeFilterGradKernel } from './filter-grad';
import { envValue } from './env';
import { registerReplacing } from './kernel-registry';

/**
 * tfjs-backend-webgpu 4.22's Conv2DBackpropFilter is a naive shader: one thread per filter
 * element, each looping serially over the batch and every output pixel, so a GPU runs a
 * 3x3x64x64 filter gradient on 37k threads with loops of b x H x W. As a convolution (the same
 * rewrite as on wasm, filter-grad.ts) it runs through webgpu's im2col + tiled/split-K matmul.
 * The 1x1 case is a matmul with transposeA, which the GPU shaders read directly.
 */
export const WEBGPU_FILTER_GRAD = makeFilterGradKernel('webgpu', { explicitTranspose: false });

/** The stock kernel, kept for comparisons (tests and the bench). */
let stockFilterGrad: KernelConfig | undefined;

let registered = false;

/**
 * Registers Kestrel's webgpu kernels (idempotent). Call after importing
 * '@tensorflow/tfjs-backend-webgpu' and before the first training step. KESTREL_WEBGPU_STOCK_KERNELS=1
 * keeps tfjs's own ones (to measure them).
 */
export function registerWebgpuTrainingKernels(): void {
  if (registered) return;
  registered = true;
  stockFilterGrad = tf.getKernel('Conv2DBackpropFilter', 'webgpu');
  if (envValue('KESTREL_WEBGPU_STOCK_KERNELS') === '1') return;
  registerReplacing([{ kernelName: 'Conv2DBackpropFilter', backendName: 'webgpu', kernelFunc: WEBGPU_FILTER_GRAD }]);
}

/** Switches between Kestrel's filter gradient and tfjs's naive one on webgpu (bench and tests). */
export function useStockWebgpuFilterGrad(stock: boolean): void {
  registerWebgpuTrainingKernels();
  if (!stockFilterGrad) return;
  registerReplacing([stock ? stockFilterGrad : { kernelName: 'Conv2DBackpropFilter', backendName: 'webgpu', kernelFunc: WEBGPU_FILTER_GRAD }]);
}
