import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { ARTIFACTS, ROOT, ensureRendererBuilt } from './harness';

/** The Electron binary npm installed, or null (ELECTRON_SKIP_BINARY_DOWNLOAD=1 leaves none). */
function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
const skip = bin
  ? false
  : 'SKIPPED: no Electron binary here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); run `node node_modules/electron/install.js` with network access to run the Electron smoke test.';
if (skip) console.log(`[e2e] ${skip}`);

test('Electron smoke: the packaged main process opens the locked-down window and answers IPC', { skip, timeout: 180_000 }, async () => {
  ensureRendererBuilt();
  if (!existsSync(join(ROOT, 'out/main/index.js'))) throw new Error('out/main/index.js is missing: run `npx electron-vite build`');
  const userData = mkdtempSync(join(tmpdir(), 'kestrel-electron-smoke-'));
  const app = await electron.launch({
    executablePath: bin!,
    args: [ROOT, `--user-data-dir=${userData}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' } as Record<string, string>,
  });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    assert.match(page.url(), /^kestrel:\/\/app\//);
    // The page sees window.api and nothing of Node.
    const shape = await page.evaluate(() => ({
      api: typeof (window as unknown as { api?: unknown }).api,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    assert.deepEqual(shape, { api: 'object', require: 'undefined', process: 'undefined' });
    const info = await page.evaluate(() => (window as unknown as { api: { appInfo: (r: object) => Promise<{ ok: boolean }> } }).api.appInfo({}));
    assert.equal(info.ok, true);
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0]!;
      // Undocumented in the typings but present at run time: the preferences the page really got.
      const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
      return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration };
    });
    assert.deepEqual(prefs, { contextIsolation: true, sandbox: true, nodeIntegration: false });
    await page.getByTestId('machine').waitFor({ timeout: 60_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'electron-smoke.png') });
  } finally {
    await app.close();
    rmSync(userData, { recursive: true, force: true });
  }
});
