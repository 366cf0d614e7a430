import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { envValue } from './env';
import { registerReplacing } from './kernel-registry';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './simd-kernels-wasm';

/**
 * Kestrel's own WebAssembly SIMD kernels, registered on the wasm backend as tfjs kernels.
 *
 * Why: the element-wise half of a Conv+Norm+SiLU block (affine norm, sigmoid, SiLU and their
 * gradients, the per-channel sums) ran as ~16 separate tfjs kernels per block, each a full pass
 * over the activation on one thread; together they were about a fifth of a training step. These
 * kernels do the same in one pass each, vectorised, on the backend's own memory (the module
 * imports it), so nothing is copied. Source: electron/engine/backend/wasm-src/kernels-wat.mjs.
 *
 * Layout: NHWC float32 [B, H, W, C] with C a multiple of 4; per-channel vectors of C floats
 * (shared by all samples: BatchNorm) or B x C (one row per sample: GroupNorm).
 */

/** Kernel names, for tf.engine().runKernel. */
export const SIMD_KERNEL = {
  /** {y, scale, shift} -> out = z * sigmoid(z), z = y * scale + shift. */
  siluAffine: 'KestrelSiluAffine',
  /** {y, dout, scale, shift} -> [dz, s1, s2]: dz = dout * silu'(z); s1, s2 [B, C] = sums of dz and dz * y per sample. */
  siluAffineGrad: 'KestrelSiluAffineGrad',
  /** {dz, y, a, k1, k0} -> g = dz * a + y * k1 + k0. */
  linear3: 'KestrelLinear3',
  /** {y, mean} -> [B, C] sums over pixels of (y - mean)^2. */
  squaredDeviationSums: 'KestrelSquaredDeviationSums',
} as const;

type Ptr = number;
/** The module's exports (pointers are byte offsets into the backend's memory). */
interface ModuleExports {
  silu_affine(y: Ptr, out: Ptr, scale: Ptr, shift: Ptr, b: number, hw: number, c: number, vstride: number): void;
  silu_affine_grad(y: Ptr, dout: Ptr, dz: Ptr, scale: Ptr, shift: Ptr, s1: Ptr, s2: Ptr, b: number, hw: number, c: number, vstride: number): void;
  linear3(dz: Ptr, y: Ptr, g: Ptr, a: Ptr, k1: Ptr, k0: Ptr, b: number, hw: number, c: number, vstride: number): void;
  squared_deviation_sums(y: Ptr, mean: Ptr, out: Ptr, b: number, hw: number, c: number, vstride: number): void;
  copy_rows(src: Ptr, dst: Ptr, rows: number, srcStride: number, dstStride: number, width: number): void;
  transpose_ac(src: Ptr, dst: Ptr, n: number, a: number, p: number, c: number): void;
  peak(iters: number): number;
}

/**
 * The kernels of one backend, on the calling thread. (Splitting them over helper threads that
 * share the memory was tried and measured: on 2 cores it lost 2-3% per training step, because
 * XNNPACK's pool threads spin for a while after each convolution and the helper competes with
 * them for the second core.)
 */
export class SimdRunner {
  constructor(private readonly k: ModuleExports) {}

  /** out = z * sigmoid(z), z = y * scale + shift. */
  siluAffine(y: Ptr, out: Ptr, scale: Ptr, shift: Ptr, b: number, hw: number, c: number, vs: number): void {
    this.k.silu_affine(y, out, scale, shift, b, hw, c, vs);
  }

  /** dz and the per-sample sums s1, s2 ([B, C]). */
  siluAffineGrad(y: Ptr, dout: Ptr, dz: Ptr, scale: Ptr, shift: Ptr, s1: Ptr, s2: Ptr, b: number, hw: number, c: number, vs: number): void {
    this.k.silu_affine_grad(y, dout, dz, scale, shift, s1, s2, b, hw, c, vs);
  }

  /** g = dz * a + y * k1 + k0. */
  linear3(dz: Ptr, y: Ptr, g: Ptr, a: Ptr, k1: Ptr, k0: Ptr, b: number, hw: number, c: number, vs: number): void {
    this.k.linear3(dz, y, g, a, k1, k0, b, hw, c, vs);
  }

  /** [B, C] sums of (y - mean)^2. */
  squaredDeviationSums(y: Ptr, mean: Ptr, out: Ptr, b: number, hw: number, c: number, vs: number): void {
    this.k.squared_deviation_sums(y, mean, out, b, hw, c, vs);
  }

  /** Rows of 4-byte elements; strides and width in elements. */
  copyRows(src: Ptr, dst: Ptr, rows: number, srcStride: number, dstStride: number, width: number): void {
    if (rows > 0 && width > 0) this.k.copy_rows(src, dst, rows, srcStride, dstStride, width);
  }

