import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { buildPhaseFilter, inputGradDim, phaseFilterIndices } from './conv-grad-plan';
import { asTensor, makeFilterGradKernel, requireNHWC, type Conv2DBackpropFilterAttrs } from './filter-grad';
import { registerReplacing, wrapWasmKernel } from './kernel-registry';
import { registerLayoutKernels } from './layout-kernels';
import { registerSimdKernels } from './simd-kernels';

/**
 * Kernels a training step needs that the wasm backend lacks or runs slowly, registered on it.
 *
 * Why: out of the box wasm cannot train a convolution (no Conv2DBackpropFilter) and its
 * Conv2DBackpropInput is a plain loop 6-12x slower than its forward conv. Both gradients are
 * rewritten as forward convolutions, which wasm runs through XNNPACK. Kernels that a YOLO step
 * does not need but tfjs gradients may call (depthwise backprop, tf.gather's gradient) run on
 * the cpu backend's implementation, correct if not fast. A few wasm kernels that a YOLO step
 * meets are replaced by faster equivalents: DepthToSpace (as a transpose), transposed matmuls
 * (explicit transposes), the 2x nearest-upsample gradient (an average pool) and Identity
 * (shared memory instead of a copy); profile with `npm run bench -- backend --step`.
 */

type Conv2DBackpropInputAttrs = Omit<Conv2DBackpropFilterAttrs, 'filterShape'> & {
  inputShape: [number, number, number, number];
};

/** Filter gradient as a forward conv (filter-grad.ts); the 1x1 case with an explicit transpose (wasm's transposed matmul is slow). */
const conv2DBackpropFilter: KernelFunc = makeFilterGradKernel('wasm', { explicitTranspose: true });

/**
 * DepthToSpace of the phase channels (NHWC, phases ordered row then column, as tf.depthToSpace):
 * a reshape, a 5-D transpose and a reshape. wasm's own DepthToSpace is an element-wise loop
 * ~100x slower than its Transpose (it was 7% of a YOLO step for 7 calls).
 */
export function phasesToSpace(t: tf.Tensor4D, s: number): tf.Tensor4D {
  const [b, h, w, c] = t.shape;
  const ci = c / (s * s);
  return tf.tidy(() => {
    const five = tf.reshape(t, [b, h, w, s, s * ci]);
    return tf.reshape(tf.transpose(five, [0, 1, 3, 2, 4]), [b, h * s, w * s, ci]);
  });
}

/**
 * BatchMatMul with transposeA/transposeB as explicit transposes plus a plain matmul: wasm's
 * transposed matmul is ~13x slower, and matMul's gradient asks for it every time (the head's
 * 1x1 convs spent 3% of a step there).
 */
function makeBatchMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const swap = (t: tf.Tensor): tf.Tensor => {
      const r = t.rank;
      const perm = [...Array(r).keys()];
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return tf.transpose(t, perm);
    };
    return tf.tidy(() => {
      const a = asTensor(args.inputs.a!);
      const b = asTensor(args.inputs.b!);
      return tf.matMul(transposeA ? swap(a) : a, transposeB ? swap(b) : b);
    });
  };
}

/**
 * Identity that shares the input's memory (reference counted, as the cpu backend and wasm's own
 * Reshape do) instead of copying it: customGrad clones every tensor it saves for backward, and
 * the copies of each block's input and conv output cost time and peak memory. No wasm kernel
 * writes into its inputs, so sharing is safe.
 */
