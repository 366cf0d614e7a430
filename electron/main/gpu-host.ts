/**
 * Electron's side of the hidden training renderer (electron/gpu-host): the utilityProcess probe
 * that tells whether Dawn runs in a training process at all, the hidden sandboxed window that
 * runs the training step on Chromium's own WebGPU when it does not, and the decision between
 * them (chooseGpuHost, pure and tested in test/engine/backend/gpu-host-choice.test.ts).
 *
 * Thin and typed: no Electron binary runs in this project's tests, so what is here is only the
 * wiring; the page, its protocol and the decision are tested without Electron.
 *
 * Use (main, before a webgpu run in the app):
 *   const { choice, window } = await decideGpuHost({ mainDir: here, allowSoftware });
 *   choice.host === 'utility'  -> train as today (Dawn in the training utilityProcess);
 *   choice.host === 'renderer' -> const port = window!.connect(); hand `port` to the training
 *     process (utilityProcess child.postMessage(msg, [port])), whose trainer then sends its steps
 *     with createStepClient(port) (electron/gpu-host/client.ts) when the window's timed step beats
 *     its own CPU's, or webgpu is forced (engine/train/host-choice.ts; cached per machine);
 *   choice.host === 'none'     -> train on the CPU; choice.reason says why.
 */
import { BrowserWindow, MessageChannelMain, utilityProcess, type MessagePortMain } from 'electron';
import { join } from 'node:path';
import { createDawnNoticeFilter } from '../engine/backend/dawn-noise';
import { chooseGpuHost, type GpuHostChoice, type RendererProbe, type UtilityProbe } from '../engine/backend/gpu-host-choice';
import { parseProbeAnswer } from '../engine/backend/webgpu-probe-answer';
import { createStepClient } from '../gpu-host/client';
import { GPU_HOST_PAGE, GPU_HOST_PORT_CHANNEL } from '../shared/gpu-host-channels';
import { APP_ORIGIN, lockedWebPreferences, lockNavigation } from './security';

/** Deadline of the utilityProcess probe (Dawn loads in about a second). */
export const UTILITY_PROBE_TIMEOUT_MS = 15_000;
/** Deadline of the hidden window's answer about its WebGPU (page load and backend start). */
export const RENDERER_PROBE_TIMEOUT_MS = 60_000;

/** The probe process's bundle and the host window's preload, beside main's index.js. */
export function gpuHostFiles(mainDir: string): { probeEntry: string; preload: string } {
  return { probeEntry: join(mainDir, 'webgpu-probe.js'), preload: join(mainDir, '../preload/gpu-host.cjs') };
}

/**
 * Runs the WebGPU probe process (out/main/webgpu-probe.js) in a utilityProcess, as training
 * would run: does Dawn load there, and which adapter does it find? Its stderr is forwarded
 * without Dawn's limit notices. Never rejects.
 */
export function probeDawnInUtility(entry: string, timeoutMs = UTILITY_PROBE_TIMEOUT_MS): Promise<UtilityProbe> {
  return new Promise((resolve) => {
    let stdout = '';
    let lastErr = '';
    let done = false;
    const finish = (p: UtilityProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(p);
    };
    let child: Electron.UtilityProcess;
    try {
      child = utilityProcess.fork(entry, [], { serviceName: 'kestrel-webgpu-probe', stdio: 'pipe' });
    } catch (err) {
      resolve({ kind: 'no-answer', detail: `the probe process did not start: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const filter = createDawnNoticeFilter((text) => {
      const line = text.split('\n').filter((l) => l.trim()).at(-1);
      if (line) lastErr = line.slice(0, 300);
      process.stderr.write(text);
    });
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => filter.push(d));
    const timer = setTimeout(() => {
      child.kill();
      finish({ kind: 'no-answer', detail: `the probe process gave no answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.on('exit', (code) => {
      filter.end();
      const answer = parseProbeAnswer(stdout);
      finish(answer ? { kind: 'answered', answer } : { kind: 'no-answer', detail: `the probe process ended (exit code ${code}) without an answer${lastErr ? `: ${lastErr}` : ''}` });
    });
  });
}

/** The hidden window that runs training steps on Chromium's WebGPU. */
export interface GpuHostWindow {
  /** A new port to the page's step host (the trainer's end); a new one replaces the previous. */
  connect(): MessagePortMain;
  /** Asks the page what its WebGPU offers. Never rejects. */
  probe(timeoutMs?: number): Promise<RendererProbe>;
  /** Called when the window's renderer goes away (crash, out of memory): pending steps must fail. */
  onGone(listener: (reason: string) => void): void;
  close(): void;
}

/**
 * Opens the hidden host window: never shown, sandboxed, context-isolated, no Node, a preload that
 * only forwards the port, the page from the app's protocol (kestrel://app/gpu-host.html), no
 * navigation, no new windows. It shares the default session, whose permission and request rules
 * the main window sets (createMainWindow: nothing but kestrel:// and data: loads).
 */
export function openGpuHostWindow(opts: { preload: string; url?: string }): GpuHostWindow {
  const win = new BrowserWindow({
    show: false,
    width: 320,
    height: 240,
    title: 'Kestrel GPU host',
    // The main window's locked preferences; training must not slow down because the window is hidden.
    webPreferences: { ...lockedWebPreferences(opts.preload), backgroundThrottling: false },
  });
  const contents = win.webContents;
  lockNavigation(contents);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const goneListeners: Array<(reason: string) => void> = [];
  contents.on('render-process-gone', (_e, details) => {
    for (const l of goneListeners) l(details.reason);
  });
  const loaded = win.loadURL(opts.url ?? `${APP_ORIGIN}/${GPU_HOST_PAGE}`);
  const connect = (): MessagePortMain => {
    const { port1, port2 } = new MessageChannelMain();
    contents.postMessage(GPU_HOST_PORT_CHANNEL, null, [port2]);
    return port1;
  };
  return {
    connect,
    async probe(timeoutMs = RENDERER_PROBE_TIMEOUT_MS) {
      try {
        await loaded;
        const port = connect();
        const client = createStepClient(port, { timeoutMs });
        try {
          const info = await client.request('info', {});
          return info.adapter ? { kind: 'adapter', adapter: info.adapter } : { kind: 'none', detail: `the renderer trains on ${info.backend}, not WebGPU` };
        } finally {
          port.close();
        }
      } catch (err) {
        return { kind: 'none', detail: err instanceof Error ? err.message : String(err) };
      }
    },
    onGone(listener) {
      goneListeners.push(listener);
    },
    close() {
      if (!win.isDestroyed()) win.destroy();
    },
  };
}

/**
 * Decides where WebGPU training runs in the app: probes Dawn in a utilityProcess and, when it
 * cannot run there, the hidden window's WebGPU (chooseGpuHost). Returns the choice and, when it
 * is 'renderer', the open window to connect the trainer to (the caller closes it after the run).
 */
export async function decideGpuHost(opts: { mainDir: string; allowSoftware: boolean }): Promise<{ choice: GpuHostChoice; window: GpuHostWindow | null }> {
  const files = gpuHostFiles(opts.mainDir);
  const utility = await probeDawnInUtility(files.probeEntry);
  const first = chooseGpuHost({ utility, allowSoftware: opts.allowSoftware });
  if (first.host !== 'probe-renderer') return { choice: first, window: null };
  const window = openGpuHostWindow({ preload: files.preload });
  const choice = chooseGpuHost({ utility, renderer: await window.probe(), allowSoftware: opts.allowSoftware });
  if (choice.host !== 'renderer') {
    window.close();
    return { choice, window: null };
  }
  return { choice, window };
}
