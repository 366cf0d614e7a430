import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WASM_THREADS, recommendWasmThreads } from '../../../electron/engine/backend/threads';
import { resolveThreads } from '../../../electron/engine/backend/index';

test('wasm threads follow the idle cores, leave one for the loader from 4 cores, 1 to 4', () => {
  // [cores, load average, threads]
  const table: Array<[number, number, number]> = [
    [2, 0, 2], // a quiet 2-core PC: both cores
    [2, 0.4, 2],
    [2, 0.6, 1], // another process holds most of a core: one thread waits for nobody
    [2, 1.5, 1],
    [2, 8, 1], // overloaded: still 1
    [1, 0, 1],
    [3, 0, 3],
    [4, 0, 3], // one core left to the data loader
    [8, 0, MAX_WASM_THREADS],
    [8, 5.2, 3],
    [16, 0, MAX_WASM_THREADS],
  ];
  for (const [cores, loadAverage, want] of table) {
    assert.equal(recommendWasmThreads({ cores, loadAverage }), want, `${cores} cores, load ${loadAverage}`);
  }
});

test('resolveThreads reads counts, auto and junk', () => {
  assert.equal(resolveThreads(undefined), 1);
  assert.equal(resolveThreads(3), 3);
  assert.equal(resolveThreads('2'), 2);
  assert.equal(resolveThreads('junk'), 1);
  assert.equal(resolveThreads(0), 1);
  const auto = resolveThreads('auto');
  assert.ok(auto >= 1 && auto <= MAX_WASM_THREADS);
});