const identityShared: KernelFunc = (args) => {
  const x = args.inputs.x!;
  if (x.dtype === 'string') throw new Error('Identity of string tensors is not used by Kestrel on wasm');
  (args.backend as tf.KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Gradient of an exact 2x nearest upsample (the detector's neck): each input pixel sums a 2x2
 * block of dy, which is 4 x a 2x2 average pool (XNNPACK) rather than wasm's scalar loop. Other
 * sizes and modes keep the original kernel.
 */
function makeResizeNearestGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const images = args.inputs.images!;
    const dy = args.inputs.dy!;
    const { alignCorners, halfPixelCenters } = (args.attrs ?? {}) as { alignCorners?: boolean; halfPixelCenters?: boolean };
    const [, h, w] = images.shape;
    const [, oh, ow] = dy.shape;
    if (alignCorners || halfPixelCenters || oh !== 2 * h! || ow !== 2 * w! || images.dtype !== 'float32') return original(args);
    return tf.tidy(() => tf.mul(tf.avgPool(asTensor<tf.Rank.R4>(dy), 2, 2, 'valid'), 4));
  };
}

/**
 * dx from dy and the filter as one stride-1 conv producing stride^2 phases in its channels,
 * interleaved by DepthToSpace (a reshape-like copy), then cropped to the input size.
 */
function makeConv2DBackpropInput(original: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    requireNHWC('Conv2DBackpropInput', attrs.dataFormat);
    const dy = asTensor<tf.Rank.R4>(args.inputs.dy!);
    const filter = asTensor<tf.Rank.R4>(args.inputs.filter!);
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const sH = info.strideHeight;
    const sW = info.strideWidth;
    if (sH !== sW && original) return original(args);
    const [kh, kw, ci, co] = filter.shape;
    const [b, inH, inW] = attrs.inputShape;
    const h = inputGradDim({ inSize: inH, outSize: info.outHeight, filterSize: kh, stride: sH, padBefore: info.padInfo.top });
    const w = inputGradDim({ inSize: inW, outSize: info.outWidth, filterSize: kw, stride: sW, padBefore: info.padInfo.left });
    const idx = phaseFilterIndices(h, w, sH, sW, kh, kw);
    const wv = (args.backend as tf.KernelBackend).readSync(filter.dataId) as Float32Array;
    const pfData = buildPhaseFilter(wv, [kh, kw, ci, co], idx, h, w, sH, sW);
    return tf.tidy(() => {
      const pf = tf.tensor4d(pfData, [h.size, w.size, co, sH * sW * ci]);
      const [, oh, ow] = dy.shape;
      const cropped =
        h.cropBefore || h.cropAfter || w.cropBefore || w.cropAfter
          ? tf.slice(dy, [0, h.cropBefore, w.cropBefore, 0], [b, oh - h.cropBefore - h.cropAfter, ow - w.cropBefore - w.cropAfter, co])
          : dy;
      let out = tf.conv2d(cropped, pf, 1, [
        [0, 0],
        [h.padBefore, h.padAfter],
        [w.padBefore, w.padAfter],
        [0, 0],
      ]);
      if (sH > 1) out = phasesToSpace(out, sH);
      if (out.shape[1] !== inH || out.shape[2] !== inW) out = tf.slice(out, [0, 0, 0, 0], [b, inH, inW, ci]);
      return out;
    });
  };
}

/**
 * MaxPoolGrad on the host: wasm's is wrong for negative inputs (see registerWasmTrainingKernels)
 * and the cpu backend's goes through TensorBuffer.get per element (15% of a YOLO step on SPPF).
 * The gradient goes to the first maximum of each window in row-major order, as in TF.
 */
const maxPoolGrad: KernelFunc = (args) => {
  const backend = args.backend as tf.KernelBackend;
  const x = args.inputs.input!;
  const dy = args.inputs.dy!;
  const a = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const xv = backend.readSync(x.dataId) as Float32Array;
  const dv = backend.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = new Float32Array(xv.length);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * c;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - pt;
      const h1 = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - pl;
        const w1 = Math.min(inWidth, w0 + filterWidth);
        const dyo = ((b * outHeight + oh) * outWidth + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let i = Math.max(0, h0); i < h1; i++) {
            for (let j = Math.max(0, w0); j < w1; j++) {
              const idx = xb + (i * inWidth + j) * c + ch;
              if (at < 0 || xv[idx]! > best) {
                best = xv[idx]!;
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at]! += dv[dyo + ch]!;
        }
      }
    }
  }
  return { dataId: backend.write(dx, x.shape, 'float32'), shape: x.shape, dtype: 'float32' };
};

