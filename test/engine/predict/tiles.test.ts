// Tiled inference: the tile grid, the auto decision, merging across tiles, and the end-to-end
// claim of the issue with a fake bright-square detector: a small object on a large image is
// found only with tiling, and an object in an overlap (or cut by a tile edge) counts once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectImage } from '../../../electron/engine/predict/detect-image';
import { decideTiling, mergeDetections, placeTileDetections, smallObjectInfo, tileGrid, type SourcedDetection } from '../../../electron/engine/predict/tiles';
import { brightSquareModel, imageWithSquares } from './fake-model';

test('tileGrid covers the image with even, overlapping, full-size tiles', () => {
  const tiles = tileGrid(2048, 1536, 640, 0.2);
  // stride floor(640 * 0.8) = 512: x needs ceil(1408 / 512) + 1 = 4 tiles, y ceil(896 / 512) + 1 = 3
  assert.equal(tiles.length, 12);
  assert.deepEqual([...new Set(tiles.map((t) => t.x))], [0, 469, 939, 1408]);
  assert.deepEqual([...new Set(tiles.map((t) => t.y))], [0, 448, 896]);
  for (const t of tiles) assert.deepEqual([t.width, t.height], [640, 640]);
  // every neighbour pair overlaps by at least 20% of the side
  const xs = [0, 469, 939, 1408];
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i - 1]! + 640 - xs[i]! >= 128);
  // an image smaller than a tile is one clipped tile
  assert.deepEqual(tileGrid(300, 200, 640), [{ x: 0, y: 0, width: 300, height: 200 }]);
  assert.equal(tileGrid(640, 640, 640, 0.2).length, 1);
  assert.throws(() => tileGrid(100, 100, 0), RangeError);
  assert.throws(() => tileGrid(100, 100, 64, 0.95), RangeError);
});

test('decideTiling: auto tiles large images of datasets with small objects only', () => {
  const small = { fraction: 0.3, minPx: 8 };
  assert.equal(decideTiling({ kind: 'auto' }, 4000, 3000, 640, small).tile, 640);
  assert.equal(decideTiling({ kind: 'auto' }, 4000, 3000, 640, small).code, 'PREDICT_TILE_AUTO_SMALL');
  assert.equal(decideTiling({ kind: 'auto' }, 1000, 800, 640, small).code, 'PREDICT_TILE_AUTO_IMAGE_SMALL');
  assert.equal(decideTiling({ kind: 'auto' }, 4000, 3000, 640, { fraction: 0.01, minPx: 8 }).code, 'PREDICT_TILE_AUTO_NO_SMALL');
  assert.equal(decideTiling({ kind: 'auto' }, 2000, 1500, 640, null).tile, null);
  assert.equal(decideTiling({ kind: 'auto' }, 4000, 3000, 640, null).tile, 640);
  assert.equal(decideTiling({ kind: 'size', size: 800 }, 100, 100, 640, null).tile, 800);
  assert.equal(decideTiling({ kind: 'off' }, 9000, 9000, 640, small).tile, null);
});

test('smallObjectInfo measures boxes at the input size', () => {
  // 1000 px image at 640: a 10 px box is 6.4 px (small), a 20 px box 12.8 px (not)
  const info = smallObjectInfo([{ width: 1000, height: 500, truths: [{ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 0, y1: 0, x2: 20, y2: 20 }] }], 640);
  assert.deepEqual(info, { fraction: 0.5, minPx: 8 });
  assert.equal(smallObjectInfo([{ width: 10, height: 10, truths: [] }], 640), null);
});

test('placeTileDetections flags boxes on inner tile edges only', () => {
  const tile = { x: 100, y: 0, width: 64, height: 64 };
  const dets = [
    { x1: 0, y1: 10, x2: 10, y2: 20, score: 0.9, cls: 0 }, // left edge, inner (tile.x > 0)
    { x1: 10, y1: 0, x2: 20, y2: 10, score: 0.9, cls: 0 }, // top edge = image border
    { x1: 20, y1: 20, x2: 30, y2: 30, score: 0.9, cls: 0 },
    { x1: 50, y1: 20, x2: 64, y2: 30, score: 0.9, cls: 0 }, // right edge = image border (164 wide)
  ];
  const placed = placeTileDetections(dets, tile, 164, 200);
  assert.deepEqual(placed.map((d) => d.cut), [true, false, false, false]);
  assert.deepEqual([placed[0]!.x1, placed[0]!.x2], [100, 110]);
});

