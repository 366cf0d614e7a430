import { app, BrowserWindow, dialog, Menu, Notification, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type AppHost, type KestrelAppCore } from '../app/index';
import { stepHostMessage, stepHostWanted, type StepHostLink } from '../engine/train/step-host';
import type { OpenDialogRequest } from '../shared/schemas/ipc/dialog';
import { utilityFork } from './fork';
import type { decideGpuHost } from './gpu-host';
import { bindIpc, sendEvent } from './ipc';
import { buildMenu } from './menu';
import { registerAppScheme, serveRenderer } from './protocol';
import { resourceEnv } from './resources';
import { RunFeedback, type RunNotice, type TaskbarBar } from './run-feedback';
import { APP_ORIGIN, trustedSender } from './security';
import { createMainWindow, preloadPath } from './window';

const here = dirname(fileURLToPath(import.meta.url));
const dev = !app.isPackaged && Boolean(process.env['ELECTRON_RENDERER_URL']);
/** electron-builder.yml's appId: Windows shows notifications only for the app's own AppUserModelID. */
const APP_USER_MODEL_ID = 'com.kestrel.defects';

// The shipped resources (pretrained weights, label font): for the engine in this process and the processes it starts.
Object.assign(process.env, resourceEnv({ packaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() }, process.env));

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();
if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

let win: BrowserWindow | null = null;
let core: KestrelAppCore | null = null;
/** The last notification, kept so that a click on it still reaches us (an unreferenced one may be collected). */
let lastNotice: Notification | null = null;

function showWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function drawBar(bar: TaskbarBar): void {
  if (win && !win.isDestroyed()) win.setProgressBar(bar.progress, { mode: bar.mode });
}

function showNotice(n: RunNotice): void {
  if (!Notification.isSupported()) return;
  lastNotice = new Notification({ title: n.title, body: n.body, ...(n.failure ? { urgency: 'critical' as const } : {}) });
  lastNotice.on('click', showWindow);
  lastNotice.show();
}

/**
 * Where the app's WebGPU training steps run, decided once (on the first run that may train on
 * WebGPU) by electron/main/gpu-host.ts: in the training process where Dawn loads there, else in
 * the hidden WebGPU renderer that this keeps open. Loaded on first use (it pulls in TF.js's core).
 */
let gpuHost: ReturnType<typeof decideGpuHost> | null = null;

/** The supervisor's stepHost: the hidden renderer's link for a run, or null (train in the process as usual). */
async function stepHostFor(): Promise<StepHostLink | null> {
  const want = stepHostWanted({ env: process.env['KESTREL_BACKEND'] });
  if (!want) return null;
  gpuHost ??= import('./gpu-host').then(async (m) => {
    const d = await m.decideGpuHost({ mainDir: here, allowSoftware: want.allowSoftware });
    // A crashed host window is decided (and opened) afresh for the next run.
    d.window?.onGone(() => {
      d.window?.close();
      gpuHost = null;
    });
    return d;
  });
  let decided: Awaited<ReturnType<typeof decideGpuHost>>;
  try {
    decided = await gpuHost;
  } catch (_err) {
    // The probe's module could not load: train in the process as usual (its ladder says what it uses).
    gpuHost = null;
    return null;
  }
  const { choice, window } = decided;
  if (choice.host !== 'renderer' || !window) return null;
  return { connect: (child) => child.postMessage(stepHostMessage(choice.reason), [window.connect()]) };
}

/** Closes the hidden WebGPU window (it would keep the app alive after the main window closed). */
function closeGpuHost(): void {
  void gpuHost?.then((d) => d.window?.close());
  gpuHost = null;
}

/** A run's progress on the taskbar / dock and its end as an OS notification (decided in run-feedback.ts). */
const feedback = new RunFeedback({ setBar: drawBar, notify: showNotice, locale: () => core?.settings.get().locale ?? 'en' });

function dialogOptions(req: OpenDialogRequest) {
  return {
    ...(req.title !== undefined ? { title: req.title } : {}),
    ...(req.defaultPath !== undefined ? { defaultPath: req.defaultPath } : {}),
    ...(req.filters !== undefined ? { filters: req.filters } : {}),
  };
}

const host: AppHost = {
  userDataDir: app.getPath('userData'),
  version: app.getVersion(),
  async openFolderDialog(req) {
    const opts = { ...dialogOptions(req), properties: ['openDirectory' as const] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  async openFileDialog(req) {
    const opts = { ...dialogOptions(req), properties: ['openFile' as const] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  async openPath(path) {
    const err = await shell.openPath(path);
    if (err) throw new Error(err);
  },
};

async function start(): Promise<void> {
  await app.whenReady();
  serveRenderer(join(here, '../renderer'));
  Menu.setApplicationMenu(buildMenu({ isMac: process.platform === 'darwin', dev }));
  core = await createApp({
    host,
    fork: utilityFork,
    workerEntry: join(here, 'trainer-entry.js'),
    lrFindEntry: join(here, 'lr-find-entry.js'),
    stepHost: stepHostFor,
    sink: {
      training: (p) => {
        sendEvent(win?.webContents ?? null, 'evt:training', p);
        feedback.training(p.runId, p.event);
      },
      runState: (p) => {
        sendEvent(win?.webContents ?? null, 'evt:run-state', p);
        feedback.runState(p);
      },
    },
  });
  bindIpc(core.handlers, trustedSender(() => win?.webContents ?? null, dev ? new URL(process.env['ELECTRON_RENDERER_URL']!).origin : null));
  openWindow();
}

function openWindow(): void {
  const settings = core!.settings;
  win = createMainWindow({
    preload: preloadPath(here),
    state: settings.get().window,
    onState: (s) => void settings.setWindow(s).catch(() => undefined),
  });
  win.on('closed', () => {
    win = null;
    closeGpuHost();
  });
  win.on('focus', () => feedback.focused());
  drawBar(feedback.current.bar);
  // The renderer always comes from kestrel://app/ (the dev server only in `electron-vite dev`).
  void win.loadURL(dev ? process.env['ELECTRON_RENDERER_URL']! : `${APP_ORIGIN}/index.html`);
}

app.on('second-instance', () => {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
app.on('activate', () => {
  if (core && BrowserWindow.getAllWindows().length === 0) openWindow();
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => {
  // Quitting kills the training process: that is no crash to notify about.
  feedback.quit();
  core?.supervisor.dispose();
  closeGpuHost();
});
// Nothing may create extra web contents (webviews, popups) behind our back.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

start().catch((err: unknown) => {
  dialog.showErrorBox('Kestrel could not start', err instanceof Error ? err.message : String(err));
  app.quit();
});
