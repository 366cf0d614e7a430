import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import { BackendIdSchema, type BackendId } from '../../shared/schemas/hardware';
import { WASM_USABLE_HEAP_BYTES, watchAllocationFailures, watchWasmMalloc } from './limits';
import { runSelfTest } from './self-test';
import { availableParallelism, loadavg } from 'node:os';
import { finishWasmThreads, prepareWasmThreads, recommendWasmThreads } from './threads';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from './wasm-kernels';

/**
 * The TF.js backend ladder: picks, at start, the best backend that loads and computes a
 * convolution and its gradients right, and says why each better one was passed over.
 */

/** Backends best first: CUDA, native CPU, WebAssembly, plain JS. */
export const BACKEND_ORDER: readonly BackendId[] = BackendIdSchema.options;

/** Which backend Kestrel trains on, and why. */
export interface BackendReport {
  id: BackendId;
  /** Threads the backend computes with (wasm: XNNPACK's pool; native: TF's own, reported as 0 = TF decides). */
  threads: number;
  /** wasm: SIMD instructions in use. */
  simd: boolean;
  /** Hard ceiling of the backend's own memory when it has one (wasm: its usable heap). */
  memoryLimitBytes?: number;
  /** Better backends that were tried and failed, or not tried because one was forced. */
  passedOver: Array<{ id: BackendId; reason: Reason }>;
  reason: Reason;
  /** Other facts the UI may show (threads that could not start...). */
  notes: Reason[];
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Use only this backend (tests, benchmarks, --backend); KESTREL_BACKEND does the same. */
  force?: BackendId;
  /**
   * wasm: XNNPACK threads, or 'auto' for {@link recommendWasmThreads} on this machine's cores and
   * load (what training should pass). Default 1 (tests, benchmarks); KESTREL_WASM_THREADS
   * (a number or 'auto') does the same.
   */
  threads?: number | 'auto';
}

/** npm packages of the native backends. */
const PACKAGES: Partial<Record<BackendId, string>> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

/** Parses KESTREL_BACKEND (or a flag); undefined when unset, KestrelError BACKEND_UNKNOWN when not a backend. */
export function parseBackendId(value: string | undefined): BackendId | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = BackendIdSchema.safeParse(value.trim());
  if (!parsed.success) throw new KestrelError('BACKEND_UNKNOWN', reason('BACKEND_UNKNOWN', { value }).message, { value });
  return parsed.data;
}

/** Threads from the option or KESTREL_WASM_THREADS: a count, 'auto' (by cores and load), else 1. */
export function resolveThreads(value: number | string | undefined): number {
  if (value === 'auto') return recommendWasmThreads({ cores: availableParallelism(), loadAverage: loadavg()[0] ?? 0 });
  return Math.max(1, Math.floor(Number(value) || 1));
}

/** An expected failure of one rung, with the reason to show. */
class RungFailure extends Error {
  constructor(readonly reason: Reason) {
    super(reason.message);
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}

/**
 * Why a backend failed to load, from what its import threw: not installed, CUDA/cuDNN missing,
 * a GPU generation TF 2.9 cannot run, or something else. Pure, so it is tested on messages.
 */
export function classifyLoadError(id: BackendId, err: unknown): Reason {
  if (err instanceof RungFailure) return err.reason;
  const detail = errorText(err);
  const code = (err as { code?: unknown } | null)?.code;
  const pkg = PACKAGES[id] ?? `@tensorflow/tfjs-backend-${id}`;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/i.test(detail)) {
    if (detail.includes(pkg) || !/tfjs_binding|\.node\b/.test(detail)) return reason('BACKEND_NOT_INSTALLED', { backend: id, package: pkg });
  }
  if (/no kernel image is available|compute capability|CUDA_ERROR_NO_BINARY_FOR_GPU|sm_\d+/i.test(detail)) {
    return reason('BACKEND_GPU_UNSUPPORTED', { backend: id, detail });
  }
  if (/libcud|cudnn|cublas|cufft|curand|cusolver|cusparse|CUDA/i.test(detail)) return reason('BACKEND_CUDA_MISSING', { backend: id, detail });
  return reason('BACKEND_LOAD_FAILED', { backend: id, detail });
}

/** What a loaded rung offers. */
interface Loaded {
  threads: number;
  simd: boolean;
  memoryLimitBytes?: number;
  notes: Reason[];
}

async function setOrFail(id: BackendId, name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new RungFailure(classifyLoadError(id, err));
  }
  if (!ok) throw new RungFailure(reason('BACKEND_LOAD_FAILED', { backend: id, detail: `TF.js could not initialise the '${name}' backend` }));
  await tf.ready();
}

async function loadNative(id: 'tfjs-node-gpu' | 'tfjs-node'): Promise<Loaded> {
  // Set before TF loads: it grabs all GPU memory otherwise, and the planner measures what is free.
  if (id === 'tfjs-node-gpu') process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  const spec = PACKAGES[id]!;
  await import(/* @vite-ignore */ spec);
  // A copy of tfjs-core other than ours would register 'tensorflow' on another engine.
  if (!tf.findBackendFactory('tensorflow')) throw new RungFailure(reason('BACKEND_OTHER_CORE', { backend: id }));
  await setOrFail(id, 'tensorflow');
  if (id === 'tfjs-node-gpu') {
    const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    if (usingGpu === false) throw new RungFailure(reason('BACKEND_NO_GPU', { backend: id }));
  }
  return { threads: 0, simd: false, notes: [] };
}

