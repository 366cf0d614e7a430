import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DatasetSchema } from '../../../electron/shared/schemas/dataset';
import { importDataset } from '../../../electron/engine/data/import/index';
import { summarizeDataset } from '../../../electron/engine/data/summary';
import { NEU_DET } from './helpers';

const present = existsSync(join(NEU_DET, 'annotations'));
const skip = present ? false : `NEU-DET not found at ${NEU_DET} (expected beside the checkout in shared/datasets/neu-det)`;

test('NEU-DET imports as 1,800 images, 4,189 boxes, 6 classes', { skip }, async () => {
  let lastProgress = [0, 0];
  const ds = await importDataset(NEU_DET, { onProgress: (d, t) => (lastProgress = [d, t]) });
  DatasetSchema.parse(ds);
  const all = [...ds.splits.train, ...ds.splits.val, ...ds.splits.test];
  assert.equal(ds.format, 'voc');
  assert.equal(all.length, 1800);
  assert.equal(all.reduce((s, r) => s + r.boxes.length, 0), 4189);
  assert.deepEqual(ds.classNames, ['crazing', 'inclusion', 'patches', 'pitted_surface', 'rolled-in_scale', 'scratches']);
  assert.deepEqual(lastProgress, [1800, 1800]);

  // Per-class box counts from the dataset's README.
  const perClass = ds.classNames.map(() => 0);
  for (const r of all) for (const b of r.boxes) perClass[b.cls] = (perClass[b.cls] ?? 0) + 1;
  assert.deepEqual(Object.fromEntries(ds.classNames.map((n, i) => [n, perClass[i]])), {
    crazing: 689,
    inclusion: 1011,
    patches: 881,
    pitted_surface: 432,
    'rolled-in_scale': 628,
    scratches: 548,
  });

  // Canonical split lists shipped with the set are honoured.
  assert.equal(ds.splits.train.length, 1416);
  assert.equal(ds.splits.val.length, 384);
  assert.equal(ds.hasOwnValSplit, true);

  // Every image is 200x200 and every box lies inside it.
  for (const r of all) {
    assert.equal(r.width, 200);
    assert.equal(r.height, 200);
    for (const b of r.boxes) assert.ok(b.x1 >= 0 && b.y1 >= 0 && b.x2 <= 200 && b.y2 <= 200 && b.x2 > b.x1 && b.y2 > b.y1);
  }
  // `difficult` is kept as a flag (81 objects in the XML files).
  assert.equal(all.reduce((s, r) => s + r.boxes.filter((b) => b.difficult).length, 0), 81);

  // The only problems are the known quirks: 3 duplicate boxes. Nothing skipped.
  assert.deepEqual(
    ds.problems.map((p) => p.code),
    ['DS_BOX_DUPLICATE', 'DS_BOX_DUPLICATE', 'DS_BOX_DUPLICATE'],
  );
});

test('NEU-DET: the 174 extension-less <filename> entries pair with their images', { skip }, async () => {
  const annDir = join(NEU_DET, 'annotations');
  const extensionless = readdirSync(annDir).filter((f) => {
    const m = /<filename>([^<]*)<\/filename>/.exec(readFileSync(join(annDir, f), 'utf8'));
    return m !== null && !/\.\w+$/.test(m[1] ?? '');
  });
  assert.equal(extensionless.length, 174);
  const ds = await importDataset(NEU_DET, { readImageHeaders: false });
  const byLabel = new Map([...ds.splits.train, ...ds.splits.val].map((r) => [r.labelFile === null ? '' : basename(r.labelFile), r]));
  for (const xml of extensionless) {
    const rec = byLabel.get(xml);
    assert.ok(rec, `${xml} has a record`);
    assert.equal(basename(rec.file), xml.replace(/\.xml$/, '.jpg'));
    assert.ok(rec.boxes.length >= 1);
  }
  // patches_104.xml: 4 boxes; VOC 1-based corners (1, 88, 41, 200) become 0-based (0, 87, 41, 200).
  const p104 = byLabel.get('patches_104.xml');
  assert.equal(p104?.boxes.length, 4);
  assert.deepEqual(p104?.boxes[0], { x1: 0, y1: 87, x2: 41, y2: 200, cls: 2 });
});

test('NEU-DET summary for the planner', { skip }, async () => {
  const s = summarizeDataset(await importDataset(NEU_DET, { readImageHeaders: false }));
  assert.equal(s.trainImages, 1416);
  assert.equal(s.valImages, 384);
  assert.equal(s.typicalWidth, 200);
  assert.equal(s.typicalHeight, 200);
  assert.equal(s.boxesPerImage, Math.round((4189 / 1800) * 1000) / 1000);
  assert.ok(s.boxRelSize.p10 > 0.05 && s.boxRelSize.p10 < s.boxRelSize.p50 && s.boxRelSize.p50 < s.boxRelSize.p90 && s.boxRelSize.p90 <= 1);
  assert.deepEqual(s.warnings, []);
});
