// The hidden training renderer's preload (sandboxed, isolated): hands the MessagePort main sends
// to the page, and nothing else. The page gets no API: only the port, over which the trainer's
// steps arrive (electron/gpu-host/entry.ts).
import { ipcRenderer } from 'electron';
import { GPU_HOST_PORT_CHANNEL, GPU_HOST_PORT_MESSAGE } from '../shared/gpu-host-channels';

ipcRenderer.on(GPU_HOST_PORT_CHANNEL, (event) => {
  // Electron's documented way into a context-isolated page: a window message carrying the port,
  // posted to this page's own origin only.
  window.postMessage({ type: GPU_HOST_PORT_MESSAGE }, window.location.origin, [...event.ports]);
});
