// Tiling a training split (electron/engine/data/tiles.ts) on hand-computed grids: which tiles,
// which boxes are clipped or dropped as slivers, and how many background tiles are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, ImageRecord } from '../../../electron/shared/schemas/dataset';
import { clipBoxesToTile, tileSamples, TRAIN_TILE_RULES } from '../../../electron/engine/data/tiles';

const rec = (id: string, width: number, height: number, boxes: Array<[number, number, number, number]>): ImageRecord => ({
  id,
  file: `/data/${id}.jpg`,
  width,
  height,
  boxes: boxes.map(([x1, y1, x2, y2]): Box => ({ x1, y1, x2, y2, cls: 0 })),
  labelFile: null,
});

const corners = (b: Box) => [b.x1, b.y1, b.x2, b.y2];

test('clipBoxesToTile keeps boxes with at least minVisible of their area inside, clipped into tile pixels', () => {
  const tile = { x: 200, y: 100, width: 200, height: 200 };
  const boxes: Box[] = [
    { x1: 194, y1: 250, x2: 214, y2: 270, cls: 1 }, // 14 of 20 px wide inside: 0.7 -> kept, clipped
    { x1: 390, y1: 150, x2: 410, y2: 160, cls: 0, difficult: true }, // 10 of 20: 0.5 -> kept, flags carried
    { x1: 185, y1: 120, x2: 205, y2: 140, cls: 2 }, // 5 of 20: 0.25 -> sliver
    { x1: 0, y1: 0, x2: 50, y2: 50, cls: 0 }, // outside
  ];
  const out = clipBoxesToTile(boxes, tile, 0.4);
  assert.deepEqual(out.boxes.map(corners), [
    [0, 150, 14, 170],
    [190, 50, 200, 60],
  ]);
  assert.deepEqual(out.boxes.map((b) => b.cls), [1, 0]);
  assert.equal(out.boxes[1]!.difficult, true);
  assert.equal(out.slivers, 1);
  assert.equal(out.touched, true);
  // Exactly at the limit is kept (8 of 20 px = 0.4).
  assert.equal(clipBoxesToTile([{ x1: 192, y1: 150, x2: 212, y2: 160, cls: 0 }], tile, 0.4).boxes.length, 1);
  assert.deepEqual(clipBoxesToTile([{ x1: 0, y1: 0, x2: 5, y2: 5, cls: 0 }], tile, 0.4), { boxes: [], slivers: 0, touched: false });
});

test('tileSamples: a 400x300 image at 200 px, 20% overlap -> the 3x2 grid, object, sliver-only and background tiles', () => {
  // tileGrid: x starts 0, 100, 200 (stride 160 -> 3 tiles flush with the end), y starts 0, 100.
  const a = rec('a', 400, 300, [
    [150, 20, 170, 40], // A: inside tiles (0,0) and (100,0)
    [194, 250, 214, 270], // B: whole in (100,100), 70% in (200,100), a 30% sliver in (0,100)
  ]);
  const small = rec('small', 150, 150, [[10, 10, 30, 30]]);
  const { samples, stats } = tileSamples([a, small], { size: 200, overlap: 0.2, seed: 0 });
  assert.deepEqual(
    samples.map((s) => s.id),
    ['a#tile@0,0', 'a#tile@100,0', 'a#tile@200,0', 'a#tile@100,100', 'a#tile@200,100', 'small'],
  );
  const byId = new Map(samples.map((s) => [s.id, s]));
  assert.deepEqual(byId.get('a#tile@100,0')!.boxes.map(corners), [[50, 20, 70, 40]]);
  assert.deepEqual(byId.get('a#tile@100,100')!.boxes.map(corners), [[94, 150, 114, 170]]);
  assert.deepEqual(byId.get('a#tile@200,100')!.boxes.map(corners), [[0, 150, 14, 170]]);
  // (200,0) is the only tile no box touches: the background candidate; round(0.5 x 4) = 2 wanted, 1 there.
  assert.deepEqual(byId.get('a#tile@200,0')!.boxes, []);
  assert.deepEqual(byId.get('a#tile@200,0')!.crop, { x: 200, y: 0, width: 200, height: 200 });
  assert.equal(byId.get('a#tile@200,0')!.file, '/data/a.jpg');
  assert.equal(byId.get('a#tile@200,0')!.width, 200);
  // An image no larger than a tile stays whole, uncropped.
  assert.equal(byId.get('small'), small);
  assert.equal(byId.get('small')!.crop, undefined);
  assert.deepEqual(stats, { images: 2, tiledImages: 1, objectTiles: 4, backgroundTiles: 1, backgroundCandidates: 1, slivers: 1, sliverOnlyTiles: 1, samples: 6 });
});

test('tileSamples keeps background tiles at the ratio, a seeded choice across images', () => {
  // 600x200 at 200 px: x starts 0, 133, 267, 400 (4 tiles), one row; the object image gives 4 object tiles.
  const a = rec('a', 400, 300, [[150, 20, 170, 40], [194, 250, 214, 270]]);
  const empty = rec('empty', 600, 200, []);
  const run = (seed: number, backgroundRatio?: number) => tileSamples([a, empty], { size: 200, overlap: 0.2, seed, ...(backgroundRatio !== undefined ? { backgroundRatio } : {}) });
  const half = run(0);
  assert.equal(TRAIN_TILE_RULES.backgroundRatio, 0.5);
  assert.equal(half.stats.backgroundCandidates, 5);
  assert.equal(half.stats.backgroundTiles, 2); // round(0.5 x 4)
  assert.equal(half.samples.filter((s) => s.boxes.length === 0).length, 2);
  assert.deepEqual(run(0).samples.map((s) => s.id), half.samples.map((s) => s.id), 'same seed, same tiles');
  const picks = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => run(seed).samples.filter((s) => s.boxes.length === 0).map((s) => s.id).join()));
  assert.ok(picks.size > 1, 'the seed chooses which background tiles');
  assert.equal(run(0, 1).stats.backgroundTiles, 4);
  assert.equal(run(0, 0).stats.backgroundTiles, 0);
  assert.equal(run(0, 10).stats.backgroundTiles, 5, 'never more than there are');
  assert.equal(run(0, 0).samples.length, 4);
  // Good parts only: one background tile keeps the list usable.
  assert.equal(tileSamples([empty], { size: 200, overlap: 0.2, seed: 0 }).samples.length, 1);
  assert.throws(() => tileSamples([a], { size: 200, overlap: 0.2, seed: 0, minVisible: 0 }), RangeError);
});