  /** 4-byte elements [N, A, P, C] -> [N, C, P, A]. */
  transposeAC(src: Ptr, dst: Ptr, n: number, a: number, p: number, c: number): void {
    this.k.transpose_ac(src, dst, n, a, p, c);
  }
}

/** What these kernels use of tfjs-backend-wasm's BackendWasm (internal but stable across 4.x). */
export interface WasmBackendLike {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  // atob exists in Node 16+ and in browsers alike.
  const text = atob(base64);
  const out = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function compile(shared: boolean): WebAssembly.Module {
  return new WebAssembly.Module(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM));
}

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): ModuleExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ModuleExports;
}

const runners = new WeakMap<object, SimdRunner | null>();

/** The kernels bound to this backend's memory, or null when it does not expose its memory. */
export function kernelsFor(backend: WasmBackendLike): SimdRunner | null {
  let r = runners.get(backend);
  if (r === undefined) {
    const memory = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
    r = memory instanceof WebAssembly.Memory ? new SimdRunner(instantiate(compile(isShared(memory)), memory)) : null;
    runners.set(backend, r);
  }
  return r;
}

/**
 * Whether the element-wise kernels are switched on: by default; KESTREL_SIMD_KERNELS=0 turns them
 * off (and the copy kernels too). They compute the same arithmetic as the plain ops to float
 * rounding, and 12 paired demo runs show no mAP effect seeds can tell from noise
 * (bench/results/demo-study.json). They were opt-in while a batch of one image put the first
 * gradient norm 4.2e-3 off the cpu backend's (5.5e-4 with the plain ops): the batch variance
 * summed thousands of alike squared deviations in float32. It sums in float64 now, and that case
 * is 6.2e-4 off (six seed/image cases: mean 4.6e-4 against the plain ops' 5.3e-4).
 */
export function elementwiseKernelsEnabled(): boolean {
  return envValue('KESTREL_SIMD_KERNELS') !== '0';
}

/**
 * True when the active backend runs {@link SIMD_KERNEL} kernels for a [.., C] activation: they
 * are switched on ({@link elementwiseKernelsEnabled}), the backend is wasm with its memory
 * reachable, the tensor float32 with C a multiple of 4 (the vector width).
 */
export function simdKernelsUsable(x: tf.Tensor): boolean {
  if (!elementwiseKernelsEnabled()) return false;
  if (x.dtype !== 'float32' || x.rank !== 4 || x.shape[3]! % 4 !== 0) return false;
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackendLike;
  return tf.getKernel(SIMD_KERNEL.siluAffine, 'wasm') !== undefined && kernelsFor(backend) !== null;
}

interface Geometry {
  b: number;
  hw: number;
  c: number;
}

function geometry(x: TensorInfo, kernel: string): Geometry {
  const [b, h, w, c] = x.shape;
  if (x.shape.length !== 4 || x.dtype !== 'float32' || c! % 4 !== 0) {
    throw new Error(`${kernel}: needs a float32 NHWC tensor with channels a multiple of 4, got ${x.dtype} [${x.shape.join(', ')}]`);
  }
  return { b: b!, hw: h! * w!, c: c! };
}

/** vstride of a per-channel vector: 0 for C values, C for B x C. */
function vstride(v: TensorInfo, g: Geometry, kernel: string): number {
  const size = v.shape.reduce((a, d) => a * d, 1);
  if (v.dtype !== 'float32') throw new Error(`${kernel}: per-channel vectors must be float32`);
  if (size === g.c) return 0;
  if (size === g.b * g.c) return g.c;
  throw new Error(`${kernel}: a per-channel vector has ${size} values; expected ${g.c} or ${g.b * g.c}`);
}

function sameStride(kernel: string, g: Geometry, ...vs: TensorInfo[]): number {
  const strides = vs.map((v) => vstride(v, g, kernel));
  if (strides.some((s) => s !== strides[0])) throw new Error(`${kernel}: per-channel vectors must all be [C] or all be [B, C]`);
  return strides[0]!;
}

/** A kernel call's module, backend and tensor-to-pointer map. */
export interface Bound {
  k: SimdRunner;
  backend: WasmBackendLike;
  ptr: (t: TensorInfo) => Ptr;
}

/** Binds a kernel call to the module of its backend; throws when the backend hides its memory. */
export function bind(args: Parameters<KernelFunc>[0], kernel: string): Bound {
  const backend = args.backend as unknown as WasmBackendLike;
  const k = kernelsFor(backend);
  if (!k) throw new Error(`${kernel}: this wasm backend does not expose its memory`);
  const ptr = (t: TensorInfo): Ptr => {
    const d = backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error(`${kernel}: a tensor has no wasm memory`);
    return d.memoryOffset;
  };
  return { k, backend, ptr };
}

