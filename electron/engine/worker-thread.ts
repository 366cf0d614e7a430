/**
 * Starts a worker thread on a module that sits beside the caller's file. From TypeScript
 * sources (tsx: tests, the CLI) the module is the .ts file and needs tsx's loader registered
 * inside the thread: on Node 20 `--import tsx` in a worker's execArgv does not install the
 * hooks, so a tiny boot script registers tsx through its API and then imports the module. A
 * bundled build ships `<name>.js` beside the caller and starts it directly.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread on `./<name>.ts` (sources) or `./<name>.js` (bundle) next to `callerUrl`
 * (the caller's import.meta.url), with `workerData`.
 */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const ext = extname(fileURLToPath(callerUrl));
  const target = new URL(`./${name}${ext}`, callerUrl);
  if (ext !== '.ts') return new Worker(target, { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(target.href)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}