async function loadWasm(threads: number): Promise<Loaded> {
  const wasmModule = await import('@tensorflow/tfjs-backend-wasm');
  // The fallback kernels of wasm run on the cpu backend's implementations.
  await import('@tensorflow/tfjs-backend-cpu');
  watchAllocationFailures();
  registerWasmTrainingKernels();
  const notes: Reason[] = [];
  const firstInit = tf.findBackend('wasm') === null;
  let shim = false;
  if (threads > 1 && firstInit) {
    const r = prepareWasmThreads(threads, wasmModule.setThreadsCount);
    if (r.ok) shim = true;
    else notes.push(reason('BACKEND_WASM_THREADS_FAILED', { detail: r.error ?? 'unknown' }));
  } else if (threads > 1) {
    notes.push(reason('BACKEND_WASM_THREADS_FAILED', { detail: 'the wasm backend was already started; threads are set before it starts' }));
  }
  try {
    await setOrFail('wasm', 'wasm');
  } finally {
    if (shim) finishWasmThreads();
  }
  watchWasmMalloc();
  const actual = wasmModule.getThreadsCount();
  if (shim && actual < threads) {
    notes.push(reason('BACKEND_WASM_THREADS_FAILED', { detail: `XNNPACK started ${actual} of ${threads} threads` }));
  }
  if (actual > 1) notes.push(reason('BACKEND_WASM_THREADS', { threads: actual }));
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { threads: actual, simd, memoryLimitBytes: WASM_USABLE_HEAP_BYTES, notes };
}

async function loadCpu(): Promise<Loaded> {
  await import('@tensorflow/tfjs-backend-cpu');
  registerCpuKernelFixes();
  await setOrFail('cpu', 'cpu');
  return { threads: 1, simd: false, notes: [] };
}

function loadRung(id: BackendId, threads: number): Promise<Loaded> {
  switch (id) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return loadNative(id);
    case 'wasm':
      return loadWasm(threads);
    case 'cpu':
      return loadCpu();
  }
}

/** The self-test's failure as a reason: a GPU that cannot run TF's kernels, or a wrong result. */
async function selfTestReason(id: BackendId): Promise<Reason | null> {
  try {
    const bad = await runSelfTest();
    return bad === null ? null : reason('BACKEND_SELF_TEST_FAILED', { backend: id, detail: bad });
  } catch (err) {
    const r = classifyLoadError(id, err);
    return r.code === 'BACKEND_GPU_UNSUPPORTED' || r.code === 'BACKEND_CUDA_MISSING'
      ? r
      : reason('BACKEND_SELF_TEST_FAILED', { backend: id, detail: errorText(err) });
  }
}

/**
 * Selects the TF.js backend for this process: the first of {@link BACKEND_ORDER} that loads and
 * passes the conv self-test, or only the forced one (option `force`, else KESTREL_BACKEND).
 *
 * Throws KestrelError BACKEND_UNKNOWN (bad KESTREL_BACKEND), BACKEND_UNAVAILABLE (the forced
 * one failed; details.passedOver says why) or BACKEND_NONE. wasm threads are opt-in
 * (`threads` or KESTREL_WASM_THREADS) and fixed once wasm has started in a process.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const forced = opts.force ?? parseBackendId(process.env.KESTREL_BACKEND);
  const forcedBy = opts.force !== undefined ? 'BACKEND_FORCED_OPTION' : 'BACKEND_FORCED_ENV';
  const threads = resolveThreads(opts.threads ?? process.env.KESTREL_WASM_THREADS);
  const passedOver: BackendReport['passedOver'] = [];
  const candidates = forced ? [forced] : BACKEND_ORDER;
  if (forced) {
    for (const id of BACKEND_ORDER) if (id !== forced) passedOver.push({ id, reason: reason('BACKEND_NOT_TRIED', { backend: id, forced }) });
  }
  for (const id of candidates) {
    let loaded: Loaded;
    try {
      loaded = await loadRung(id, threads);
    } catch (err) {
      const r = classifyLoadError(id, err);
      if (forced) throw unavailable(id, r, passedOver);
      passedOver.push({ id, reason: r });
      continue;
    }
    const failed = await selfTestReason(id);
    if (failed) {
      if (forced) throw unavailable(id, failed, passedOver);
      passedOver.push({ id, reason: failed });
      continue;
    }
    const report: BackendReport = {
      id,
      threads: loaded.threads,
      simd: loaded.simd,
      passedOver,
      reason: forced ? reason(forcedBy, { backend: id }) : reason('BACKEND_SELECTED', { backend: id }),
      notes: loaded.notes,
    };
    if (loaded.memoryLimitBytes !== undefined) report.memoryLimitBytes = loaded.memoryLimitBytes;
    return report;
  }
  const detail = passedOver.map((p) => p.reason.message).join(' ');
  throw new KestrelError('BACKEND_NONE', reason('BACKEND_NONE', { detail }).message, { passedOver });
}

function unavailable(id: BackendId, r: Reason, passedOver: BackendReport['passedOver']): KestrelError {
  return new KestrelError('BACKEND_UNAVAILABLE', reason('BACKEND_UNAVAILABLE', { backend: id, detail: r.message }).message, {
    backend: id,
    reason: r,
    passedOver,
  });
}

export { registerWasmTrainingKernels, registerCpuKernelFixes } from './wasm-kernels';
export { runSelfTest } from './self-test';
export {
  assertFiniteLoss,
  toOutOfMemory,
  outOfMemoryError,
  WASM_HEAP_MAX_BYTES,
  WASM_USABLE_HEAP_BYTES,
} from './limits';
export { stopWasmThreads, recommendWasmThreads, MAX_WASM_THREADS, type ThreadContext } from './threads';
