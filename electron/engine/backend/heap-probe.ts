import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WASM_HEAP_MAX_BYTES } from './limits';

/**
 * Measures how many bytes of tensors the wasm heap really holds before an allocation fails.
 *
 * Why a child process: at the ceiling Emscripten may abort the module, which leaves the wasm
 * backend unusable for the rest of the process. Run with `node --import tsx heap-probe.ts --probe`
 * it mallocs blocks until malloc fails and prints the total as JSON.
 */

async function probe(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const wasm = (tf.backend() as unknown as { wasm: { _malloc: (n: number) => number; HEAPU8: Uint8Array } }).wasm;
  // At the ceiling malloc does not throw: it answers 0, or (dlmalloc's arithmetic wrapping at
  // 4 GiB) a block that runs past the end of the heap. Either is the silent failure the backend
  // would write through. Big blocks first, then smaller ones to fill the rest.
  let bytes = 0;
  for (const block of [64 * 2 ** 20, 2 ** 20, 64 * 2 ** 10]) {
    for (;;) {
      const p = wasm._malloc(block) >>> 0;
      if (p === 0 || p + block > WASM_HEAP_MAX_BYTES) break;
      bytes += block;
    }
  }
  process.stdout.write(`${JSON.stringify({ bytes, heapBytes: wasm.HEAPU8.length })}\n`);
  process.exit(0);
}

/** Result of {@link measureWasmHeapLimit}. */
export interface HeapProbeResult {
  /** Bytes malloc handed out before it failed (to 64 KiB). */
  bytes: number;
  /** Size the heap had grown to then. */
  heapBytes: number;
}

/** Runs the probe in a child process (needs up to ~4 GiB of RAM for a few seconds). */
export function measureWasmHeapLimit(timeoutMs = 120_000): Promise<HeapProbeResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), self, '--probe'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`heap probe exited with ${code} and no result`));
      resolve(JSON.parse(line) as HeapProbeResult);
    });
  });
}

if (process.argv.includes('--probe') && process.argv[1] === fileURLToPath(import.meta.url)) void probe();
