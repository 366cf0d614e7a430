import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, ImageRecord } from '../../../../electron/shared/schemas/dataset';
import { loadSplit, splitDataset } from '../../../../electron/engine/data/split';
import { tempDir } from './helpers';

function rec(id: string, classes: number[]): ImageRecord {
  return { id, file: `/x/${id}.jpg`, width: 100, height: 100, boxes: classes.map((cls) => ({ x1: 1, y1: 1, x2: 9, y2: 9, cls })), labelFile: null };
}

function dataset(records: ImageRecord[]): Dataset {
  return { root: '/x', format: 'yolo', classNames: ['a', 'b', 'c'], splits: { train: records, val: [], test: [] }, hasOwnValSplit: false, problems: [] };
}

/** 100 images of class a, 50 of b (some also holding a), 10 of c, 20 backgrounds. */
function sampleRecords(): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (let i = 0; i < 100; i++) out.push(rec(`a${i}`, [0]));
  for (let i = 0; i < 50; i++) out.push(rec(`b${i}`, i % 2 ? [1, 0] : [1]));
  for (let i = 0; i < 10; i++) out.push(rec(`c${i}`, [2, 0]));
  for (let i = 0; i < 20; i++) out.push(rec(`bg${i}`, []));
  return out;
}

const share = (recs: ImageRecord[], prefix: string): number => recs.filter((r) => r.id.startsWith(prefix) && /\d$/.test(r.id)).length;

test('the split is stratified by class and keeps every image once', () => {
  const ds = splitDataset(dataset(sampleRecords()));
  assert.equal(ds.splits.train.length + ds.splits.val.length, 180);
  assert.equal(new Set([...ds.splits.train, ...ds.splits.val].map((r) => r.id)).size, 180);
  assert.equal(share(ds.splits.val, 'a'), 20);
  assert.equal(share(ds.splits.val, 'b') - share(ds.splits.val, 'bg'), 10);
  assert.equal(share(ds.splits.val, 'c'), 2);
  assert.equal(share(ds.splits.val, 'bg'), 4);
});

test('the split is deterministic, independent of input order, and changes with the seed', () => {
  const ids = (d: Dataset): string[] => d.splits.val.map((r) => r.id).sort();
  const a = splitDataset(dataset(sampleRecords()));
  const b = splitDataset(dataset(sampleRecords().reverse()));
  const c = splitDataset(dataset(sampleRecords()), { seed: 3 });
  assert.deepEqual(ids(a), ids(b));
  assert.notDeepEqual(ids(a), ids(c));
});

test('a rare class keeps at least one validation image', () => {
  const ds = splitDataset(dataset([...Array.from({ length: 20 }, (_, i) => rec(`a${i}`, [0])), rec('c0', [2]), rec('c1', [2])]));
  assert.equal(share(ds.splits.val, 'c'), 1);
});

test('a dataset with its own val split is left alone', () => {
  const d = dataset(sampleRecords());
  const own: Dataset = { ...d, hasOwnValSplit: true };
  assert.equal(splitDataset(own), own);
});

test('the split is saved and reused; new images are split among themselves', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'split.json');
    const first = splitDataset(dataset(sampleRecords()), { savedSplitFile: file });
    assert.ok(existsSync(file));
    const saved = loadSplit(file);
    assert.deepEqual(saved.val, first.splits.val.map((r) => r.id));
    // Another seed must not matter once the file exists.
    const again = splitDataset(dataset(sampleRecords()), { savedSplitFile: file, seed: 99 });
    assert.deepEqual(again.splits.val.map((r) => r.id), first.splits.val.map((r) => r.id));
    const grown = [...sampleRecords(), ...Array.from({ length: 10 }, (_, i) => rec(`n${i}`, [1]))];
    const third = splitDataset(dataset(grown), { savedSplitFile: file });
    const oldVal = new Set(first.splits.val.map((r) => r.id));
    assert.deepEqual(third.splits.val.filter((r) => !r.id.startsWith('n')).map((r) => r.id).sort(), [...oldVal].sort());
    assert.equal(share(third.splits.val, 'n'), 2);
    assert.equal(loadSplit(file).train.length + loadSplit(file).val.length, 190);
  } finally {
    cleanup();
  }
});

test('a broken split file gives a coded error', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'split.json');
    writeFileSync(file, '{"nope": 1}');
    assert.throws(() => splitDataset(dataset(sampleRecords()), { savedSplitFile: file }), { code: 'DATASET_SPLIT_UNREADABLE' });
  } finally {
    cleanup();
  }
});
