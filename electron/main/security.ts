import type { IpcMainInvokeEvent, WebContents, WebPreferences } from 'electron';

/** The scheme and host the app's pages are served from (see protocol.ts). */
export const APP_SCHEME = 'kestrel';
export const APP_HOST = 'app';
/** The origin of the app's pages. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The Content Security Policy of every page: only the app's own scripts and styles, images
 * from the app or data: URLs (thumbnails), no network at all, no frames, no plugins.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** True when a URL is one of the app's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch (_err) {
    return false;
  }
}

/**
 * Builds the sender check of main's IPC handle wrapper: the message must come from our
 * window's web contents and from its top frame showing an app page (not an injected frame,
 * not a page it was navigated to).
 */
export function trustedSender(getContents: () => WebContents | null, devOrigin: string | null = null) {
  return (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean => {
    const ours = getContents();
    if (!ours || event.sender !== ours) return false;
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null) return false;
    if (isAppUrl(frame.url)) return true;
    return devOrigin !== null && safeOrigin(frame.url) === devOrigin;
  };
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch (_err) {
    return null;
  }
}

/**
 * Keeps a window's page on the app: navigation and redirects off the app's origin and webviews
 * are refused (new windows are each caller's own decision: setWindowOpenHandler).
 */
export function lockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/**
 * The web preferences of every Kestrel window (the main window and the hidden GPU host): a
 * sandboxed, context-isolated renderer without Node, whose only bridge is its preload; no
 * insecure content, no webview, no spellchecker (it would download dictionaries), no navigation
 * by dropping a file.
 */
export function lockedWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  };
}
