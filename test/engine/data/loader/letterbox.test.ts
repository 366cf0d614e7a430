import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { letterboxBoxes, letterboxInfo, letterboxPixels, PAD_VALUE, unletterboxPoint } from '../../../../electron/engine/data/letterbox';
import { decodeLetterboxed } from '../../../../electron/engine/data/loader/decode';
import { brightOutside, brightShare, rectImage } from './helpers';

test('letterbox geometry: fit the longer side, centre, pad', () => {
  assert.deepEqual(letterboxInfo(200, 100, 224), { scale: 1.12, padX: 0, padY: 56, srcWidth: 200, srcHeight: 100 });
  assert.deepEqual(letterboxInfo(100, 400, 320), { scale: 0.8, padX: 120, padY: 0, srcWidth: 100, srcHeight: 400 });
  const sq = letterboxInfo(640, 640, 320);
  assert.equal(sq.scale, 0.5);
  assert.equal(sq.padX, 0);
  assert.equal(sq.padY, 0);
});

test('boxes map exactly and map back', () => {
  const info = letterboxInfo(200, 100, 224);
  const b = letterboxBoxes([{ x1: 50, y1: 25, x2: 150, y2: 75, cls: 1 }], info);
  assert.deepEqual(Array.from(b), [56, 84, 168, 140]);
  const back = unletterboxPoint(168, 140, info);
  assert.ok(Math.abs(back.x - 150) < 1e-9 && Math.abs(back.y - 75) < 1e-9);
});

const W = 160;
const H = 96;
const RECT = { x1: 40, y1: 20, x2: 100, y2: 70 };

for (const [name, run] of [
  ['pure JS', async () => letterboxPixels(rectImage(W, H, RECT), W, H, 128).data],
  [
    'sharp',
    async () => {
      const png = await sharp(rectImage(W, H, RECT), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
      return decodeLetterboxed(png, W, H, 128, 'mem.png');
    },
  ],
] as const) {
  test(`letterboxed pixels (${name}) agree with the mapped box and pad with 114`, async () => {
    const data = await run();
    assert.equal(data.length, 128 * 128 * 3);
    const info = letterboxInfo(W, H, 128);
    const [x1, y1, x2, y2] = Array.from(letterboxBoxes([{ ...RECT, cls: 0 }], info)) as [number, number, number, number];
    // Inside the box (1 px in from the resampled edge) all bright; outside, nothing bright.
    assert.equal(brightShare(data, 128, x1 + 1, y1 + 1, x2 - 1, y2 - 1), 1);
    assert.equal(brightOutside(data, 128, 128, [x1, y1, x2, y2], 1), 0);
    // Top padding rows are gray 114 (padY = 25 here).
    assert.equal(info.padY, 25);
    for (let i = 0; i < 128 * 3 * 25; i++) assert.equal(data[i], PAD_VALUE);
    assert.notEqual(data[128 * 3 * 25], PAD_VALUE);
  });
}

test('sharp path turns grayscale input into RGB', async () => {
  const gray = new Uint8Array(32 * 32).fill(200);
  const png = await sharp(gray, { raw: { width: 32, height: 32, channels: 1 } }).png().toBuffer();
  const data = await decodeLetterboxed(png, 32, 32, 64, 'gray.png');
  assert.equal(data.length, 64 * 64 * 3);
  assert.deepEqual(Array.from(data.subarray(0, 3)), [200, 200, 200]);
});

test('BMP files (which libvips cannot read) go through the importer decoder', async () => {
  const { encodeBmp24 } = await import('../../../../electron/engine/data/import/bmp');
  const { tempDir } = await import('./helpers');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const t = tempDir();
  try {
    const file = join(t.dir, 'a.bmp');
    writeFileSync(file, encodeBmp24(rectImage(W, H, RECT), W, H));
    const data = await decodeLetterboxed(file, W, H, 128, file);
    const info = letterboxInfo(W, H, 128);
    const [x1, y1, x2, y2] = Array.from(letterboxBoxes([{ ...RECT, cls: 0 }], info)) as [number, number, number, number];
    assert.equal(brightShare(data, 128, x1 + 1, y1 + 1, x2 - 1, y2 - 1), 1);
    assert.equal(brightOutside(data, 128, 128, [x1, y1, x2, y2], 1), 0);
  } finally {
    t.cleanup();
  }
});
