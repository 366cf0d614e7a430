import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, decodeImageResized, probeImage } from '../../../electron/engine/data/image';
import { decodeBmp, encodeBmp24, readBmpHeader } from '../../../electron/engine/data/import/bmp';
import { importDataset } from '../../../electron/engine/data/import/index';
import { encodePng16, makeTree } from './helpers';

/** 8x6 RGB test card: left half red, right half blue, top-left 2x2 block green. */
function card(w = 8, h = 6): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      if (x < 2 && y < 2) px.set([0, 255, 0], o);
      else px.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], o);
    }
  return px;
}

const raw = (px: Uint8Array, w = 8, h = 6) => sharp(px, { raw: { width: w, height: h, channels: 3 } });
const pixel = (d: { data: Uint8Array; width: number }, x: number, y: number): number[] => [...d.data.subarray((y * d.width + x) * 3, (y * d.width + x) * 3 + 3)];
const near = (a: number[], b: number[], tol: number): boolean => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);

test('decodeImage reads PNG, JPEG, BMP, TIFF and WebP to 8-bit RGB', async () => {
  const px = card();
  const t = await makeTree({
    'a.png': new Uint8Array(await raw(px).png().toBuffer()),
    'a.jpg': new Uint8Array(await raw(px).jpeg({ quality: 100 }).toBuffer()),
    'a.bmp': encodeBmp24(px, 8, 6),
    'a.tif': new Uint8Array(await raw(px).tiff({ compression: 'lzw' }).toBuffer()),
    'a.webp': new Uint8Array(await raw(px).webp({ lossless: true }).toBuffer()),
  });
  try {
    for (const [name, tol] of [['a.png', 0], ['a.bmp', 0], ['a.tif', 0], ['a.webp', 0], ['a.jpg', 60]] as const) {
      const d = await decodeImage(join(t.dir, name));
      assert.equal(d.width, 8, name);
      assert.equal(d.height, 6, name);
      assert.equal(d.data.length, 8 * 6 * 3, name);
      assert.ok(near(pixel(d, 6, 4), [0, 0, 255], tol), `${name} right is blue: ${pixel(d, 6, 4)}`);
      assert.ok(near(pixel(d, 1, 4), [255, 0, 0], tol), `${name} left is red: ${pixel(d, 1, 4)}`);
      if (tol === 0) assert.deepEqual(Buffer.from(d.data), Buffer.from(px), name);
      const p = await probeImage(join(t.dir, name), 'header');
      assert.deepEqual(p.ok && [p.width, p.height], [8, 6], name);
    }
  } finally {
    await t.cleanup();
  }
});

