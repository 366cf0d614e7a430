// The loader on tile samples (engine/data/tiles.ts): a tile's window is cut out of the image
// before the letterbox, so its pixels and its clipped boxes agree, with and without the cache,
// on the calling thread and in worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { createLoader } from '../../../../electron/engine/data/loader/index';
import { tileSamples } from '../../../../electron/engine/data/tiles';
import type { ImageRecord } from '../../../../electron/shared/schemas/dataset';
import type { TrainBatch } from '../../../../electron/engine/data/batch';
import { BG, FG, rectImage, tempDir } from './helpers';

async function first(it: AsyncIterable<TrainBatch>): Promise<TrainBatch> {
  for await (const b of it) return b;
  throw new Error('no batch');
}

test('tile samples load the window of their image, and their boxes land on its bright pixels', async () => {
  const t = tempDir();
  try {
    // A 400x300 image, bright square at x 250-270, y 220-240: it lies in tiles (200,100) and (100,100) of the 200 px grid.
    const file = join(t.dir, 'big.png');
    await sharp(rectImage(400, 300, { x1: 250, y1: 220, x2: 270, y2: 240 }), { raw: { width: 400, height: 300, channels: 3 } }).png().toFile(file);
    const rec: ImageRecord = { id: 'big', file, width: 400, height: 300, boxes: [{ x1: 250, y1: 220, x2: 270, y2: 240, cls: 0 }], labelFile: null };
    const { samples } = tileSamples([rec], { size: 200, overlap: 0.2, seed: 0, backgroundRatio: 0.5 });
    // One background tile (0.5 x 2 object tiles) from the top row, then the two object tiles.
    assert.equal(samples.length, 3);
    assert.match(samples[0]!.id, /^big#tile@\d+,0$/);
    assert.deepEqual(samples.slice(1).map((s) => s.id), ['big#tile@100,100', 'big#tile@200,100']);
    for (const workers of [0, 1]) {
      const loader = createLoader({ records: samples, imgsz: 200, batchSize: 3, augment: null, seed: 0, shuffle: false, workers, cache: 'ram' });
      try {
        for (let epoch = 0; epoch < 2; epoch++) {
          const b = await first(loader.epoch(epoch));
          assert.deepEqual(b.ids, samples.map((s) => s.id));
          const at = (k: number, x: number, y: number) => Math.round((b.images[(k * 200 * 200 + y * 200 + x) * 3] as number) * 255);
          // The background tile: no box, nothing bright.
          assert.equal(b.batchIndex.filter((k) => k === 0).length, 0);
          assert.equal(at(0, 150, 150), BG);
          // Tile (200,100): the square at x 50-70, y 120-140 of the tile, box and pixels alike.
          const k2 = b.batchIndex.indexOf(2);
          assert.deepEqual(Array.from(b.boxes.subarray(k2 * 4, k2 * 4 + 4)), [50, 120, 70, 140]);
          assert.equal(at(2, 60, 130), FG);
          assert.equal(at(2, 45, 130), BG);
          // Tile (100,100): at x 150-170.
          const k1 = b.batchIndex.indexOf(1);
          assert.deepEqual(Array.from(b.boxes.subarray(k1 * 4, k1 * 4 + 4)), [150, 120, 170, 140]);
          assert.equal(at(1, 160, 130), FG);
        }
        // The RAM cache holds each tile once: three decodes over two epochs.
        if (workers === 0) assert.equal(loader.decodes(), 3);
      } finally {
        await loader.close();
      }
    }
  } finally {
    t.cleanup();
  }
});
