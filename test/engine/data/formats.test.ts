import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Dataset, ImageRecord } from '../../../electron/shared/schemas/dataset';
import { DatasetSchema } from '../../../electron/shared/schemas/dataset';
import { importDataset } from '../../../electron/engine/data/import/index';
import { img, makeTree, type TreeSpec } from './helpers';

async function withTree(files: TreeSpec, fn: (dir: string) => Promise<void>): Promise<void> {
  const t = await makeTree(files);
  try {
    await fn(t.dir);
  } finally {
    await t.cleanup();
  }
}

function rec(ds: Dataset, id: string): ImageRecord {
  const r = [...ds.splits.train, ...ds.splits.val, ...ds.splits.test].find((x) => x.id === id);
  assert.ok(r, `record ${id}`);
  return r;
}

const codes = (ds: Dataset): string[] => ds.problems.map((p) => p.code);

// An Ultralytics layout: images/{train,val} + labels/{train,val}, 64x48 images.
const ultra: TreeSpec = {
  'images/train/a.jpg': img(1),
  'images/train/b.png': img(2, 'png'),
  'images/val/c.jpg': img(3),
  'labels/train/a.txt': '0 0.5 0.5 0.5 0.5\n',
  'labels/train/b.txt': '1 0.25 0.25 0.5 0.5\n',
  'labels/val/c.txt': '2 0.5 0.5 1 1\n',
};

test('data.yaml with names as a list and folders for train/val', async () => {
  await withTree({ ...ultra, 'data.yaml': 'path: .\ntrain: images/train\nval: images/val\nnames: [scratch, dent, hole]\n' }, async (dir) => {
    const ds = await importDataset(join(dir, 'data.yaml'));
    DatasetSchema.parse(ds);
    assert.equal(ds.format, 'yolo-yaml');
    assert.deepEqual(ds.classNames, ['scratch', 'dent', 'hole']);
    assert.deepEqual([ds.splits.train.length, ds.splits.val.length, ds.splits.test.length], [2, 1, 0]);
    assert.equal(ds.hasOwnValSplit, true);
    // Normalised centre/size -> pixel corners of the 64x48 image.
    assert.deepEqual(rec(ds, 'images/train/a').boxes, [{ x1: 16, y1: 12, x2: 48, y2: 36, cls: 0 }]);
    assert.deepEqual(rec(ds, 'images/train/b').boxes, [{ x1: 0, y1: 0, x2: 32, y2: 24, cls: 1 }]);
    assert.deepEqual(rec(ds, 'images/val/c').boxes, [{ x1: 0, y1: 0, x2: 64, y2: 48, cls: 2 }]);
    assert.equal(rec(ds, 'images/train/a').labelFile, join(dir, 'labels/train/a.txt'));
    assert.deepEqual(codes(ds), []);
  });
});

test('data.yaml found in a folder, names as a map, .txt image lists and globs', async () => {
  await withTree(
    {
      ...ultra,
      'data.yaml': 'train: lists/train.txt\nval: "images/val/*.jpg"\nnames:\n  0: scratch\n  1: dent\n  2: hole\n',
      'lists/train.txt': './../images/train/a.jpg\nimages/train/b.png\n',
    },
    async (dir) => {
      const ds = await importDataset(dir);
      assert.equal(ds.format, 'yolo-yaml');
      assert.deepEqual(ds.classNames, ['scratch', 'dent', 'hole']);
      assert.deepEqual(ds.splits.train.map((r) => r.id).sort(), ['images/train/a', 'images/train/b']);
      assert.deepEqual(ds.splits.val.map((r) => r.id), ['images/val/c']);
    },
  );
});

