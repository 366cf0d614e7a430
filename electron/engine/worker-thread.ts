/**
 * Starts a worker thread on a module that sits beside the caller's file. From TypeScript
 * sources (tsx: tests, the CLI) the module is the .ts file and needs tsx's loader registered
 * inside the thread: on Node 20 `--import tsx` in a worker's execArgv does not install the
 * hooks, so a tiny boot script registers tsx through its API and then imports the module. A
 * bundled build ships `<name>.js` beside the caller and starts it directly.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread on `./<name>.ts` (sources) or `./<name>.js` (bundle) next to `callerUrl`
 * (the caller's import.meta.url), with `workerData`.
 */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const ext = extname(fileURLToPath(callerUrl));
  if (ext !== '.ts') return new Worker(bundledModule(callerUrl, name), { workerData });
  const target = new URL(`./${name}${ext}`, callerUrl);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(target.href)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}

/**
 * Where a bundled build keeps `<name>.js`: beside the caller, or one folder up when the bundler
 * put the caller's code into a shared chunk (out/main/chunks/*.js beside out/main/<name>.js).
 */
export function bundledModule(callerUrl: string, name: string): URL {
  const dir = dirname(fileURLToPath(callerUrl));
  const candidates = [join(dir, `${name}.js`), ...(basename(dir) === 'chunks' ? [join(dir, '..', `${name}.js`)] : [])];
  return pathToFileURL(candidates.find((f) => existsSync(f)) ?? candidates[0]!);
}
