import { app, BrowserWindow, dialog, Menu, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type AppHost, type KestrelAppCore } from '../app/index';
import type { OpenDialogRequest } from '../shared/schemas/ipc/dialog';
import { utilityFork } from './fork';
import { bindIpc, sendEvent } from './ipc';
import { buildMenu } from './menu';
import { registerAppScheme, serveRenderer } from './protocol';
import { APP_ORIGIN, trustedSender } from './security';
import { createMainWindow, preloadPath } from './window';

const here = dirname(fileURLToPath(import.meta.url));
const dev = !app.isPackaged && Boolean(process.env['ELECTRON_RENDERER_URL']);

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let win: BrowserWindow | null = null;
let core: KestrelAppCore | null = null;

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
    sink: {
      training: (p) => sendEvent(win?.webContents ?? null, 'evt:training', p),
      runState: (p) => sendEvent(win?.webContents ?? null, 'evt:run-state', p),
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
  win.on('closed', () => (win = null));
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
app.on('before-quit', () => core?.supervisor.dispose());
// Nothing may create extra web contents (webviews, popups) behind our back.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

start().catch((err: unknown) => {
  dialog.showErrorBox('Kestrel could not start', err instanceof Error ? err.message : String(err));
  app.quit();
});