test('data.yaml: Roboflow "../train/images" paths, a `path` root, and a list of folders', async () => {
  await withTree(
    {
      'ds/train/images/a.jpg': img(1),
      'ds/train/labels/a.txt': '0 0.5 0.5 0.2 0.2\n',
      'ds/valid/images/b.jpg': img(2),
      'ds/valid/labels/b.txt': '0 0.5 0.5 0.2 0.2\n',
      'ds/extra/images/c.jpg': img(3),
      'ds/extra/labels/c.txt': '0 0.5 0.5 0.2 0.2\n',
      'ds/data.yaml': 'train: [../train/images, extra/images]\nval: ../valid/images\nnc: 1\nnames: [crack]\n',
      'other/data.yaml': 'path: ../ds\ntrain: train/images\nval: valid/images\nnames: [crack]\n',
    },
    async (dir) => {
      const ds = await importDataset(join(dir, 'ds', 'data.yaml'));
      assert.deepEqual(ds.splits.train.map((r) => r.id).sort(), ['extra/images/c', 'train/images/a']);
      assert.deepEqual(ds.splits.val.map((r) => r.id), ['valid/images/b']);
      assert.deepEqual(codes(ds), []);
      const viaPath = await importDataset(join(dir, 'other', 'data.yaml'));
      assert.equal(viaPath.root, join(dir, 'ds'));
      assert.equal(viaPath.splits.train.length + viaPath.splits.val.length, 2);
    },
  );
});

test('YOLO folder without yaml: classes.txt, split from folder names, background images', async () => {
  await withTree({ ...ultra, 'classes.txt': 'scratch\ndent\nhole\n', 'images/train/bg.jpg': img(9), 'labels/train/bg.txt': '' }, async (dir) => {
    const ds = await importDataset(dir);
    assert.equal(ds.format, 'yolo');
    assert.deepEqual(ds.classNames, ['scratch', 'dent', 'hole']);
    assert.deepEqual([ds.splits.train.length, ds.splits.val.length], [3, 1]);
    assert.deepEqual(rec(ds, 'images/train/bg').boxes, []);
    // An empty label file means "background on purpose": no warning.
    assert.deepEqual(codes(ds), []);
  });
});

test('YOLO folder without any class list: names inferred from the ids', async () => {
  await withTree({ 'imgs/a.jpg': img(1), 'imgs/a.txt': '3 0.5 0.5 0.2 0.2\n', 'imgs/b.jpg': img(2), 'imgs/b.txt': '1 0.5 0.5 0.2 0.2\n' }, async (dir) => {
    const ds = await importDataset(dir);
    assert.equal(ds.format, 'yolo');
    assert.deepEqual(ds.classNames, ['class_0', 'class_1', 'class_2', 'class_3']);
    assert.equal(ds.hasOwnValSplit, false);
    assert.deepEqual(codes(ds), ['DS_CLASS_NAMES_INFERRED']);
    assert.equal(rec(ds, 'imgs/a').boxes[0]?.cls, 3);
  });
});

test('COCO with non-contiguous category ids and iscrowd', async () => {
  const coco = {
    images: [
      { id: 10, file_name: 'a.jpg', width: 64, height: 48 },
      { id: 11, file_name: 'b.jpg', width: 64, height: 48 },
    ],
    annotations: [
      { id: 1, image_id: 10, category_id: 7, bbox: [1, 2, 10, 20], iscrowd: 0 },
      { id: 2, image_id: 10, category_id: 3, bbox: [30, 10, 5, 5], iscrowd: 1 },
      { id: 3, image_id: 11, category_id: 12, bbox: [0, 0, 64, 48], iscrowd: 0 },
    ],
    categories: [
      { id: 12, name: 'hole' },
      { id: 3, name: 'scratch' },
      { id: 7, name: 'dent' },
    ],
  };
  await withTree({ 'images/a.jpg': img(1), 'images/b.jpg': img(2), 'annotations/instances_train.json': JSON.stringify(coco) }, async (dir) => {
    for (const entry of [dir, join(dir, 'annotations/instances_train.json')]) {
      const ds = await importDataset(entry);
      assert.equal(ds.format, 'coco');
      assert.equal(ds.root, dir);
      // Classes in category-id order: 3 -> 0, 7 -> 1, 12 -> 2.
      assert.deepEqual(ds.classNames, ['scratch', 'dent', 'hole']);
      assert.deepEqual(rec(ds, 'images/a').boxes, [
        { x1: 1, y1: 2, x2: 11, y2: 22, cls: 1 },
        { x1: 30, y1: 10, x2: 35, y2: 15, cls: 0, crowd: true },
      ]);
      assert.deepEqual(rec(ds, 'images/b').boxes, [{ x1: 0, y1: 0, x2: 64, y2: 48, cls: 2 }]);
      assert.deepEqual(codes(ds), []);
    }
  });
});

