import { BrowserWindow, screen, shell } from 'electron';
import { join } from 'node:path';
import type { WindowState } from '../shared/schemas/ipc/settings';
import { APP_ORIGIN, lockedWebPreferences, lockNavigation } from './security';

/** Default size: comfortable on a 1366x768 laptop screen, the smallest the wizard is made for. */
const DEFAULT_STATE: WindowState = { width: 1280, height: 760, maximized: false };

/** Keeps a saved window position only when it is still on one of today's screens. */
export function usableState(saved: WindowState | null): WindowState {
  if (!saved) return DEFAULT_STATE;
  if (saved.x === undefined || saved.y === undefined) return saved;
  const { x, y, width, height } = saved;
  const visible = screen.getAllDisplays().some((d) => {
    const a = d.workArea;
    return x + 50 < a.x + a.width && x + width - 50 > a.x && y >= a.y - 10 && y + 40 < a.y + a.height;
  });
  return visible ? saved : { width, height, maximized: saved.maximized };
}

/**
 * Creates the one window, locked down: isolated context, sandboxed renderer, no Node,
 * no navigation away from the app, no new windows, no permission grants.
 */
export function createMainWindow(opts: { preload: string; state: WindowState | null; onState: (s: WindowState) => void }): BrowserWindow {
  const state = usableState(opts.state);
  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Kestrel',
    backgroundColor: '#f5f6f8',
    webPreferences: lockedWebPreferences(opts.preload),
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  const contents = win.webContents;
  lockNavigation(contents);
  contents.setWindowOpenHandler(({ url }) => {
    // Only the project's own help pages may leave the app, and then in the user's browser.
    if (url.startsWith('https://github.com/')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  contents.session.setPermissionCheckHandler(() => false);
  // No request leaves the machine: everything the app shows comes from kestrel:// or data: URLs.
  contents.session.webRequest.onBeforeRequest((details, cb) => {
    const ok = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith('data:') || details.url.startsWith('devtools:');
    cb({ cancel: !ok });
  });

  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      if (win.isDestroyed()) return;
      const b = win.getNormalBounds();
      opts.onState({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
    }, 400);
  };
  win.on('resize', save);
  win.on('move', save);
  win.on('maximize', save);
  win.on('unmaximize', save);
  return win;
}

/** The preload script next to the main bundle. */
export function preloadPath(mainDir: string): string {
  return join(mainDir, '../preload/index.cjs');
}
