import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KestrelError } from '../../../electron/shared/errors';
import { initBackend } from '../../../electron/engine/backend/index';
import { assertFiniteLoss, isAllocationFailureText, takeAllocationFailures, toOutOfMemory } from '../../../electron/engine/backend/limits';

const code = (f: () => void) => {
  try {
    f();
    return 'none';
  } catch (err) {
    return err instanceof KestrelError ? err.code : 'other';
  }
};

test('an XNNPACK allocation warning during a step turns a good-looking loss into OUT_OF_MEMORY', async () => {
  await initBackend({ force: 'wasm' });
  takeAllocationFailures();
  assert.equal(code(() => assertFiniteLoss(1.25, 3)), 'none');
  // What the wasm module prints (through console.warn, which the backend watches).
  const warn = console.warn;
  console.warn = () => {};
  try {
    // The watcher wraps the console.warn it found; call through it.
    warn('XNN status for xnn_create_convolution2d_nhwc_f32 is not successful. Got status 6. Use -c dbg to see XNN logs.');
  } finally {
    console.warn = warn;
  }
  assert.equal(code(() => assertFiniteLoss(1.25, 4)), 'OUT_OF_MEMORY');
  // Reported once: the next step starts clean.
  assert.equal(code(() => assertFiniteLoss(1.25, 5)), 'none');
  assert.equal(code(() => assertFiniteLoss(Number.NaN, 6)), 'LOSS_NOT_FINITE');
});

test('thrown allocation errors map to OUT_OF_MEMORY, others pass through', () => {
  const oom = toOutOfMemory(new WebAssembly.RuntimeError('Aborted(OOM). Build with -sASSERTIONS for more info.'));
  assert.ok(oom instanceof KestrelError && oom.code === 'OUT_OF_MEMORY');
  const other = new Error('shape mismatch');
  assert.equal(toOutOfMemory(other), other);
  assert.ok(isAllocationFailureText('Cannot enlarge memory arrays to size 4294967296 bytes'));
  assert.ok(!isAllocationFailureText('loss 0.5'));
});

test('filling the real wasm heap is detected as OUT_OF_MEMORY (child process)', () => {
  // Allocates (without touching) until malloc fails at the 4 GiB ceiling, then checks a loss.
  const script = `
    import { initBackend, assertFiniteLoss } from './electron/engine/backend/index';
    import * as tf from '@tensorflow/tfjs-core';
    await initBackend({ force: 'wasm' });
    const wasm = tf.backend().wasm;
    for (let i = 0; i < 80; i++) if (wasm._malloc(64 * 2 ** 20) === 0) break;
    try { assertFiniteLoss(0.5, 1); console.log('RESULT none'); }
    catch (e) { console.log('RESULT ' + e.code); }
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.match(r.stdout, /RESULT OUT_OF_MEMORY/, r.stderr);
});