test('COCO: train and val files in annotations/, categories merged by name, one bad file reported', async () => {
  const cat = (id: number, name: string): { id: number; name: string } => ({ id, name });
  const train = { images: [{ id: 1, file_name: 'a.jpg' }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 5, 5] }], categories: [cat(1, 'dent')] };
  const val = { images: [{ id: 1, file_name: 'b.jpg' }], annotations: [{ id: 1, image_id: 1, category_id: 5, bbox: [1, 1, 5, 5] }], categories: [cat(5, 'scratch'), cat(9, 'dent')] };
  await withTree(
    {
      'train/a.jpg': img(1),
      'val/b.jpg': img(2),
      'annotations/instances_train.json': JSON.stringify(train),
      'annotations/instances_val.json': JSON.stringify(val),
      'annotations/instances_test.json': '{"images": [], "annotations": [',
    },
    async (dir) => {
      const ds = await importDataset(dir);
      assert.deepEqual(ds.classNames, ['dent', 'scratch']);
      assert.deepEqual(ds.splits.train.map((r) => r.id), ['train/a']);
      assert.deepEqual(ds.splits.val.map((r) => [r.id, r.boxes[0]?.cls]), [['val/b', 1]]);
      assert.equal(ds.hasOwnValSplit, true);
      // The cut-off third file is reported; the other two still import.
      assert.deepEqual(
        ds.problems.map((p) => [p.code, p.file]),
        [['DS_COCO_UNREADABLE', join(dir, 'annotations/instances_test.json')]],
      );
    },
  );
});

test('VOC: difficult kept, <filename> without extension or disagreeing, ImageSets split', async () => {
  const xml = (filename: string, objects: string): string =>
    `<annotation><filename>${filename}</filename><size><width>64</width><height>48</height><depth>1</depth></size>${objects}</annotation>`;
  const obj = (name: string, b: number[], difficult = 0): string =>
    `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;
  await withTree(
    {
      'JPEGImages/p1.jpg': img(1),
      'JPEGImages/p2.bmp': img(2, 'bmp'),
      'JPEGImages/p3.png': img(3, 'png'),
      'JPEGImages/renamed.jpg': img(4),
      'Annotations/p1.xml': xml('p1', obj('scratch', [1, 1, 10, 10]) + obj('dent', [20, 20, 40, 40], 1)),
      'Annotations/p2.xml': xml('old_name_from_another_project.jpg', obj('scratch', [5, 5, 64, 48])),
      'Annotations/p3.xml': xml('p3.png', obj('dent', [2, 3, 4, 5])),
      // The XML's own name matches no image, <filename> does.
      'Annotations/ann_0004.xml': xml('renamed.jpg', obj('dent', [2, 3, 4, 5])),
      'ImageSets/Main/train.txt': 'p1\np2\n',
      'ImageSets/Main/val.txt': 'p3\n',
    },
    async (dir) => {
      const ds = await importDataset(dir);
      assert.equal(ds.format, 'voc');
      assert.deepEqual(ds.classNames, ['dent', 'scratch']);
      assert.deepEqual(ds.splits.train.map((r) => r.id).sort(), ['JPEGImages/p1', 'JPEGImages/p2', 'JPEGImages/renamed']);
      assert.deepEqual(ds.splits.val.map((r) => r.id), ['JPEGImages/p3']);
      assert.deepEqual(rec(ds, 'JPEGImages/p1').boxes, [
        { x1: 0, y1: 0, x2: 10, y2: 10, cls: 1 },
        { x1: 19, y1: 19, x2: 40, y2: 40, cls: 0, difficult: true },
      ]);
      assert.equal(rec(ds, 'JPEGImages/p2').labelFile, join(dir, 'Annotations/p2.xml'));
      assert.equal(rec(ds, 'JPEGImages/renamed').labelFile, join(dir, 'Annotations/ann_0004.xml'));
      assert.deepEqual(codes(ds), []);
    },
  );
});

test('import can be cancelled', async () => {
  await withTree(ultra, async (dir) => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(importDataset(dir, { signal: ac.signal }), { code: 'DS_IMPORT_CANCELLED' });
  });
});
