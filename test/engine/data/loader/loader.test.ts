import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageRecord } from '../../../../electron/shared/schemas/dataset';
import type { TrainBatch } from '../../../../electron/engine/data/batch';
import { defaultAugmentOptions } from '../../../../electron/engine/data/augment/options';
import { letterboxBoxes, letterboxInfo } from '../../../../electron/engine/data/letterbox';
import { createLoader, type Loader, type LoaderOptions } from '../../../../electron/engine/data/loader/index';
import { brightOutside, brightShare, tempDir, writeRectImages } from './helpers';

const IMGSZ = 64;
let records: ImageRecord[] = [];
let tmp: { dir: string; cleanup: () => void };

before(async () => {
  tmp = tempDir();
  records = await writeRectImages(tmp.dir, [
    { w: 80, h: 60 },
    { w: 60, h: 90 },
    { w: 64, h: 64 },
    { w: 120, h: 50 },
    { w: 40, h: 40 },
    { w: 100, h: 70 },
    { w: 70, h: 100 },
  ]);
});
after(() => tmp.cleanup());

async function collect(loader: Loader, epoch: number, startBatch = 0): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of loader.epoch(epoch, { startBatch })) out.push(b);
  return out;
}

function opts(over: Partial<LoaderOptions> = {}): LoaderOptions {
  return { records, imgsz: IMGSZ, batchSize: 3, augment: null, seed: 11, shuffle: true, workers: 0, ...over };
}

test('batches have the contract shapes; the last one is partial', async () => {
  const loader = createLoader(opts());
  assert.equal(loader.batchesPerEpoch, 3);
  const batches = await collect(loader, 0);
  assert.deepEqual(batches.map((b) => b.size), [3, 3, 1]);
  for (const b of batches) {
    assert.equal(b.imgsz, IMGSZ);
    assert.equal(b.images.length, b.size * IMGSZ * IMGSZ * 3);
    assert.equal(b.ids.length, b.size);
    assert.equal(b.letterbox.length, b.size);
    assert.equal(b.boxes.length, b.cls.length * 4);
    assert.equal(b.batchIndex.length, b.cls.length);
    assert.equal(b.ignore.length, b.cls.length);
    assert.ok(b.images.every((v) => v >= 0 && v <= 1));
  }
  const ids = batches.flatMap((b) => b.ids);
  assert.deepEqual([...ids].sort(), records.map((r) => r.id).sort());
  await loader.close();
});

test('without augmentation boxes are the letterboxed labels and cover the bright pixels', async () => {
  const loader = createLoader(opts({ shuffle: false, batchSize: 7 }));
  const [b] = await collect(loader, 0);
  assert.ok(b);
  records.forEach((r, k) => {
    const info = letterboxInfo(r.width, r.height, IMGSZ);
    assert.deepEqual(b.letterbox[k], info);
    assert.deepEqual(Array.from(b.boxes.subarray(k * 4, k * 4 + 4)), Array.from(letterboxBoxes(r.boxes, info)));
    assert.equal(b.batchIndex[k], k);
    assert.equal(b.cls[k], r.boxes[0]?.cls);
    const img = Uint8Array.from(b.images.subarray(k * IMGSZ * IMGSZ * 3, (k + 1) * IMGSZ * IMGSZ * 3), (v) => Math.round(v * 255));
    const [x1, y1, x2, y2] = Array.from(b.boxes.subarray(k * 4, k * 4 + 4)) as [number, number, number, number];
    assert.ok(brightShare(img, IMGSZ, x1 + 1, y1 + 1, x2 - 1, y2 - 1) > 0.97);
    assert.equal(brightOutside(img, IMGSZ, IMGSZ, [x1, y1, x2, y2]), 0);
  });
  await loader.close();
});

