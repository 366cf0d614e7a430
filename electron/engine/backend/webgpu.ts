// The webgpu rung of the backend ladder: Dawn (npm `webgpu`) as navigator.gpu in Node, the
// adapter checked before TF.js's webgpu backend is imported, and GPU errors recorded as
// allocation failures so an out-of-memory on the GPU is recovered like one on wasm.
// (The adapter facts live in webgpu-adapter.ts, Dawn in dawn.ts, the isolated probe in
// webgpu-probe.ts; they are re-exported here.)
import * as tf from '@tensorflow/tfjs-core';
import { reason, type Reason } from '../../shared/reason';
import { firstLine, requestWebgpuAdapterHere, WebgpuUnavailable } from './dawn';
import { adapterName, watchWebgpuDevice, type WatchableDevice, type WebgpuAdapterFacts } from './webgpu-adapter';
import { registerWebgpuTrainingKernels } from './webgpu-kernels';

export { adapterFacts, adapterName, isSoftwareAdapter, type WebgpuAdapterFacts } from './webgpu-adapter';
export { installNavigatorGpu, requestWebgpuAdapterHere, WebgpuUnavailable } from './dawn';
export { probeWebgpuAdapter, probeWebgpuInChild } from './webgpu-probe';

/** What the loaded webgpu rung offers. */
export interface WebgpuLoaded {
  adapter: WebgpuAdapterFacts;
  notes: Reason[];
}

/** Records the device's uncaptured errors and its loss as allocation failures (OUT_OF_MEMORY for the trainer). */
function watchDevice(): void {
  watchWebgpuDevice((tf.findBackend('webgpu') as unknown as { device?: WatchableDevice } | null)?.device);
}

/**
 * Loads the webgpu rung: Dawn, an adapter (a software one only when `allowSoftware`), TF.js's
 * webgpu backend and Kestrel's training kernels for it. Throws WebgpuUnavailable with the reason.
 */
export async function loadWebgpu(opts: { allowSoftware: boolean }): Promise<WebgpuLoaded> {
  // In this process: TF.js will use this Dawn instance.
  const adapter = await requestWebgpuAdapterHere();
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
