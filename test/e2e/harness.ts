/**
 * Browser-test harness: the BUILT renderer (out/renderer) served on 127.0.0.1, Debian's
 * Chromium driven by playwright-core, and `window.api` bridged over HTTP on 127.0.0.1 to the
 * real electron/app handlers (real engine, real training process forked with Node).
 *
 * Page -> exposeBinding (CDP, not network: the page's CSP forbids all connections) -> this
 * process -> HTTP POST 127.0.0.1/api/<channel> -> dispatch() -> handlers. Events go the other
 * way over a server-sent-event stream, then page.evaluate.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createApp, dispatch, nodeFork, type AppHost, type KestrelAppCore } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import { generateDemoDataset, type DemoOptions } from '../../electron/engine/data/demo/index';
import { CHANNELS, EVENTS } from '../../electron/shared/ipc-channels';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER_DIR = join(ROOT, 'out/renderer');
export const CHROMIUM = process.env['KESTREL_CHROMIUM'] ?? '/usr/bin/chromium';
export const WORKER_ENTRY = join(ROOT, 'electron/worker/trainer-entry.ts');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const VIEWPORT = { width: 1366, height: 768 };

/** Why the browser tests cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (!existsSync(CHROMIUM)) {
    return `SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium (apt-get install chromium) or set KESTREL_CHROMIUM to run the browser tests.`;
  }
  return null;
}

/** The newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

/**
 * Builds the app with electron-vite (renderer, main, the training process entry) when the
 * output is missing or older than its sources, so the tests never run a stale bundle. Test
 * files run two at a time: a lock folder makes one build while the other waits, so neither
 * serves or forks a half-written out/.
 */
export function ensureRendererBuilt(): void {
  const outputs = [join(RENDERER_DIR, 'index.html'), join(ROOT, 'out/main/trainer-entry.js'), join(ROOT, 'out/main/worker.js')];
  const fresh = () => {
    const built = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
    const sources = Math.max(newest(join(ROOT, 'renderer')), newest(join(ROOT, 'electron')), statSync(join(ROOT, 'electron.vite.config.ts')).mtimeMs);
    return built > sources && process.env['KESTREL_E2E_REBUILD'] !== '1';
  };
  if (fresh()) return;
  const lock = join(ROOT, 'out', '.build-lock');
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for another test's build (remove ${lock} if no build is running)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (fresh()) return; // the other test built it while we waited
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('electron-vite build failed; the browser tests need the built app');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The answers the test gives to native dialogs (a queue: each dialog takes the next one). */
export interface DialogScript {
  folders: (string | null)[];
  files: (string | null)[];
}

/** A running bridge: the static server, the app core behind it, and a cleanup. */
export interface Bridge {
  baseUrl: string;
  core: KestrelAppCore;
  userDataDir: string;
  dialogs: DialogScript;
  opened: string[];
  close(): Promise<void>;
}

/** Options of {@link startBridge}. */
export interface BridgeOptions {
  /**
   * The built-in demo set the "Use the built-in demo set" button generates (the UI's own path):
   * the tests ask for a small one so that training two epochs takes seconds, not minutes.
   */
  demo?: DemoOptions;
}

/** Starts the HTTP server on 127.0.0.1 that serves out/renderer and the app's channels. */
export async function startBridge(opts: BridgeOptions = {}): Promise<Bridge> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kestrel-e2e-userdata-'));
  const dialogs: DialogScript = { folders: [], files: [] };
  const opened: string[] = [];
  const streams = new Set<ServerResponse>();
  const broadcast = (event: string, payload: unknown) => {
    const line = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(line);
  };
  const host: AppHost = {
    userDataDir,
    version: '0.0.0-e2e',
    openFolderDialog: async () => dialogs.folders.shift() ?? null,
    openFileDialog: async () => dialogs.files.shift() ?? null,
    openPath: async (p) => void opened.push(p),
  };
  const demo = opts.demo;
  const core = await createApp({
    host,
    ...(demo ? { engine: { ...realEngine, generateDemoDataset: (dir: string) => generateDemoDataset(dir, demo) } } : {}),
    fork: nodeFork,
    workerEntry: WORKER_ENTRY,
    sink: { training: (p) => broadcast('evt:training', p), runState: (p) => broadcast('evt:run-state', p) },
  });

  const server: Server = createServer((req, res) => void route(req, res));
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      const channel = decodeURIComponent(url.pathname.slice(5));
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch (_err) {
        payload = undefined;
      }
      const result = await dispatch(core.handlers, channel, payload);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': ok\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const path = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(RENDERER_DIR, path));
    if (relative(RENDERER_DIR, file).startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch (_err) {
      res.writeHead(404).end();
    }
  }
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    core,
    userDataDir,
    dialogs,
    opened,
    async close() {
      core.supervisor.dispose();
      for (const s of streams) s.end();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh Chromium (own user-data folder) with one 1366x768 page whose window.api goes to the bridge. */
export async function openBrowser(bridge: Bridge): Promise<{ context: BrowserContext; page: Page; errors: string[]; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'kestrel-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORT,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });

  await page.exposeBinding('__kestrelInvoke', async (_src, channel: string, payload: unknown) => {
    const r = await fetch(`${bridge.baseUrl}/api/${encodeURIComponent(channel)}`, { method: 'POST', body: JSON.stringify(payload ?? null) });
    return r.json();
  });
  await page.addInitScript(
    ({ channels, events }) => {
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const api: Record<string, unknown> = {};
      const w = window as unknown as Record<string, unknown> & { __kestrelInvoke: (c: string, p: unknown) => Promise<unknown> };
      for (const ch of channels) {
        const [a, b] = ch.split(':') as [string, string];
        api[a + b.charAt(0).toUpperCase() + b.slice(1)] = (req: unknown) => w.__kestrelInvoke(ch, req ?? {});
      }
      api['on'] = (ev: string, fn: (p: unknown) => void) => {
        if (!(events as string[]).includes(ev)) throw new Error(`Unknown event ${ev}`);
        if (!listeners.has(ev)) listeners.set(ev, new Set());
        listeners.get(ev)!.add(fn);
        return () => listeners.get(ev)!.delete(fn);
      };
      w['api'] = Object.freeze(api);
      w['__kestrelEmit'] = (ev: string, payload: unknown) => listeners.get(ev)?.forEach((fn) => fn(payload));
    },
    { channels: [...CHANNELS], events: [...EVENTS] },
  );

  // Relay the bridge's events into the page.
  const abort = new AbortController();
  void (async () => {
    try {
      const r = await fetch(`${bridge.baseUrl}/events`, { signal: abort.signal });
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) await page.evaluate(([n, p]) => (window as unknown as { __kestrelEmit: (n: string, p: unknown) => void }).__kestrelEmit(n, JSON.parse(p)), [ev, data] as const).catch(() => undefined);
        }
      }
    } catch (_err) {
      // The stream ends when the test closes the bridge.
    }
  })();

  return {
    context,
    page,
    errors,
    async close() {
      abort.abort();
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-window screenshot as test-artifacts/<name>.png. */
export async function shot(page: Page, name: string): Promise<string> {
  const file = join(ARTIFACTS, `${name}.png`);
  // Each step from its top, as the engineer first sees it (filling a field may have scrolled it).
  await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
