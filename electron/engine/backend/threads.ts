import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Multi-threaded WebAssembly in Node, which tfjs turns off there on purpose.
 *
 * Why: XNNPACK's thread pool makes a forward conv 1.6-2x faster on 2 cores. tfjs refuses
 * threads in Node because Emscripten's pthread workers are handed as Blob URLs, which Node's
 * worker_threads cannot load. The shim: claim thread support (a tfjs flag), hand the workers a
 * real file (Emscripten's own worker script plus a line that points its "load" message at the
 * module's file in node_modules instead of the Blob), make os.cpus() report 2 x threads while
 * the module starts (its C++ caps the pool at logical cores / 2, taken from os.cpus(), so a
 * 2-core PC gets 1 thread), then unref the workers so they do not keep the process alive.
 * Must run before the wasm backend first initialises.
 */

const nodeRequire = createRequire(import.meta.url);

/** What the shim achieved; `error` says why not when it could not be set up. */
export interface ThreadShimResult {
  ok: boolean;
  error?: string;
}

let shimDir: string | null = null;
let restorePatches: (() => void) | null = null;

/** Writes the worker script that loads the threaded module from its file (once per process). */
function writeWorkerScript(): string {
  const workerModule = nodeRequire('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  const mainScript = nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  if (shimDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'kestrel-wasm-'));
    shimDir = dir;
    // Workers read the file once, at start-up; it is not needed after the process.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(shimDir!, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  // The worker sets self.onmessage; wrap it so the "load" command imports the module by path.
  const patch = `
;(function(){var orig=self.onmessage;self.onmessage=function(e){
if(e&&e.data&&e.data.cmd==="load"&&typeof e.data.urlOrBlob!=="string"){e.data.urlOrBlob=${JSON.stringify(mainScript)};}
return orig(e);};})();`;
  // As tfjs does for its Blob: the template literal the script ships in turned "\n" escapes
  // inside its string literals into real newlines, which would end those strings.
  writeFileSync(path, workerModule.wasmWorkerContents.replace(/\n/g, '\\n') + patch);
  return path;
}

/**
 * Prepares the wasm backend to start `threads` XNNPACK threads. Call before the first
 * tf.setBackend('wasm'); then call {@link finishWasmThreads} once it has initialised.
 */
export function prepareWasmThreads(threads: number, setThreadsCount: (n: number) => void): ThreadShimResult {
  try {
    if (typeof SharedArrayBuffer === 'undefined') return { ok: false, error: 'SharedArrayBuffer is not available' };
    const workerPath = writeWorkerScript();
    const original = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (obj: Blob | MediaSource) =>
      obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : original(obj as Blob);
    const os = nodeRequire('node:os') as { cpus: () => unknown[] };
    const cpus = os.cpus;
    os.cpus = () => {
      const real = cpus();
      return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % Math.max(1, real.length)]);
    };
    restorePatches = () => {
      URL.createObjectURL = original;
      os.cpus = cpus;
    };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

interface PThreadLike {
  unusedWorkers?: Array<{ unref?: () => void }>;
  runningWorkers?: Array<{ unref?: () => void }>;
  pthreads?: Record<string, { unref?: () => void }>;
  terminateAllThreads?: () => void;
}

function pthreadOf(backend: unknown): PThreadLike | undefined {
  return (backend as { wasm?: { PThread?: PThreadLike } } | undefined)?.wasm?.PThread;
}

/** After init: restores URL.createObjectURL and os.cpus, and lets the process exit while workers idle. */
export function finishWasmThreads(): void {
  restorePatches?.();
  restorePatches = null;
  const pt = pthreadOf(tf.findBackend('wasm'));
  if (!pt) return;
  for (const w of [...(pt.unusedWorkers ?? []), ...(pt.runningWorkers ?? []), ...Object.values(pt.pthreads ?? {})]) w.unref?.();
}

/** Stops the wasm worker threads (before exit, or after a failed init). */
export function stopWasmThreads(): void {
  pthreadOf(tf.findBackend('wasm'))?.terminateAllThreads?.();
}

/** What the wasm thread decision looks at: the machine's cores and how busy they already are. */
export interface ThreadContext {
  /** Logical cores (os.availableParallelism()). */
  cores: number;
  /** 1-minute load average (os.loadavg()[0]); 0 where the OS has none (Windows). */
  loadAverage: number;
}

/** Most XNNPACK threads Kestrel asks for: the step's element-wise half runs on one thread anyway. */
export const MAX_WASM_THREADS = 4;

/**
 * XNNPACK threads for training on wasm, from the cores and the load already on them.
 *
 * Why: measured on 2 cores (scale n, 224 px, batch 16), 2 threads train 1.2-1.3x faster than 1
 * when the cores are free, but 1.3-2x SLOWER when another process keeps a core busy: the pool
 * waits for its slowest thread at every convolution. So take the cores that are idle now
 * (cores minus the load average, rounded), leave one for the data loader once there are 4 or
 * more, at least 1 and at most {@link MAX_WASM_THREADS}. Pure, so it is tested on tables.
 */
export function recommendWasmThreads(ctx: ThreadContext): number {
  const cores = Math.max(1, Math.floor(ctx.cores));
  const idle = Math.round(cores - Math.max(0, ctx.loadAverage));
  const cap = Math.min(MAX_WASM_THREADS, cores >= 4 ? cores - 1 : cores);
  return Math.max(1, Math.min(cap, idle));
}
