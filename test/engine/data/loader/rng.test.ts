import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed, shuffleInPlace } from '../../../../electron/engine/data/rng';

test('the same seed parts give the same stream; different parts differ', () => {
  const a = Array.from({ length: 5 }, createRng(7, 1, 2).next);
  const b = Array.from({ length: 5 }, createRng(7, 1, 2).next);
  const c = Array.from({ length: 5 }, createRng(7, 1, 3).next);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notEqual(deriveSeed(1, 2), deriveSeed(2, 1));
});

test('numbers are uniform in [0, 1) and int(n) covers 0..n-1 evenly', () => {
  const rng = createRng(42);
  const counts = new Array<number>(10).fill(0);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
    const k = rng.int(10);
    counts[k] = (counts[k] as number) + 1;
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  for (const c of counts) assert.ok(c > 1800 && c < 2200, `bucket count ${c}`);
});

test('shuffle is a permutation and depends on the seed', () => {
  const a = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), createRng(1));
  const b = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), createRng(2));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(a, b);
});
