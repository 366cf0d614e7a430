import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import { BackendIdSchema, type BackendId } from '../../shared/schemas/hardware';
import { WASM_USABLE_HEAP_BYTES, watchAllocationFailures, watchWasmMalloc } from './limits';
import { runSelfTest } from './self-test';
import { availableParallelism, loadavg } from 'node:os';
import { finishWasmThreads, prepareWasmThreads, recommendWasmThreads } from './threads';
import { registerCpuKernelFixes, registerWasmTrainingKernels } from './wasm-kernels';
import { adapterName, loadWebgpu, WebgpuUnavailable, type WebgpuAdapterFacts } from './webgpu';
import { choiceKey, defaultChoiceFile, measurementReasons, pickFastest, readChoices, storeChoice, type StepTiming } from './choice';
import { DEFAULT_WORKLOAD, describeWorkload, timeTrainingStep } from './measure';

/**
 * The TF.js backend ladder: picks, at start, the best backend that loads and computes a
 * convolution and its gradients right, and says why each better one was passed over.
 */

/**
 * Backends best first: CUDA, native CPU, WebGPU, WebAssembly, plain JS. tfjs-node-gpu wins when
 * it passes; otherwise webgpu (a hardware adapter that passes) and the best CPU backend are timed
 * on a real training step and the faster one is taken.
 */
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
  /** webgpu: the adapter trained on. */
  adapter?: WebgpuAdapterFacts;
  /** Training speeds the choice was made from (fresh or cached), when it was measured. */
  measured?: StepTiming[];
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
  /**
   * How webgpu and the CPU backend are compared when both pass: a function timing a training step
   * on the current backend (tests), or false to keep the CPU backend without measuring. Default:
   * {@link timeTrainingStep} on scale n, 256 px, batch 4, cached in {@link defaultChoiceFile}.
   */
  measure?: false | ((id: BackendId) => Promise<StepTiming>);
  /** Cache of measured choices; default {@link defaultChoiceFile}. */
  choiceFile?: string;
  /**
   * Tests only: let a software WebGPU adapter take part in the unforced ladder (it is otherwise
   * passed over; real training reaches one only through force).
   */
  allowSoftwareWebgpu?: boolean;
  /**
   * The training steps may run on a step host's webgpu (the app's hidden WebGPU window, which
   * main opens because Dawn does not load in a training process): webgpu is left out of this
   * process's ladder, and a force of webgpu (option or KESTREL_BACKEND) is the host's, not this
   * process's. The rest of the ladder picks this process's backend: its loader's, validation's,
   * and the steps' when the host is not used (train/host-choice.ts decides that).
   */
  skipWebgpu?: boolean;
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
export function classifyLoadError(id: BackendId, err: unknown, gpuModels: readonly string[] = []): Reason {
  if (err instanceof RungFailure) return err.reason;
  const detail = errorText(err);
  const tooNew = id === 'tfjs-node-gpu' ? gpuTooNewForCuda112(detail, gpuModels) : null;
  if (tooNew) return reason('BACKEND_GPU_TOO_NEW', { backend: id, detail, ...tooNew });
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

/** NVIDIA products of compute capability 10 or newer (Blackwell: RTX 50, RTX PRO Blackwell, B100/B200, GB10/GB200). */
const BLACKWELL_NAME = /\bRTX\s*50\d0\b|\bRTX\s*PRO\s*\d{4,}\s*Blackwell|Blackwell|\bB[12]\d0\b|\bGB\d{2,3}\b/i;

/**
 * Whether a tfjs-node-gpu failure comes from a GPU newer than CUDA 11.2 can run (compute
 * capability >= 10, e.g. sm_120 on RTX 50) rather than a missing CUDA install: from a capability
 * in the message (sm_120, compute_100, "compute capability 12.0"), a PTX/binary mismatch, or a
 * Blackwell model name among the GPUs. Pure; null when nothing says so.
 */
export function gpuTooNewForCuda112(text: string, gpuModels: readonly string[] = []): { gpu: string; capability: string } | null {
  const m =
    /compute capability:?\s*(\d+)\.(\d)/i.exec(text) ??
    /\b(?:sm|compute)_(\d+)(\d)\b/i.exec(text);
  const blackwell = gpuModels.find((g) => BLACKWELL_NAME.test(g));
  if (m) {
    const major = Number(m[1]);
    if (major >= 10) return { gpu: blackwell ?? gpuModels[0] ?? 'this GPU', capability: `${major}.${m[2]}` };
    return null;
  }
  const cudaish = /no kernel image|NO_BINARY_FOR_GPU|UNSUPPORTED_PTX_VERSION|PTX JIT|ptxas|libcud|cudnn|cublas|CUDA/i.test(text);
  if (blackwell && cudaish) return { gpu: blackwell, capability: '10.0 or newer' };
  return null;
}

/** What a loaded rung offers. */
interface Loaded {
  threads: number;
  simd: boolean;
  memoryLimitBytes?: number;
  notes: Reason[];
  adapter?: WebgpuAdapterFacts;
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

async function loadWebgpuRung(allowSoftware: boolean): Promise<Loaded> {
  try {
    const r = await loadWebgpu({ allowSoftware });
    return { threads: 0, simd: false, memoryLimitBytes: r.adapter.maxBufferSize, notes: r.notes, adapter: r.adapter };
  } catch (err) {
    if (err instanceof WebgpuUnavailable) throw new RungFailure(err.reason);
    throw err;
  }
}

function loadRung(id: BackendId, threads: number, forced: boolean): Promise<Loaded> {
  switch (id) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return loadNative(id);
    case 'webgpu':
      return loadWebgpuRung(forced);
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

/** A rung that loaded and passed its self-test. */
interface Passed {
  id: BackendId;
  loaded: Loaded;
}

function toReport(p: Passed, passedOver: BackendReport['passedOver'], why: Reason): BackendReport {
  const report: BackendReport = { id: p.id, threads: p.loaded.threads, simd: p.loaded.simd, passedOver, reason: why, notes: p.loaded.notes };
  if (p.loaded.memoryLimitBytes !== undefined) report.memoryLimitBytes = p.loaded.memoryLimitBytes;
  if (p.loaded.adapter) report.adapter = p.loaded.adapter;
  return report;
}

/** Loads one rung and runs its self-test: the passed rung, or the reason it failed. */
async function tryRung(id: BackendId, threads: number, forced: boolean): Promise<Passed | { id: BackendId; reason: Reason }> {
  let loaded: Loaded;
  try {
    loaded = await loadRung(id, threads, forced);
  } catch (err) {
    return { id, reason: classifyLoadError(id, err) };
  }
  const failed = await selfTestReason(id);
  return failed ? { id, reason: failed } : { id, loaded };
}

const CPU_RUNGS: readonly BackendId[] = ['tfjs-node', 'wasm', 'cpu'];

/**
 * Selects the TF.js backend for this process, or only the forced one (option `force`, else
 * KESTREL_BACKEND). Unforced: tfjs-node-gpu when it loads and passes the conv self-test;
 * otherwise webgpu (a hardware adapter: a software one is passed over) and the first CPU
 * backend that passes (tfjs-node, wasm, cpu); when both pass, a short real training step is
 * timed on each (once per machine, GPU and Kestrel version; cached) and the faster one trains.
 *
 * Throws KestrelError BACKEND_UNKNOWN (bad KESTREL_BACKEND), BACKEND_UNAVAILABLE (the forced
 * one failed; details.passedOver says why) or BACKEND_NONE. wasm threads are opt-in
 * (`threads` or KESTREL_WASM_THREADS) and fixed once wasm has started in a process.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  let forced = opts.force ?? parseBackendId(process.env.KESTREL_BACKEND);
  // A forced webgpu is the step host's: this process takes the best of the rest.
  if (opts.skipWebgpu && forced === 'webgpu') forced = undefined;
  const forcedBy = opts.force !== undefined ? 'BACKEND_FORCED_OPTION' : 'BACKEND_FORCED_ENV';
  const threads = resolveThreads(opts.threads ?? process.env.KESTREL_WASM_THREADS);
  const passedOver: BackendReport['passedOver'] = [];
  const order = (a: { id: BackendId }, b: { id: BackendId }) => BACKEND_ORDER.indexOf(a.id) - BACKEND_ORDER.indexOf(b.id);
  if (forced) {
    for (const id of BACKEND_ORDER) if (id !== forced) passedOver.push({ id, reason: reason('BACKEND_NOT_TRIED', { backend: id, forced }) });
    const r = await tryRung(forced, threads, true);
    if (!('loaded' in r)) throw unavailable(forced, r.reason, passedOver);
    return toReport(r, passedOver, reason(forcedBy, { backend: forced }));
  }
  const cuda = await tryRung('tfjs-node-gpu', threads, false);
  if ('loaded' in cuda) return toReport(cuda, passedOver, reason('BACKEND_SELECTED', { backend: cuda.id }));
  passedOver.push({ id: cuda.id, reason: cuda.reason });
  const gpu: Passed | { id: BackendId; reason: Reason } = opts.skipWebgpu
    ? { id: 'webgpu', reason: reason('BACKEND_WEBGPU_ON_HOST') }
    : await tryRung('webgpu', threads, opts.allowSoftwareWebgpu === true);
  if (!('loaded' in gpu)) passedOver.push({ id: gpu.id, reason: gpu.reason });
  let cpu: Passed | null = null;
  for (const id of CPU_RUNGS) {
    const r = await tryRung(id, threads, false);
    if ('loaded' in r) {
      cpu = r;
      break;
    }
    passedOver.push({ id, reason: r.reason });
  }
  passedOver.sort(order);
  if (!('loaded' in gpu)) {
    if (!cpu) {
      const detail = passedOver.map((p) => p.reason.message).join(' ');
      throw new KestrelError('BACKEND_NONE', reason('BACKEND_NONE', { detail }).message, { passedOver });
    }
    return toReport(cpu, passedOver, reason('BACKEND_SELECTED', { backend: cpu.id }));
  }
  if (!cpu) {
    await tf.setBackend('webgpu');
    return toReport(gpu, passedOver, reason('BACKEND_SELECTED', { backend: 'webgpu' }));
  }
  return chooseByMeasurement(gpu, cpu, passedOver, opts);
}

/** Times webgpu and the CPU backend (or reads the cached timing) and keeps the faster. */
async function chooseByMeasurement(gpu: Passed, cpu: Passed, passedOver: BackendReport['passedOver'], opts: InitBackendOptions): Promise<BackendReport> {
  if (opts.measure === false) {
    await tf.setBackend(cpu.id);
    passedOver.push({ id: 'webgpu', reason: reason('BACKEND_WEBGPU_NOT_MEASURED', { backend: cpu.id }) });
    passedOver.sort((a, b) => BACKEND_ORDER.indexOf(a.id) - BACKEND_ORDER.indexOf(b.id));
    return toReport(cpu, passedOver, reason('BACKEND_SELECTED', { backend: cpu.id }));
  }
  const file = opts.choiceFile ?? defaultChoiceFile();
  const gpuName = adapterName(gpu.loaded.adapter ?? { vendor: '', device: '', description: '' });
  const key = choiceKey(gpuName, [gpu.id, cpu.id]);
  const workload = describeWorkload(DEFAULT_WORKLOAD);
  let cached = (await readChoices(file)).find((c) => c.key === key);
  let timings: StepTiming[];
  if (cached) {
    timings = cached.timings as StepTiming[];
  } else {
    const measure = opts.measure ?? ((id: BackendId) => timeTrainingStep(id));
    timings = [];
    for (const p of [gpu, cpu]) {
      await tf.setBackend(p.id);
      try {
        timings.push(await measure(p.id));
      } catch (err) {
        // A backend that cannot finish the timed step does not win.
        timings.push({ id: p.id, imagesPerSecond: 0 });
        p.loaded.notes.push(reason('BACKEND_MEASURE_FAILED', { backend: p.id, detail: errorText(err) }));
      }
    }
  }
  const winnerId = pickFastest(timings, cpu.id);
  if (!cached) {
    cached = { key, winner: winnerId, timings, workload, measuredAt: new Date().toISOString() };
    await storeChoice(file, cached);
  }
  const winner = winnerId === gpu.id ? gpu : cpu;
  const loser = winner === gpu ? cpu : gpu;
  await tf.setBackend(winner.id);
  const why = measurementReasons(winner.id, loser.id, timings, cached);
  passedOver.push({ id: loser.id, reason: why.slower });
  passedOver.sort((a, b) => BACKEND_ORDER.indexOf(a.id) - BACKEND_ORDER.indexOf(b.id));
  const report = toReport(winner, passedOver, why.chosen);
  report.measured = timings;
  return report;
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
export { loadWebgpu, probeWebgpuAdapter, isSoftwareAdapter, adapterName, type WebgpuAdapterFacts } from './webgpu';
export { registerWebgpuTrainingKernels } from './webgpu-kernels';
export { findSoftwareVulkanIcd, useSoftwareVulkanIfUnset } from './webgpu-icd';
export { timeTrainingStep, measureStepSpeed, describeWorkload, DEFAULT_WORKLOAD, type StepWorkload } from './measure';
export { choiceKey, defaultChoiceFile, measurementReasons, pickFastest, readChoices, storeChoice, type StepTiming, type BackendChoice } from './choice';
