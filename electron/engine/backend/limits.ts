import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';

/**
 * Memory limits of the wasm backend and detection of allocation failures.
 *
 * Why: the wasm heap cannot grow past 4 GiB (32-bit addresses; tfjs's Emscripten build caps it
 * at 4 GiB - 64 KiB), whatever RAM the PC has, so the planner must size batches against it. At
 * the ceiling XNNPACK fails to create its operator, prints a warning and returns without
 * writing the output: the step goes on with garbage and only the next one aborts. Kestrel
 * watches for those warnings and turns them, and Emscripten's out-of-memory aborts, into an
 * OUT_OF_MEMORY error the trainer recovers from (smaller batch) instead of a wrong loss.
 */

/** Largest heap the wasm module may grow to: getHeapMax() of tfjs-backend-wasm 4.22's build. */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/**
 * Bytes malloc hands out before it fails, as measured by measureWasmHeapLimit (heap-probe.ts:
 * blocks of 64 MiB, then 1 MiB, then 64 KiB until one fails, in a child process) with
 * tfjs-backend-wasm 4.22 on Node 20: the ceiling minus the module's static data and stack.
 * The planner's memory limit for wasm; it must keep its own margin for XNNPACK's workspace
 * and fragmentation, which this figure does not include.
 */
export const WASM_USABLE_HEAP_BYTES = 4294770688;

const FAILURE_PATTERNS = [
  /XNN status for \S+ is not successful/,
  /Cannot enlarge memory/i,
  /Aborted\(OOM\)/,
  /out of memory/i,
  /Array buffer allocation failed/i,
  // WebGPU (webgpu.ts records the device's uncaptured errors and its loss): an allocation that
  // failed, a buffer over the adapter's limits, or a device lost (drivers drop it on exhaustion).
  /GPUOutOfMemoryError/,
  /WebGPU device lost/i,
  /exceeds the max(imum)? buffer size|maxStorageBufferBindingSize|maxBufferSize/i,
];

/** True when a message or error text says an allocation failed. */
export function isAllocationFailureText(text: string): boolean {
  return FAILURE_PATTERNS.some((p) => p.test(text));
}

let failures: string[] = [];
let watching = false;

/**
 * Starts recording allocation-failure warnings of the wasm module (idempotent). Must run
 * before the wasm backend initialises: Emscripten binds console.warn when the module is created.
 */
export function watchAllocationFailures(): void {
  if (watching) return;
  watching = true;
  for (const name of ['warn', 'error'] as const) {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (isAllocationFailureText(text)) failures.push(text);
      original.apply(console, args);
    };
  }
}

interface WasmModuleLike {
  _malloc: (n: number) => number;
  _free: (p: number) => void;
  HEAPU8: Uint8Array;
}

const hooked = new WeakSet<object>();

/**
 * Wraps the wasm module's malloc so a failed allocation is recorded (idempotent per module).
 * At the ceiling malloc answers 0, or a block running past the 4 GiB end (dlmalloc's arithmetic
 * wraps), without throwing; tfjs would then write a tensor over the start of the heap.
 */
export function watchWasmMalloc(): void {
  const mod = (tf.findBackend('wasm') as unknown as { wasm?: WasmModuleLike } | null)?.wasm;
  if (!mod || hooked.has(mod)) return;
  hooked.add(mod);
  // Emscripten's first call replaces Module._malloc by the raw export: make it happen now, so
  // it does not overwrite the wrapper below.
  mod._free(mod._malloc(8));
  const malloc = mod._malloc;
  mod._malloc = (n: number) => {
    const p = malloc(n);
    const at = p >>> 0;
    if (n > 0 && (at === 0 || at + n > WASM_HEAP_MAX_BYTES)) {
      failures.push(`malloc of ${n} bytes failed (the WebAssembly heap is at its 4 GiB limit)`);
    }
    return p;
  };
}

/** Allocation failures recorded since the last check, and forgets them. */
export function takeAllocationFailures(): string[] {
  const out = failures;
  failures = [];
  return out;
}

/** Records a failure seen elsewhere (a test, a worker's stderr). */
export function recordAllocationFailure(text: string): void {
  failures.push(text);
}

/** Bytes the wasm heap has grown to now, or null on another backend. */
export function wasmHeapBytes(): number | null {
  const b = tf.findBackend('wasm') as unknown as { wasm?: { HEAPU8?: Uint8Array } } | undefined;
  if (tf.getBackend() !== 'wasm') return null;
  return b?.wasm?.HEAPU8?.length ?? null;
}

/** The OUT_OF_MEMORY error the trainer recovers from (halving the batch). */
export function outOfMemoryError(detail: string, extra: Record<string, unknown> = {}): KestrelError {
  return new KestrelError('OUT_OF_MEMORY', reason('OUT_OF_MEMORY', { detail }).message, { detail, ...extra });
}

/**
 * Checks a step's loss (read from the device by the caller) before it is trusted.
 *
 * Throws OUT_OF_MEMORY when an allocation failed during the step (even if the loss looks fine,
 * since it was computed from garbage), or when the loss is not finite while the wasm heap is
 * nearly full; LOSS_NOT_FINITE when it diverged otherwise.
 */
export function assertFiniteLoss(loss: number, step = 0): void {
  const seen = takeAllocationFailures();
  if (seen.length > 0) throw outOfMemoryError(seen[0]!, { step, failures: seen.length });
  if (Number.isFinite(loss)) return;
  const heap = wasmHeapBytes();
  if (heap !== null && heap > 0.9 * WASM_HEAP_MAX_BYTES) {
    throw outOfMemoryError(`the WebAssembly heap is at ${Math.round(heap / 2 ** 20)} MiB of its 4 GiB limit`, { step });
  }
  throw new KestrelError('LOSS_NOT_FINITE', reason('LOSS_NOT_FINITE', { value: String(loss), step }).message, { step, loss });
}

/** Maps an error thrown by a step: allocation failures become OUT_OF_MEMORY, others pass. */
export function toOutOfMemory(err: unknown): unknown {
  if (err instanceof KestrelError) return err;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return isAllocationFailureText(text) ? outOfMemoryError(text, { fatal: true }) : err;
}
