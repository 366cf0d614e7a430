import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, normalize, relative } from 'node:path';
import { APP_HOST, APP_SCHEME, CSP } from './security';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Must run before `app.ready`: makes kestrel:// a standard, secure scheme (origin, CSP 'self'). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Maps a kestrel://app/... URL to a file inside `root`, or null for anything outside it. */
export function resolveAppFile(root: string, url: string): string | null {
  const u = new URL(url);
  if (u.host !== APP_HOST) return null;
  const path = decodeURIComponent(u.pathname) === '/' ? '/index.html' : decodeURIComponent(u.pathname);
  const file = normalize(join(root, path));
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return file;
}

/**
 * Serves the built renderer (out/renderer, inside the asar when packaged) on kestrel://app/,
 * with the CSP as a header too. No network is involved: the app works offline by construction.
 */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const file = resolveAppFile(root, req.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch (_err) {
      return new Response('Not found', { status: 404 });
    }
  });
}
