// The webgpu rung of the backend ladder: Dawn (npm `webgpu`) as navigator.gpu in Node, the
// adapter checked before TF.js's webgpu backend is imported, and GPU errors recorded as
// allocation failures so an out-of-memory on the GPU is recovered like one on wasm.
import * as tf from '@tensorflow/tfjs-core';
import { reason, type Reason } from '../../shared/reason';
import { recordAllocationFailure } from './limits';
import { registerWebgpuTrainingKernels } from './webgpu-kernels';

/** What Kestrel knows about the WebGPU adapter it would train on. */
export interface WebgpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP): correct but slower than wasm. */
  software: boolean;
  /** Largest GPUBuffer the adapter allows, bytes. */
  maxBufferSize: number;
  /** Largest storage binding (the largest tensor a shader can read or write), bytes. */
  maxStorageBufferBindingSize: number;
}

/** The bits of a GPUAdapter Kestrel reads (kept local so no DOM types are needed). */
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** Names of software (CPU-emulated) GPUs as adapters report them. */
const SOFTWARE_PATTERN = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

/** True when the adapter is a CPU implementation of WebGPU. Pure, so it is tested on reported facts. */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }): boolean {
  if (info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => typeof s === 'string' && SOFTWARE_PATTERN.test(s));
}

/** A readable adapter name for reasons: description, else vendor + device. */
export function adapterName(f: Pick<WebgpuAdapterFacts, 'vendor' | 'device' | 'description'>): string {
  const name = f.description || [f.vendor, f.device].filter(Boolean).join(' ');
  return name.trim() || 'unknown adapter';
}

/** Adapter facts from a GPUAdapter. */
export function adapterFacts(a: AdapterLike): WebgpuAdapterFacts {
  const i = a.info ?? {};
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
    software: isSoftwareAdapter({ ...i, isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter }),
    maxBufferSize: a.limits.maxBufferSize,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
  };
}

/** An expected failure of the webgpu rung, with the reason to show. */
export class WebgpuUnavailable extends Error {
  constructor(readonly reason: Reason) {
    super(reason.message);
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

let gpuPromise: Promise<GpuLike> | null = null;

/**
 * Loads Dawn and installs it as navigator.gpu with its globals (GPUBufferUsage...) on globalThis,
 * once per process; in a browser-like process that already has navigator.gpu, uses that.
 * Throws WebgpuUnavailable (BACKEND_NOT_INSTALLED / BACKEND_WEBGPU_DAWN_FAILED).
 */
export function installNavigatorGpu(): Promise<GpuLike> {
  gpuPromise ??= (async () => {
    const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
    if (g.navigator?.gpu) return g.navigator.gpu;
    let mod: { create: (opts: string[]) => GpuLike; globals: object };
    try {
      mod = (await import('webgpu')) as unknown as typeof mod;
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /'webgpu'|"webgpu"|webgpu\/index/.test(firstLine(err))) {
        throw new WebgpuUnavailable(reason('BACKEND_NOT_INSTALLED', { backend: 'webgpu', package: 'webgpu' }));
      }
      throw new WebgpuUnavailable(reason('BACKEND_WEBGPU_DAWN_FAILED', { detail: firstLine(err) }));
    }
    let gpu: GpuLike;
    try {
      for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
      gpu = mod.create([]);
    } catch (err) {
      throw new WebgpuUnavailable(reason('BACKEND_WEBGPU_DAWN_FAILED', { detail: firstLine(err) }));
    }
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true });
    return gpu;
  })();
  // A failed load may be retried after the environment changes (tests set VK_ICD_FILENAMES).
  gpuPromise.catch(() => (gpuPromise = null));
  return gpuPromise;
}

/**
 * The adapter TF.js's webgpu backend will take (high-performance preference), without creating a
 * device. Throws WebgpuUnavailable with BACKEND_WEBGPU_NO_ADAPTER when there is none.
 */
export async function probeWebgpuAdapter(): Promise<WebgpuAdapterFacts> {
  const gpu = await installNavigatorGpu();
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    throw new WebgpuUnavailable(reason('BACKEND_WEBGPU_NO_ADAPTER', { detail: firstLine(err) }));
  }
  if (!adapter) throw new WebgpuUnavailable(reason('BACKEND_WEBGPU_NO_ADAPTER', { detail: 'Dawn found no Vulkan, Direct3D 12 or Metal adapter' }));
  return adapterFacts(adapter);
}

/** What the loaded webgpu rung offers. */
export interface WebgpuLoaded {
  adapter: WebgpuAdapterFacts;
  notes: Reason[];
}

let watchedDevice: object | null = null;

/** Records the device's uncaptured errors and its loss as allocation failures (OUT_OF_MEMORY for the trainer). */
function watchDevice(): void {
  const device = (tf.findBackend('webgpu') as unknown as { device?: EventTarget & { lost?: Promise<{ reason?: string; message?: string }> } } | null)?.device;
  if (!device || device === watchedDevice) return;
  watchedDevice = device;
  device.addEventListener?.('uncapturederror', (ev: Event) => {
    const e = (ev as unknown as { error?: { constructor?: { name?: string }; message?: string } }).error;
    const kind = e?.constructor?.name ?? 'GPUError';
    // Validation errors about sizes and allocation failures both mean "this batch does not fit".
    recordAllocationFailure(`WebGPU ${kind}: ${e?.message ?? 'unknown'}`);
  });
  void device.lost?.then((info) => {
    if (info?.reason === 'destroyed') return;
    recordAllocationFailure(`WebGPU device lost: ${info?.message ?? 'unknown'}`);
  });
}

/**
 * Loads the webgpu rung: Dawn, an adapter (a software one only when `allowSoftware`), TF.js's
 * webgpu backend and Kestrel's training kernels for it. Throws WebgpuUnavailable with the reason.
 */
export async function loadWebgpu(opts: { allowSoftware: boolean }): Promise<WebgpuLoaded> {
  const adapter = await probeWebgpuAdapter();
  const notes: Reason[] = [];
  if (adapter.software) {
    if (!opts.allowSoftware) throw new WebgpuUnavailable(reason('BACKEND_WEBGPU_SOFTWARE', { adapter: adapterName(adapter) }));
    notes.push(reason('BACKEND_WEBGPU_SOFTWARE_FORCED', { adapter: adapterName(adapter) }));
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    // tfjs's webgpu backend forwards small ops to the cpu backend's implementations.
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new WebgpuUnavailable(reason('BACKEND_NOT_INSTALLED', { backend: 'webgpu', package: '@tensorflow/tfjs-backend-webgpu' }));
    }
    throw new WebgpuUnavailable(reason('BACKEND_LOAD_FAILED', { backend: 'webgpu', detail: firstLine(err) }));
  }
  if (!tf.findBackendFactory('webgpu')) throw new WebgpuUnavailable(reason('BACKEND_OTHER_CORE', { backend: 'webgpu' }));
  registerWebgpuTrainingKernels();
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    throw new WebgpuUnavailable(reason('BACKEND_LOAD_FAILED', { backend: 'webgpu', detail: firstLine(err) }));
  }
  if (!ok) throw new WebgpuUnavailable(reason('BACKEND_LOAD_FAILED', { backend: 'webgpu', detail: 'TF.js could not create a WebGPU device' }));
  await tf.ready();
  watchDevice();
  notes.push(reason('BACKEND_WEBGPU_ADAPTER', { adapter: adapterName(adapter), maxBufferMiB: Math.round(adapter.maxBufferSize / 2 ** 20) }));
  return { adapter, notes };
}
