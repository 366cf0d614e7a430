/**
 * The hidden training renderer's page script (renderer/gpu-host.html, built by electron-vite with
 * the renderer): Chromium's own WebGPU under TF.js's webgpu backend, with Kestrel's training
 * kernels, serving training steps (host.ts) on the MessagePort main hands it. Used where Dawn
 * cannot load in the training process (the prebuilt dawn.node inside Electron's utilityProcess on
 * Windows); sandboxed, no Node: data and weights come and go as messages only.
 *
 * The port arrives as a window message { type: GPU_HOST_PORT_MESSAGE } carrying it (posted by
 * the preload, electron/preload/gpu-host.ts, or by a test). A new port replaces the previous one
 * (a restarted training process), freeing the previous model.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
// tfjs's webgpu backend forwards small ops to the cpu backend's implementations.
import '@tensorflow/tfjs-backend-cpu';
import { adapterFacts, adapterName, watchWebgpuDevice, type GpuLike, type WatchableDevice } from '../engine/backend/webgpu-adapter';
import { registerWebgpuTrainingKernels } from '../engine/backend/webgpu-kernels';
import { serveTrainingSteps, type StepHost } from './host';
import { GPU_HOST_PORT_MESSAGE, listen, type HostInfo, type HostRequest, type ListenablePort } from './protocol';

/** Starts TF.js's webgpu backend on Chromium's WebGPU; rejects with why it cannot. */
async function startWebgpu(): Promise<HostInfo> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) throw new Error('this renderer has no WebGPU (navigator.gpu is missing: not a secure context, or WebGPU is disabled)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('WebGPU found no adapter in this renderer');
  registerWebgpuTrainingKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not create a WebGPU device');
  await tf.ready();
  watchWebgpuDevice((tf.backend() as unknown as { device?: WatchableDevice }).device);
  const facts = adapterFacts(adapter);
  document.title = `Kestrel GPU host: ${adapterName(facts)}`;
  return { backend: tf.getBackend(), adapter: facts, runtime: navigator.userAgent };
}

/** Answers every request with the reason the backend did not start. */
function serveFailure(port: ListenablePort, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  listen(port, (data) => {
    const req = data as HostRequest;
    if (typeof req?.id === 'number') port.postMessage({ id: req.id, ok: false, error: { code: 'GPU_HOST_NO_WEBGPU', message } });
  });
}

const ready = startWebgpu();
// Reported on the page too, for a person looking at it in the dev tools.
ready.catch((err: unknown) => (document.title = `Kestrel GPU host: ${err instanceof Error ? err.message : String(err)}`));

let current: { host: StepHost | null; port: MessagePort } | null = null;

window.addEventListener('message', (ev: MessageEvent) => {
  if (ev.source !== window || (ev.data as { type?: unknown } | null)?.type !== GPU_HOST_PORT_MESSAGE) return;
  const port = ev.ports[0];
  if (!port) return;
  if (current) {
    current.host?.dispose();
    current.port.close();
  }
  const slot: { host: StepHost | null; port: MessagePort } = { host: null, port };
  current = slot;
  ready.then(
    (info) => {
      if (current === slot) slot.host = serveTrainingSteps(port, { info: () => info });
    },
    (err: unknown) => serveFailure(port, err),
  );
});