function input(args: Parameters<KernelFunc>[0], name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw new Error(`${kernel}: missing input ${name}`);
  return t;
}

const siluAffine: KernelFunc = (args) => {
  const name = SIMD_KERNEL.siluAffine;
  const [y, scale, shift] = ['y', 'scale', 'shift'].map((n) => input(args, n, name)) as [TensorInfo, TensorInfo, TensorInfo];
  const g = geometry(y, name);
  const vs = sameStride(name, g, scale, shift);
  const { k, backend, ptr } = bind(args, name);
  const out = backend.makeOutput([...y.shape], 'float32');
  if (g.b * g.hw * g.c > 0) k.siluAffine(ptr(y), ptr(out), ptr(scale), ptr(shift), g.b, g.hw, g.c, vs);
  return out;
};

const siluAffineGrad: KernelFunc = (args) => {
  const name = SIMD_KERNEL.siluAffineGrad;
  const [y, dout, scale, shift] = ['y', 'dout', 'scale', 'shift'].map((n) => input(args, n, name)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const g = geometry(y, name);
  if (dout.shape.join() !== y.shape.join()) throw new Error(`${name}: dout must have y's shape`);
  const vs = sameStride(name, g, scale, shift);
  const { k, backend, ptr } = bind(args, name);
  const dz = backend.makeOutput([...y.shape], 'float32');
  const s1 = backend.makeOutput([g.b, g.c], 'float32');
  const s2 = backend.makeOutput([g.b, g.c], 'float32');
  k.siluAffineGrad(ptr(y), ptr(dout), ptr(dz), ptr(scale), ptr(shift), ptr(s1), ptr(s2), g.b, g.hw, g.c, vs);
  return [dz, s1, s2];
};

const linear3: KernelFunc = (args) => {
  const name = SIMD_KERNEL.linear3;
  const [dz, y, a, k1, k0] = ['dz', 'y', 'a', 'k1', 'k0'].map((n) => input(args, n, name)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const g = geometry(y, name);
  if (dz.shape.join() !== y.shape.join()) throw new Error(`${name}: dz must have y's shape`);
  const vs = sameStride(name, g, a, k1, k0);
  const { k, backend, ptr } = bind(args, name);
  const out = backend.makeOutput([...y.shape], 'float32');
  if (g.b * g.hw * g.c > 0) k.linear3(ptr(dz), ptr(y), ptr(out), ptr(a), ptr(k1), ptr(k0), g.b, g.hw, g.c, vs);
  return out;
};

const squaredDeviationSums: KernelFunc = (args) => {
  const name = SIMD_KERNEL.squaredDeviationSums;
  const y = input(args, 'y', name);
  const mean = input(args, 'mean', name);
  const g = geometry(y, name);
  const vs = sameStride(name, g, mean);
  const { k, backend, ptr } = bind(args, name);
  const out = backend.makeOutput([g.b, g.c], 'float32');
  k.squaredDeviationSums(ptr(y), ptr(mean), ptr(out), g.b, g.hw, g.c, vs);
  return out;
};

let registered = false;

/** Registers {@link SIMD_KERNEL} on the wasm backend (idempotent). */
export function registerSimdKernels(): void {
  if (registered) return;
  registerReplacing([
    { kernelName: SIMD_KERNEL.siluAffine, backendName: 'wasm', kernelFunc: siluAffine },
    { kernelName: SIMD_KERNEL.siluAffineGrad, backendName: 'wasm', kernelFunc: siluAffineGrad },
    { kernelName: SIMD_KERNEL.linear3, backendName: 'wasm', kernelFunc: linear3 },
    { kernelName: SIMD_KERNEL.squaredDeviationSums, backendName: 'wasm', kernelFunc: squaredDeviationSums },
  ]);
  registered = true;
}

/** Flops of one `peak` iteration: 24 chains x (4 multiplies + 4 adds). */
export const PEAK_FLOPS_PER_ITER = 24 * 8;

/**
 * This thread's peak WebAssembly SIMD arithmetic rate in GFLOP/s: f32x4 multiply and add (wasm
 * SIMD has no fused multiply-add) on 24 independent chains, best of `repeats` timed runs of
 * about `ms` each. The ceiling any wasm kernel (XNNPACK's included) can reach on one core.
 */
export function measureWasmSimdPeak(ms = 200, repeats = 5): number {
  const k = instantiate(compile(false), new WebAssembly.Memory({ initial: 1 }));
  let iters = 1 << 16;
  for (;;) {
    const t0 = performance.now();
    k.peak(iters);
    if (performance.now() - t0 > ms / 4 || iters > 1 << 30) break;
    iters *= 2;
  }
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    k.peak(iters);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (iters * PEAK_FLOPS_PER_ITER) / s / 1e9);
  }
  return best;
}