test('mergeDetections: duplicates in overlaps once, cut pieces dropped or fused', () => {
  const d = (x1: number, y1: number, x2: number, y2: number, score: number, cut: boolean, cls = 0): SourcedDetection => ({ x1, y1, x2, y2, score, cls, cut });
  const merged = mergeDetections(
    [
      d(10, 10, 30, 30, 0.9, false),
      d(11, 10, 31, 30, 0.8, false), // same object seen by the neighbour tile
      d(10, 10, 20, 30, 0.95, true), // a piece of it, cut by an edge: inside the whole box
      d(100, 100, 130, 120, 0.7, true), // a large object seen in two pieces ...
      d(110, 100, 160, 120, 0.6, true), // ... overlapping in the tile overlap
      d(10, 10, 30, 30, 0.5, false, 1), // another class at the same place stays
    ],
    { iou: 0.7 },
  );
  assert.equal(merged.length, 3);
  assert.deepEqual(merged[0], { x1: 10, y1: 10, x2: 30, y2: 30, score: 0.9, cls: 0 });
  assert.deepEqual(merged[1], { x1: 100, y1: 100, x2: 160, y2: 120, score: 0.7, cls: 0 });
  assert.equal(merged[2]!.cls, 1);
});

test('a small object on a large image is found only with tiling, and counted once', async () => {
  // 2048x1536; a 12 px square shrinks to 3.75 px in the whole-image 640 input, below what the
  // model sees (8 px). One square sits inside a tile overlap, one straddles an inner tile edge
  // (tile 0 ends at x 640; tile 1 starts at 469), one big square is larger than a tile overlap.
  const img = imageWithSquares(2048, 1536, [
    [300, 300, 12],
    [500, 100, 12],
    [630, 1000, 20],
    [1100, 700, 700],
  ]);
  const model = brightSquareModel(8);
  const whole = await detectImage(img, model, { imgsz: 640, tile: null, overlap: 0.2, fullImage: true, iou: 0.7, batch: 4 });
  assert.equal(whole.views, 1);
  // only the big square survives the downscale
  assert.equal(whole.detections.length, 1);

  const tiled = await detectImage(img, model, { imgsz: 640, tile: 640, overlap: 0.2, fullImage: true, iou: 0.7, batch: 4 });
  assert.equal(tiled.tiles, 12);
  assert.equal(tiled.views, 13);
  const found = tiled.detections.map((d) => [Math.round(d.x1), Math.round(d.y1), Math.round(d.x2), Math.round(d.y2)]).sort((a, b) => a[0]! - b[0]!);
  assert.equal(found.length, 4, JSON.stringify(found));
  assert.deepEqual(found[0], [300, 300, 312, 312]);
  assert.deepEqual(found[1], [500, 100, 512, 112]);
  assert.deepEqual(found[2], [630, 1000, 650, 1020]);
  // the big one comes from the whole-image pass (tiles see only pieces of it), within a few px
  const big = found[3]!;
  assert.ok(Math.abs(big[0]! - 1100) <= 4 && Math.abs(big[2]! - 1800) <= 4, JSON.stringify(big));
});

test('without the whole-image pass a large object is fused from its tile pieces', async () => {
  const img = imageWithSquares(1280, 640, [[500, 100, 300]]);
  const tiled = await detectImage(img, brightSquareModel(6), { imgsz: 640, tile: 640, overlap: 0.2, fullImage: false, iou: 0.7, batch: 8 });
  assert.equal(tiled.views, 3);
  assert.equal(tiled.detections.length, 1);
  assert.deepEqual(
    [tiled.detections[0]!.x1, tiled.detections[0]!.y1, tiled.detections[0]!.x2, tiled.detections[0]!.y2],
    [500, 100, 800, 400],
  );
});