test('grayscale, 16-bit and alpha PNGs become 8-bit RGB', async () => {
  const gray = new Uint8Array(8 * 6).fill(77);
  const grayPng = await sharp(gray, { raw: { width: 8, height: 6, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  const g16Png = encodePng16(new Uint16Array(8 * 6).fill(0x8080), 8, 6, 1);
  const rgb16Png = encodePng16(new Uint16Array(8 * 6 * 3).map((_, i) => [0xffff, 0x4040, 0x0000][i % 3] ?? 0), 8, 6, 3);
  const rgbaPng = await sharp(new Uint8Array(8 * 6 * 4).fill(200), { raw: { width: 8, height: 6, channels: 4 } }).png().toBuffer();
  // The fixtures really are what the test claims.
  assert.deepEqual([(await sharp(g16Png).metadata()).depth, (await sharp(g16Png).metadata()).channels], ['ushort', 1]);
  assert.deepEqual([(await sharp(rgb16Png).metadata()).depth, (await sharp(rgb16Png).metadata()).channels], ['ushort', 3]);
  assert.equal((await sharp(grayPng).metadata()).channels, 1);
  const t = await makeTree({ 'g.png': new Uint8Array(grayPng), 'g16.png': new Uint8Array(g16Png), 'rgb16.png': new Uint8Array(rgb16Png), 'rgba.png': new Uint8Array(rgbaPng) });
  try {
    const cases: [string, number[]][] = [
      ['g.png', [77, 77, 77]],
      ['g16.png', [128, 128, 128]],
      ['rgb16.png', [255, 64, 0]],
      ['rgba.png', [200, 200, 200]],
    ];
    for (const [name, want] of cases) {
      const d = await decodeImage(join(t.dir, name));
      assert.equal(d.data.length, 8 * 6 * 3, name);
      assert.ok(near(pixel(d, 3, 3), want, 1), `${name}: ${pixel(d, 3, 3)} vs ${want}`);
    }
  } finally {
    await t.cleanup();
  }
});

test('EXIF orientation is honoured in probe, decode and import', async () => {
  // Stored 8x6; orientation 6 means "rotate 90 degrees clockwise to display": shown 6x8.
  const jpg = await raw(card()).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toBuffer();
  assert.equal((await sharp(jpg).metadata()).orientation, 6);
  const t = await makeTree({ 'images/r.jpg': new Uint8Array(jpg), 'labels/r.txt': '0 0.25 0.5 0.5 1\n', 'classes.txt': 'x\n' });
  try {
    const file = join(t.dir, 'images/r.jpg');
    const p = await probeImage(file, 'header');
    assert.deepEqual(p.ok && [p.width, p.height], [6, 8]);
    const d = await decodeImage(file);
    assert.deepEqual([d.width, d.height], [6, 8]);
    // Stored top-left (green) ends at the displayed top-right; the red half is now on top.
    assert.ok(near(pixel(d, 5, 0), [0, 255, 0], 60), `top-right ${pixel(d, 5, 0)}`);
    assert.ok(near(pixel(d, 2, 1), [255, 0, 0], 60), `top ${pixel(d, 2, 1)}`);
    assert.ok(near(pixel(d, 2, 6), [0, 0, 255], 60), `bottom ${pixel(d, 2, 6)}`);
    const ds = await importDataset(t.dir);
    const r = ds.splits.train[0];
    assert.deepEqual([r?.width, r?.height], [6, 8]);
    // YOLO fractions refer to the displayed image.
    assert.deepEqual(r?.boxes[0], { x1: 0, y1: 0, x2: 3, y2: 8, cls: 0 });
    const full = await probeImage(file, 'full');
    assert.deepEqual(full.ok && [full.width, full.height], [6, 8]);
  } finally {
    await t.cleanup();
  }
});

test('decodeImageResized keeps the aspect ratio and reports the source size', async () => {
  const big = await sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toBuffer();
  const t = await makeTree({ 'big.jpg': new Uint8Array(big), 'small.bmp': encodeBmp24(card(), 8, 6) });
  try {
    const r = await decodeImageResized(join(t.dir, 'big.jpg'), 100);
    assert.deepEqual([r.width, r.height, r.srcWidth, r.srcHeight], [100, 50, 400, 200]);
    assert.equal(r.data.length, 100 * 50 * 3);
    assert.ok(near(pixel(r, 50, 25), [10, 200, 30], 12));
    const s = await decodeImageResized(join(t.dir, 'small.bmp'), 100);
    assert.deepEqual([s.width, s.height, s.srcWidth, s.srcHeight], [8, 6, 8, 6]);
  } finally {
    await t.cleanup();
  }
});

test('decodeImage fails with stable codes on empty, corrupt and truncated files', async () => {
  const jpg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#345' } }).jpeg().toBuffer();
  const t = await makeTree({ 'empty.jpg': new Uint8Array(0), 'junk.png': 'not an image', 'cut.jpg': new Uint8Array(jpg.subarray(0, jpg.length >> 1)) });
  try {
    await assert.rejects(decodeImage(join(t.dir, 'empty.jpg')), { code: 'DS_FILE_EMPTY' });
    await assert.rejects(decodeImage(join(t.dir, 'junk.png')), { code: 'DS_IMAGE_UNREADABLE' });
    await assert.rejects(decodeImage(join(t.dir, 'cut.jpg')), { code: 'DS_IMAGE_TRUNCATED' });
    await assert.rejects(decodeImage(join(t.dir, 'missing.jpg')), { code: 'DS_IMAGE_UNREADABLE' });
    assert.deepEqual(await probeImage(join(t.dir, 'empty.jpg'), 'header'), { ok: false, code: 'DS_FILE_EMPTY', reason: '0 bytes' });
    const cut = await probeImage(join(t.dir, 'cut.jpg'), 'full');
    assert.equal(cut.ok ? 'ok' : cut.code, 'DS_IMAGE_TRUNCATED');
  } finally {
    await t.cleanup();
  }
});

/** Builds a BMP by hand, to test variants the 24-bit writer does not produce. */
function bmp(opts: { bpp: number; w: number; h: number; topDown?: boolean; compression?: number; masks?: number[]; palette?: number[][]; rows: number[][] }): Uint8Array {
  const rowBytes = Math.ceil((opts.w * opts.bpp) / 32) * 4;
  const palBytes = (opts.palette?.length ?? 0) * 4;
  const maskBytes = opts.masks ? 12 : 0;
  const off = 54 + maskBytes + palBytes;
  const buf = new Uint8Array(off + rowBytes * opts.h);
  const dv = new DataView(buf.buffer);
  buf.set([0x42, 0x4d]);
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, off, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, opts.w, true);
  dv.setInt32(22, opts.topDown ? -opts.h : opts.h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, opts.bpp, true);
  dv.setUint32(30, opts.compression ?? 0, true);
  dv.setUint32(46, opts.palette?.length ?? 0, true);
  opts.masks?.forEach((m, i) => dv.setUint32(54 + i * 4, m, true));
  opts.palette?.forEach(([r = 0, g = 0, b = 0], i) => buf.set([b, g, r, 0], 54 + maskBytes + i * 4));
  opts.rows.forEach((row, i) => buf.set(row, off + i * rowBytes));
  return buf;
}

test('BMP reader: 8-bit palette, 4-bit, 1-bit, 16-bit 565, 32-bit bitfields, top-down', () => {
  // 8-bit palette, 2x2, bottom-up: file row 0 is the bottom row.
  const pal = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
  ];
  let d = decodeBmp(bmp({ bpp: 8, w: 2, h: 2, palette: pal, rows: [[0, 1], [2, 0]] }));
  assert.deepEqual([...d.data], [0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 255, 0]);
  d = decodeBmp(bmp({ bpp: 4, w: 3, h: 1, palette: pal, rows: [[0x12, 0x00]] }));
  assert.deepEqual([...d.data], [0, 255, 0, 0, 0, 255, 255, 0, 0]);
  d = decodeBmp(bmp({ bpp: 1, w: 3, h: 1, palette: [[0, 0, 0], [255, 255, 255]], rows: [[0b10100000]] }));
  assert.deepEqual([...d.data], [255, 255, 255, 0, 0, 0, 255, 255, 255]);
  // 16-bit 565: pure red = 0xf800, pure green = 0x07e0.
  d = decodeBmp(bmp({ bpp: 16, w: 2, h: 1, compression: 3, masks: [0xf800, 0x07e0, 0x001f], rows: [[0x00, 0xf8, 0xe0, 0x07]] }));
  assert.deepEqual([...d.data], [255, 0, 0, 0, 255, 0]);
  // 32-bit BGRA with bitfields, top-down 1x2.
  d = decodeBmp(bmp({ bpp: 32, w: 1, h: 2, topDown: true, compression: 3, masks: [0x00ff0000, 0x0000ff00, 0x000000ff], rows: [[3, 2, 1, 255], [30, 20, 10, 255]] }));
  assert.deepEqual([...d.data], [1, 2, 3, 10, 20, 30]);
  assert.deepEqual(readBmpHeader(encodeBmp24(card(), 8, 6)), { width: 8, height: 6, bitsPerPixel: 24, compression: 0, topDown: false, dataOffset: 54, headerSize: 40 });
  assert.throws(() => decodeBmp(bmp({ bpp: 8, w: 2, h: 2, compression: 1, palette: pal, rows: [] })), /compression 1/);
  const cut = encodeBmp24(card(), 8, 6).subarray(0, 100);
  assert.throws(() => decodeBmp(cut), (e: unknown) => (e as { truncated?: boolean }).truncated === true);
});

test('probeImage full mode hashes content: same bytes, same hash', async () => {
  const bytes = encodeBmp24(card(), 8, 6);
  const t = await makeTree({ 'a.bmp': bytes, 'b.bmp': bytes });
  try {
    await writeFile(join(t.dir, 'c.bmp'), encodeBmp24(card(8, 6).fill(1), 8, 6));
    const [a, b, c] = await Promise.all(['a.bmp', 'b.bmp', 'c.bmp'].map((f) => probeImage(join(t.dir, f), 'full')));
    assert.ok(a?.ok && b?.ok && c?.ok);
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
    assert.match(a.hash ?? '', /^[0-9a-f]{40}$/);
  } finally {
    await t.cleanup();
  }
});
