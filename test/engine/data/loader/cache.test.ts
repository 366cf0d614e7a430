import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, DiskCache, estimateCacheBytes, RamCache } from '../../../../electron/engine/data/cache';
import type { ImageRecord } from '../../../../electron/shared/schemas/dataset';
import { tempDir } from './helpers';

const rec = (w: number, h: number): ImageRecord => ({ id: 'x', file: '/x.jpg', width: w, height: h, boxes: [], labelFile: null });

test('the cache estimate counts letterboxed bytes, whatever the source size', () => {
  assert.equal(estimateCacheBytes([rec(4000, 3000), rec(20, 20)], 224), 2 * (224 * 224 * 3 + 4));
  assert.equal(estimateCacheBytes([], 640), 0);
});

test('RAM cache slots are empty until filled and hold what was put', () => {
  const c = RamCache.create(3, 8);
  assert.equal(c.get(1), null);
  const px = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => i % 251);
  c.put(1, px);
  assert.deepEqual(c.get(1), px);
  assert.equal(c.get(0), null);
  assert.equal(c.filled(), 1);
  // A second view over the same shared state (what a worker gets) sees the same pixels.
  assert.deepEqual(new RamCache(c.state).get(1), px);
});

test('the disk cache key changes with content, source size and input size', () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([1, 2, 4]);
  const k = cacheKey(a, rec(10, 10), 224);
  assert.equal(k, cacheKey(a, rec(10, 10), 224));
  assert.notEqual(k, cacheKey(b, rec(10, 10), 224));
  assert.notEqual(k, cacheKey(a, rec(10, 12), 224));
  assert.notEqual(k, cacheKey(a, rec(10, 10), 256));
});

test('the disk cache returns what was stored and ignores short files', async () => {
  const t = tempDir();
  try {
    const c = new DiskCache(t.dir);
    assert.equal(await c.get('k', 6), null);
    await c.put('k', new Uint8Array([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(Array.from((await c.get('k', 6)) ?? []), [1, 2, 3, 4, 5, 6]);
    assert.equal(await c.get('k', 12), null);
  } finally {
    t.cleanup();
  }
});