test('augmented batches are identical with 0, 1 or 2 workers, and differ by epoch', async () => {
  const aug = defaultAugmentOptions({ cutmix: 0.5 });
  const runs: TrainBatch[][] = [];
  for (const workers of [0, 1, 2]) {
    const loader = createLoader(opts({ augment: aug, workers, prefetch: 3 }));
    runs.push(await collect(loader, 2));
    await loader.close();
  }
  const [a, b, c] = runs as [TrainBatch[], TrainBatch[], TrainBatch[]];
  for (const other of [b, c]) {
    assert.equal(other.length, a.length);
    a.forEach((batch, i) => {
      const o = other[i] as TrainBatch;
      assert.deepEqual(o.ids, batch.ids);
      assert.deepEqual(o.boxes, batch.boxes);
      assert.deepEqual(o.cls, batch.cls);
      assert.deepEqual(o.images, batch.images);
    });
  }
  const loader = createLoader(opts({ augment: aug }));
  const e3 = await collect(loader, 3);
  assert.notDeepEqual(e3[0]?.images, a[0]?.images);
});

test('startBatch resumes with the very batches an uninterrupted epoch gives', async () => {
  const loader = createLoader(opts({ augment: defaultAugmentOptions() }));
  const full = await collect(loader, 4);
  const tail = await collect(loader, 4, 1);
  assert.equal(tail.length, 2);
  assert.deepEqual(tail.map((b) => b.ids), full.slice(1).map((b) => b.ids));
  assert.deepEqual(tail[0]?.images, full[1]?.images);
});

test('RAM cache: later epochs decode nothing, in worker threads too', async () => {
  const loader = createLoader(opts({ cache: 'ram', workers: 2, augment: defaultAugmentOptions() }));
  const first = await collect(loader, 0);
  const afterFirst = loader.decodes();
  assert.ok(afterFirst >= records.length, `decoded ${afterFirst}`);
  const second = await collect(loader, 1);
  assert.equal(loader.decodes(), afterFirst);
  assert.equal(second.length, first.length);
  await loader.close();
  const plain = createLoader(opts({ cache: 'none', shuffle: false, batchSize: 7 }));
  const cached = createLoader(opts({ cache: 'ram', shuffle: false, batchSize: 7 }));
  const [p] = await collect(plain, 0);
  await collect(cached, 0);
  const [c] = await collect(cached, 1);
  assert.deepEqual(c?.images, p?.images);
});

test('disk cache: a second loader on the same folder decodes nothing', async () => {
  const cacheDir = join(tmp.dir, 'cache');
  const a = createLoader(opts({ cache: 'disk', cacheDir }));
  const first = await collect(a, 0);
  assert.equal(a.decodes(), records.length);
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.rgb')).length, records.length);
  const b = createLoader(opts({ cache: 'disk', cacheDir }));
  const again = await collect(b, 0);
  assert.equal(b.decodes(), 0);
  assert.deepEqual(again.map((x) => x.images), first.map((x) => x.images));
  const other = createLoader(opts({ cache: 'disk', cacheDir, imgsz: 32 }));
  await collect(other, 0);
  assert.equal(other.decodes(), records.length, 'another input size is another key');
});

test('bad options fail with a code', () => {
  assert.throws(() => createLoader(opts({ batchSize: 0 })), { code: 'LOADER_BAD_BATCH' });
  assert.throws(() => createLoader(opts({ records: [] })), { code: 'LOADER_NO_IMAGES' });
  assert.throws(() => createLoader(opts({ cache: 'disk' })), { code: 'LOADER_NO_CACHE_DIR' });
});

test('an unreadable image is skipped with the dataset check\'s code, in a worker too, every epoch', async () => {
  const missing = join(tmp.dir, 'missing.png');
  const broken = [...records, { ...records[0]!, id: 'gone', file: missing }];
  for (const workers of [0, 1]) {
    const loader = createLoader(opts({ records: broken, workers, batchSize: 8, shuffle: false }));
    for (const epoch of [0, 1]) {
      const batches = await collect(loader, epoch);
      // Every image still makes its batch (the bad one as a blank, box-free input)...
      assert.equal(batches.reduce((n, b) => n + b.size, 0), broken.length);
      // ...and the batch that used it names it with the code the check reports.
      const skipped = batches.flatMap((b) => b.skipped ?? []);
      assert.deepEqual(skipped.map((x) => [x.file, x.code]), [[missing, 'DS_IMAGE_UNREADABLE']]);
    }
    await loader.close();
  }
});
