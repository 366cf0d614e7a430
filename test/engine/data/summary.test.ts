import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset, ImageRecord } from '../../../electron/shared/schemas/dataset';
import { DatasetSummarySchema } from '../../../electron/shared/schemas/dataset';
import { buildReport } from '../../../electron/engine/data/check/report';
import { DatasetReportSchema } from '../../../electron/shared/schemas/dataset-report';
import { summarizeDataset } from '../../../electron/engine/data/summary';

function rec(id: string, w: number, h: number, boxes: [number, number, number, number, number][]): ImageRecord {
  return { id, file: `/d/${id}.jpg`, width: w, height: h, labelFile: null, boxes: boxes.map(([x1, y1, x2, y2, cls]) => ({ x1, y1, x2, y2, cls })) };
}

const ds: Dataset = {
  root: '/d',
  format: 'yolo',
  classNames: ['dent', 'scratch', 'hole'],
  splits: {
    train: [rec('a', 100, 50, [[0, 0, 10, 10, 0], [0, 0, 50, 50, 0]]), rec('b', 200, 100, [[0, 0, 20, 5, 1]]), rec('c', 300, 100, [])],
    val: [rec('d', 100, 100, [[10, 10, 20, 20, 0]])],
    test: [],
  },
  hasOwnValSplit: true,
  problems: [],
};

test('summarizeDataset: counts, median size, boxes per image, relative box sizes, warnings', () => {
  const s = summarizeDataset(ds);
  DatasetSummarySchema.parse(s);
  assert.equal(s.trainImages, 3);
  assert.equal(s.valImages, 1);
  assert.equal(s.typicalWidth, 150);
  assert.equal(s.typicalHeight, 100);
  assert.equal(s.boxesPerImage, 1);
  // Relative sizes: 0.1, 0.5, 0.05, 0.1 -> p50 0.1.
  assert.equal(s.boxRelSize.p50, 0.1);
  assert.ok(s.boxRelSize.p10 < 0.1 && s.boxRelSize.p90 > 0.3);
  assert.deepEqual(
    s.warnings.map((w) => [w.code, w.params]),
    [
      ['DS_FEW_IMAGES', { count: 3 }],
      ['DS_CLASS_FEW_BOXES', { name: 'dent', count: 2 }],
      ['DS_CLASS_FEW_BOXES', { name: 'scratch', count: 1 }],
      ['DS_CLASS_NO_BOXES', { name: 'hole' }],
    ],
  );
  assert.ok(summarizeDataset({ ...ds, hasOwnValSplit: false }).warnings.some((w) => w.code === 'DS_NO_VAL_SPLIT'));
});

test('buildReport: counts per split and class, background, histogram, small objects', () => {
  const r = buildReport(ds, { found: 5, skipped: 1, imgsz: 64 });
  DatasetReportSchema.parse(r);
  assert.deepEqual(r.totals, { found: 5, usable: 4, skipped: 1, boxes: 4, background: 1 });
  assert.deepEqual(r.splits.train, { images: 3, boxes: 3, background: 1 });
  assert.deepEqual(r.classes[0], { cls: 0, name: 'dent', boxes: { train: 2, val: 1, test: 0 }, images: 2 });
  assert.equal(r.boxSizes.reduce((s, b) => s + b.count, 0), 4);
  // At 64 px: 0.05 -> 3.2 px and 0.1 -> 6.4 px are below 8 px: 3 of 4 boxes.
  assert.equal(r.smallObjects.fraction, 0.75);
  assert.equal(r.smallObjects.suggestedImgsz, 160);
  assert.deepEqual(r.problemCounts, { DS_CLASS_NO_BOXES: 1, DS_SMALL_OBJECTS: 1 });
  assert.equal(r.warnings, 2);
  assert.match(r.problems.find((p) => p.code === 'DS_SMALL_OBJECTS')?.fix ?? '', /input size 160/);
});