/** Runs a cpu-backend kernel on wasm data: copies inputs over, runs, copies outputs back. */
function cpuFallback(kernelName: string): KernelFunc | undefined {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (!cpuKernel) return undefined;
  return (args) => {
    const wasm = args.backend as tf.KernelBackend;
    const cpu = tf.findBackend('cpu');
    if (!cpu) throw new Error(`${kernelName} on wasm needs the cpu backend, which is not registered`);
    const made: TensorInfo[] = [];
    const inputs: Record<string, TensorInfo> = {};
    for (const [name, info] of Object.entries(args.inputs)) {
      if (!info) continue;
      const vals = wasm.readSync(info.dataId) as backend_util.BackendValues;
      const t: TensorInfo = { dataId: cpu.write(vals, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
      made.push(t);
      inputs[name] = t;
    }
    try {
      const res = cpuKernel.kernelFunc({ inputs, attrs: args.attrs ?? {}, backend: cpu });
      const outs = Array.isArray(res) ? res : [res];
      const back = outs.map((o) => {
        const vals = cpu.readSync(o.dataId) as backend_util.BackendValues;
        made.push(o);
        return { dataId: wasm.write(vals, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(res) ? back : back[0]!;
    } finally {
      for (const t of made) cpu.disposeData(t.dataId, true);
    }
  };
}

/**
 * Kernels wasm runs on the cpu backend's implementation: missing on wasm and rare in a YOLO step
 * (depthwise backprop, tf.gather's gradient, einsum).
 */
export const CPU_FALLBACK_KERNELS = [
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
] as const;

/**
 * tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad mixes up images when batch > 1 (every image
 * after the first gets the wrong gradient): run it one image at a time, where it is right.
 */
function makeCpuResizeNearestGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const images = asTensor<tf.Rank.R4>(args.inputs.images!);
    const dy = asTensor<tf.Rank.R4>(args.inputs.dy!);
    const batch = images.shape[0];
    if (batch === 1) return original(args);
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let b = 0; b < batch; b++) {
        const im = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
        const d = tf.slice(dy, [b, 0, 0, 0], [1, -1, -1, -1]);
        parts.push(tf.engine().runKernel('ResizeNearestNeighborGrad', { images: im, dy: d }, args.attrs ?? {}) as tf.Tensor);
      }
      return tf.concat(parts, 0);
    });
  };
}

let registered = false;

/**
 * Registers the training kernels on the wasm backend, Kestrel's SIMD kernels
 * ({@link registerSimdKernels}), the copy kernels ({@link registerLayoutKernels}) and
 * {@link registerCpuKernelFixes}
 * (idempotent). Call after importing '@tensorflow/tfjs-backend-wasm'
 * and '@tensorflow/tfjs-backend-cpu' (the fallback kernels run the cpu implementations).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const configs: KernelConfig[] = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
    // tfjs 4.22's wasm MaxPoolGrad routes the gradient to the wrong element when inputs are
    // negative (SiLU outputs are), which breaks SPPF.
    { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
  ];
  const originalInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  // The original stays reachable for unequal strides.
  configs.push(
    wrapWasmKernel('Conv2DBackpropInput', () => makeConv2DBackpropInput(originalInput?.kernelFunc)) ?? {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: makeConv2DBackpropInput(undefined),
    },
  );
  for (const c of [wrapWasmKernel('BatchMatMul', makeBatchMatMul), wrapWasmKernel('ResizeNearestNeighborGrad', makeResizeNearestGrad)]) {
    if (c) configs.push(c);
  }
  configs.push({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityShared });
  for (const name of CPU_FALLBACK_KERNELS) {
    if (tf.getKernel(name, 'wasm')) continue;
    const f = cpuFallback(name);
    if (f) configs.push({ kernelName: name, backendName: 'wasm', kernelFunc: f });
  }
  registerReplacing(configs);
  registered = true;
  registerSimdKernels();
  registerLayoutKernels();
  registerCpuKernelFixes();
}

let cpuFixed = false;

/** Registers the batch fix of the cpu backend's nearest-resize gradient (idempotent). */
export function registerCpuKernelFixes(): void {
  if (cpuFixed) return;
  const cpuResize = tf.getKernel('ResizeNearestNeighborGrad', 'cpu');
  if (!cpuResize) return;
  tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
  tf.registerKernel({ ...cpuResize, kernelFunc: makeCpuResizeNearestGrad(cpuResize.kernelFunc) });
  cpuFixed = true;
}
