// Dawn (npm `webgpu`) as navigator.gpu in Node, and the adapter query on it, in this process
// (the process that trains on it; webgpu-probe.ts asks in a child process instead).
import { reason, type Reason } from '../../shared/reason';
import { adapterFacts, type AdapterLike, type GpuLike, type WebgpuAdapterFacts } from './webgpu-adapter';

/** An expected failure of the webgpu rung, with the reason to show. */
export class WebgpuUnavailable extends Error {
  constructor(readonly reason: Reason) {
    super(reason.message);
  }
}

/** The first line of an error's message, at most 300 characters. */
export function firstLine(err: unknown): string {
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
 * The adapter TF.js's webgpu backend will take (high-performance preference), asked of Dawn in
 * this process, without creating a device. The first call prints Dawn's limit notices to this
 * process's stderr (dawn-noise.ts); webgpu-probe.ts asks in a child process instead. Throws
 * WebgpuUnavailable with BACKEND_WEBGPU_NO_ADAPTER when there is none.
 */
export async function requestWebgpuAdapterHere(): Promise<WebgpuAdapterFacts> {
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
