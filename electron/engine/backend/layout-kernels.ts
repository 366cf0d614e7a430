import * as tf from '@tensorflow/tfjs-core';
import { backend_util, slice_util, util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { registerReplacing, wrapWasmKernel } from './kernel-registry';
import { aroundAxis, planSlice, planTranspose } from './layout-plan';
import { bind, kernelsFor, type Bound, type WasmBackendLike } from './simd-kernels';

/**
 * Transpose, Concat, SplitV and Slice on wasm through Kestrel's copy kernels.
 *
 * Why: tfjs-backend-wasm's Slice, SplitV and Concat copy row by row in JavaScript (a subarray
 * per row; NHWC channel rows are 16-256 floats, so the per-row cost dominates) and its Transpose
 * computes every index generically. A training step runs ~160 of them (C2f's split and concat
 * and their gradients, the filter gradient's transposes): 10% of a step. Each case these
 * kernels do not cover (strings, bools, slices cutting two axes, other permutations) goes to
 * the original kernel.
 */

type Args = Parameters<KernelFunc>[0];

/** Dtypes stored as 4-byte elements on wasm. */
function fourBytes(dtype: string): dtype is 'float32' | 'int32' {
  return dtype === 'float32' || dtype === 'int32';
}

function usable(args: Args): boolean {
  return kernelsFor(args.backend as unknown as WasmBackendLike) !== null;
}

function copyRows(b: Bound, src: number, dst: number, rows: number, srcStride: number, dstStride: number, width: number): void {
  b.k.copyRows(src, dst, rows, srcStride, dstStride, width);
}

function makeTranspose(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    const { perm } = args.attrs as unknown as { perm: number[] };
    const size = util.sizeFromShape(x.shape);
    const plan = fourBytes(x.dtype) && size > 0 && usable(args) ? planTranspose(x.shape, perm) : null;
    if (!plan) return original(args);
    const b = bind(args, 'Transpose');
    const out = b.backend.makeOutput(
      perm.map((i) => x.shape[i]!),
      x.dtype as 'float32' | 'int32',
    );
    const src = b.ptr(x);
    const dst = b.ptr(out);
    if (plan.kind === 'copy') {
      copyRows(b, src, dst, 1, size, size, size);
    } else if (plan.kind === 'transposeAC') {
      b.k.transposeAC(src, dst, plan.n, plan.a, plan.p, plan.c);
    } else {
      // [N, A, P, C] -> [N, P, A, C]: rows of C, looping over whichever of A and P is shorter.
      const { n, a, p, c } = plan;
      for (let i = 0; i < n; i++) {
        if (a <= p) {
          for (let j = 0; j < a; j++) copyRows(b, src + 4 * (i * a + j) * p * c, dst + 4 * (i * p * a + j) * c, p, c, a * c, c);
        } else {
          for (let j = 0; j < p; j++) copyRows(b, src + 4 * (i * a * p + j) * c, dst + 4 * (i * p + j) * a * c, a, p * c, c, c);
        }
      }
    }
    return out;
  };
}

function makeConcat(original: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t !== undefined);
    const first = inputs[0];
    if (!first || !inputs.every((t) => t.dtype === first.dtype) || !fourBytes(first.dtype) || !usable(args)) return original(args);
    const axis = util.parseAxisParam((args.attrs as unknown as { axis: number | number[] }).axis, first.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    backend_util.assertParamsConsistent(shapes, axis);
    const outShape = backend_util.computeOutShape(shapes, axis);
    const b = bind(args, 'Concat');
    const out = b.backend.makeOutput(outShape, first.dtype);
    const dst = b.ptr(out);
    const { inner } = aroundAxis(outShape, axis);
    const dstStride = outShape[axis]! * inner;
    let offset = 0;
    for (const t of inputs) {
      if (util.sizeFromShape(t.shape) === 0) continue;
      const { outer } = aroundAxis(t.shape, axis);
      const width = t.shape[axis]! * inner;
      copyRows(b, b.ptr(t), dst + 4 * offset, outer, width, dstStride, width);
      offset += width;
    }
    return out;
  };
}

function makeSplitV(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    if (!fourBytes(x.dtype) || !usable(args)) return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number[] | number; axis: number };
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const b = bind(args, 'SplitV');
    const src = b.ptr(x);
    const { outer, inner } = aroundAxis(x.shape, ax);
    const srcStride = x.shape[ax]! * inner;
    let offset = 0;
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[ax] = s;
      const out = b.backend.makeOutput(shape, x.dtype as 'float32' | 'int32');
      copyRows(b, src + 4 * offset, b.ptr(out), outer, srcStride, s * inner, s * inner);
      offset += s * inner;
      return out;
    });
  };
}

function makeSlice(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    if (!fourBytes(x.dtype) || !usable(args)) return original(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b0, s0] = slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    const plan = planSlice(x.shape, b0, s0);
    if (!plan) return original(args);
    const b = bind(args, 'Slice');
    const out = b.backend.makeOutput(s0, x.dtype as 'float32' | 'int32');
    copyRows(b, b.ptr(x) + 4 * plan.srcOffset, b.ptr(out), plan.rows, plan.srcStride, plan.width, plan.width);
    return out;
  };
}

let registered = false;

/** Wraps wasm's Transpose, Concat, SplitV and Slice (idempotent); KESTREL_SIMD_KERNELS=0 skips it. */
export function registerLayoutKernels(): void {
  if (registered || process.env.KESTREL_SIMD_KERNELS === '0') return;
  registerReplacing([
    wrapWasmKernel('Transpose', makeTranspose),
    wrapWasmKernel('Concat', makeConcat),
    wrapWasmKernel('SplitV', makeSplitV),
    wrapWasmKernel('Slice', makeSlice),
  ]);
  registered = true;
}
