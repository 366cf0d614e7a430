// Saving labels on disk in each format: backup first, atomic, coded errors, adding reviewed images.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { KestrelError } from '../../../../electron/shared/errors';
import { addImage, readLabels, realIo, saveLabels, type EditIo } from '../../../../electron/engine/data/edit/index';
import { importDataset } from '../../../../electron/engine/data/import/index';
import { img, makeTree } from '../helpers';

const W = 100;
const H = 50;
const image = (seed: number) => img(seed, 'png', { w: W, h: H });

/** Every file under the dataset's backup folder. */
async function backups(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  await walk(join(dir, '.kestrel', 'backups'));
  return out;
}

const failing = (code: string): EditIo => ({
  writeFile: async () => {
    throw Object.assign(new Error(`${code}: permission denied`), { code });
  },
  copyFile: realIo.copyFile,
});

const rejectsWith = async (p: Promise<unknown>, code: string) => assert.rejects(p, (err: unknown) => err instanceof KestrelError && err.code === code);

test('YOLO data.yaml: edit by label file, backup, atomic failure leaves the original, version check', async () => {
  const label = '0 0.5 0.5 0.2 0.4\n1 0.1 0.1 0.1 0.1\n';
  const t = await makeTree({
    'data.yaml': 'path: .\ntrain: images/train\nval: images/val\nnames: [crack, scratch]\n',
    'images/train/a.png': image(1),
    'labels/train/a.txt': label,
    'images/val/b.png': image(2),
    'labels/val/b.txt': '0 0.5 0.5 0.2 0.2\n',
  });
  try {
    const doc = await readLabels(t.dir, join(t.dir, 'labels/train/a.txt'));
    assert.equal(doc.image, join(t.dir, 'images/train/a.png'));
    assert.equal(doc.format, 'yolo-yaml');
    assert.deepEqual(doc.classNames, ['crack', 'scratch']);
    assert.equal(doc.boxes.length, 2);
    const labelFile = join(t.dir, 'labels/train/a.txt');

    await rejectsWith(
      saveLabels(t.dir, 'images/train/a.png', [], {
        version: doc.version,
        io: failing('EACCES'),
      }),
      'LABELS_READ_ONLY',
    );
    assert.equal(await readFile(labelFile, 'utf8'), label, 'a failed save leaves the file as it was');
    await rejectsWith(
      saveLabels(t.dir, 'images/train/a.png', [], {
        version: doc.version,
        io: failing('ENOSPC'),
      }),
      'LABELS_WRITE_FAILED',
    );
    assert.equal(await readFile(labelFile, 'utf8'), label);
    assert.deepEqual((await readdir(join(t.dir, 'labels/train'))).sort(), ['a.txt'], 'no temp files left');

    const [a, b] = doc.boxes as [NonNullable<(typeof doc.boxes)[0]>, NonNullable<(typeof doc.boxes)[0]>];
    const saved = await saveLabels(
      t.dir,
      'images/train/a.png',
      [
        { ...b, cls: 0 },
        { x1: 0, y1: 0, x2: 50, y2: 25, cls: 1, key: null },
      ],
      { version: doc.version },
    );
    void a;
    assert.equal(await readFile(labelFile, 'utf8'), '0 0.1 0.1 0.1 0.1\n1 0.250000 0.250000 0.500000 0.500000\n');
    assert.ok(saved.backup && (await readFile(saved.backup, 'utf8')) === label, 'the backup holds the original');
    assert.deepEqual(saved.keys, ['l0', 'l1']);
    await rejectsWith(saveLabels(t.dir, 'images/train/a.png', [], { version: doc.version }), 'LABELS_CHANGED_ON_DISK');

    const good = await saveLabels(t.dir, 'images/train/a.png', [], {
      version: saved.doc.version,
    });
    assert.equal(await readFile(labelFile, 'utf8'), '', 'a good part is an empty label file');
    assert.equal(good.doc.boxes.length, 0);
    assert.equal((await backups(t.dir)).length, 2);
    const ds = await importDataset(t.dir);
    assert.equal(ds.splits.train[0]?.boxes.length, 0, 'the import still reads the dataset, backups are not images');

    await rejectsWith(readLabels(t.dir, '../outside.png'), 'LABELS_OUTSIDE_DATASET');
    await rejectsWith(saveLabels(t.dir, 'images/train/a.png', [{ x1: 200, y1: 0, x2: 300, y2: 10, cls: 0, key: null }]), 'LABELS_BOX_INVALID');
    await rejectsWith(saveLabels(t.dir, 'images/train/a.png', [{ x1: 0, y1: 0, x2: 10, y2: 10, cls: 5, key: null }]), 'LABELS_CLASS_UNKNOWN');
  } finally {
    await t.cleanup();
  }
});

test('YOLO: an image without a label gets one; adding a reviewed image copies it into the train folder', async () => {
  const t = await makeTree({
    'classes.txt': 'crack\n',
    'images/train/a.png': image(1),
    'labels/train/a.txt': '0 0.5 0.5 0.5 0.5\n',
    'images/train/n.png': image(3),
  });
  // Reviewed images come from outside the dataset (a run's predict output, a dropped file).
  const src = await makeTree({ 'new/p.png': image(4), 'other/p.png': image(6) });
  try {
    const doc = await readLabels(t.dir, 'images/train/n.png');
    assert.equal(doc.labelExists, false);
    const r = await saveLabels(t.dir, 'images/train/n.png', [{ x1: 10, y1: 10, x2: 20, y2: 20, cls: 0, key: null }], { version: doc.version });
    assert.equal(r.backup, null);
    assert.equal(await readFile(join(t.dir, 'labels/train/n.txt'), 'utf8'), '0 0.150000 0.300000 0.100000 0.200000\n');
    const added = await addImage(t.dir, join(src.dir, 'new/p.png'), [{ x1: 0, y1: 0, x2: 50, y2: 50, cls: 0, key: null }]);
    assert.equal(added.image, join(t.dir, 'images/train/p.png'));
    assert.equal(await readFile(join(t.dir, 'labels/train/p.txt'), 'utf8'), '0 0.250000 0.500000 0.500000 1.000000\n');
    const again = await addImage(t.dir, join(src.dir, 'other/p.png'), []);
    assert.equal(again.image, join(t.dir, 'images/train/p-1.png'), 'never overwrites an image');
    assert.equal(await readFile(join(t.dir, 'labels/train/p-1.txt'), 'utf8'), '');
    // The same picture again (any name, any split) would train on it twice: refused, nothing written.
    await rejectsWith(addImage(t.dir, join(src.dir, 'new/p.png'), []), 'LABELS_ALREADY_IN_DATASET');
    await rejectsWith(addImage(t.dir, join(t.dir, 'images/train/n.png'), []), 'LABELS_ALREADY_IN_DATASET');
    assert.deepEqual((await readdir(join(t.dir, 'images/train'))).sort(), ['a.png', 'n.png', 'p-1.png', 'p.png']);
  } finally {
    await t.cleanup();
    await src.cleanup();
  }
});

test('VOC: save keeps other elements, backup beside in .kestrel; adding an image writes XML and ImageSets', async () => {
  const xml =
    '<annotation>\n\t<filename>a.png</filename>\n\t<size><width>100</width><height>50</height></size>\n\t<object>\n\t\t<name>crack</name>\n\t\t<pose>Front</pose>\n\t\t<difficult>1</difficult>\n\t\t<bndbox><xmin>11</xmin><ymin>11</ymin><xmax>20</xmax><ymax>20</ymax></bndbox>\n\t</object>\n</annotation>\n';
  const t = await makeTree({
    'JPEGImages/a.png': image(1),
    'Annotations/a.xml': xml,
    'JPEGImages/b.png': image(2),
    'Annotations/b.xml': xml.replace('a.png', 'b.png').replace('crack', 'scratch'),
    'ImageSets/Main/train.txt': 'a\n',
    'ImageSets/Main/val.txt': 'b\n',
  });
  const src = await makeTree({ 'incoming/c.png': image(5) });
  try {
    const doc = await readLabels(t.dir, join(t.dir, 'JPEGImages/a.png'));
    assert.equal(doc.labelFile, join(t.dir, 'Annotations/a.xml'));
    assert.deepEqual(doc.classNames, ['crack', 'scratch']);
    const b0 = doc.boxes[0]!;
    const r = await saveLabels(
      t.dir,
      'Annotations/a.xml',
      [
        { ...b0, x1: 30, x2: 50 },
        { x1: 60, y1: 0, x2: 80, y2: 10, cls: 1, key: null },
      ],
      { version: doc.version },
    );
    const text = await readFile(join(t.dir, 'Annotations/a.xml'), 'utf8');
    assert.ok(text.includes('<pose>Front</pose>\n\t\t<difficult>1</difficult>\n\t\t<bndbox><xmin>31</xmin><ymin>11</ymin><xmax>50</xmax><ymax>20</ymax></bndbox>'));
    assert.ok(text.includes('\t<object>\n\t\t<name>scratch</name>'));
    assert.equal(await readFile(r.backup!, 'utf8'), xml);
    assert.ok(r.backup!.startsWith(join(t.dir, '.kestrel', 'backups')) && r.backup!.endsWith(join('Annotations', 'a.xml')));
    assert.equal(r.doc.boxes[0]?.difficult, true);

    const added = await addImage(t.dir, join(src.dir, 'incoming/c.png'), [{ x1: 1, y1: 1, x2: 9, y2: 9, cls: 0, key: null }]);
    assert.equal(added.image, join(t.dir, 'JPEGImages/c.png'));
    assert.equal(added.labelFile, join(t.dir, 'Annotations/c.xml'));
    assert.equal(await readFile(join(t.dir, 'ImageSets/Main/train.txt'), 'utf8'), 'a\nc\n');
    const ds = await importDataset(t.dir);
    const c = ds.splits.train.find((x) => x.file.endsWith('c.png'));
    assert.deepEqual(
      c?.boxes.map((x) => [x.x1, x.y1, x.x2, x.y2, x.cls]),
      [[1, 1, 9, 9, 0]],
    );
    assert.equal(ds.splits.val.length, 1);
  } finally {
    await t.cleanup();
    await src.cleanup();
  }
});

test('COCO: save edits one image in place, lists an unlisted image, adds a reviewed image to the train JSON', async () => {
  const json = JSON.stringify(
    {
      info: { v: 1 },
      images: [
        { id: 1, file_name: 'a.png', width: 100, height: 50 },
        { id: 2, file_name: 'b.png', width: 100, height: 50 },
      ],
      annotations: [
        {
          id: 1,
          image_id: 1,
          category_id: 1,
          bbox: [10, 10, 10, 10],
          area: 100,
          iscrowd: 0,
          attributes: { x: 1 },
        },
        {
          id: 2,
          image_id: 2,
          category_id: 2,
          bbox: [0, 0, 5, 5],
          area: 25,
          iscrowd: 1,
          segmentation: { counts: 'zz', size: [50, 100] },
        },
      ],
      categories: [
        { id: 1, name: 'crack' },
        { id: 2, name: 'scratch' },
      ],
    },
    null,
    2,
  );
  const t = await makeTree({
    'annotations/instances_train.json': json,
    'images/a.png': image(1),
    'images/b.png': image(2),
    'images/u.png': image(3),
  });
  const src = await makeTree({ 'in/p.png': image(4) });
  const file = join(t.dir, 'annotations/instances_train.json');
  try {
    const doc = await readLabels(t.dir, 'images/a.png');
    assert.equal(doc.format, 'coco');
    assert.equal(doc.labelFile, file);
    const r = await saveLabels(t.dir, 'images/a.png', [{ ...doc.boxes[0]!, cls: 1 }], { version: doc.version });
    const after = JSON.parse(await readFile(file, 'utf8')) as {
      annotations: Record<string, unknown>[];
      images: unknown[];
    };
    assert.deepEqual(after.annotations[0], {
      id: 1,
      image_id: 1,
      category_id: 2,
      bbox: [10, 10, 10, 10],
      area: 100,
      iscrowd: 0,
      attributes: { x: 1 },
    });
    assert.equal(await readFile(r.backup!, 'utf8'), json);
    assert.ok((await readFile(file, 'utf8')).includes(JSON.stringify(JSON.parse(json).annotations[1], null, 2).split('\n').join('\n    ')), 'the other image stays byte for byte');

    const u = await readLabels(t.dir, 'images/u.png');
    assert.equal(u.boxes.length, 0);
    await saveLabels(t.dir, 'images/u.png', [{ x1: 1, y1: 2, x2: 11, y2: 12, cls: 0, key: null }], { version: u.version });
    const u2 = await readLabels(t.dir, 'images/u.png');
    assert.deepEqual(
      u2.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2, b.cls]),
      [[1, 2, 11, 12, 0]],
    );

    const added = await addImage(t.dir, join(src.dir, 'in/p.png'), [{ x1: 0, y1: 0, x2: 20, y2: 20, cls: 1, key: null }]);
    assert.equal(added.image, join(t.dir, 'images/p.png'));
    const ds = await importDataset(t.dir);
    assert.equal(ds.splits.train.length, 4);
    const p = ds.splits.train.find((x) => x.file === added.image);
    assert.deepEqual(
      p?.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2, b.cls]),
      [[0, 0, 20, 20, 1]],
    );
    await writeFile(file, '{"images": [], "annotations": [');
    await rejectsWith(readLabels(t.dir, join(t.dir, 'images/a.png')), 'LABELS_FILE_UNREADABLE');
    await rejectsWith(readLabels(t.dir, join(t.dir, 'images/nope.png')), 'LABELS_NOT_FOUND');
  } finally {
    await t.cleanup();
    await src.cleanup();
  }
});

test('adding a reviewed image to a data.yaml set: train folder from the yaml, a validation image is refused', async () => {
  const t = await makeTree({
    'data.yaml': 'path: .\ntrain: images/train\nval: images/val\nnames: [crack, scratch]\n',
    'images/train/a.png': image(1),
    'labels/train/a.txt': '0 0.5 0.5 0.2 0.4\n',
    'images/val/v.png': image(2),
    'labels/val/v.txt': '1 0.5 0.5 0.2 0.4\n',
  });
  const src = await makeTree({ 'predict/v-copy.png': image(2), 'predict/new.png': image(3) });
  try {
    const err = await addImage(join(t.dir, 'data.yaml'), join(src.dir, 'predict/v-copy.png'), []).catch((e: unknown) => e);
    assert.ok(err instanceof KestrelError && err.code === 'LABELS_ALREADY_IN_DATASET');
    assert.match(err.message, /images\/val\/v\.png/, 'names the image already there');
    const added = await addImage(join(t.dir, 'data.yaml'), join(src.dir, 'predict/new.png'), [{ x1: 10, y1: 5, x2: 30, y2: 25, cls: 1, key: null }]);
    assert.equal(added.image, join(t.dir, 'images/train/new.png'));
    assert.equal(added.listFile, null);
    const ds = await importDataset(join(t.dir, 'data.yaml'));
    const p = ds.splits.train.find((x) => x.file === added.image);
    assert.deepEqual(
      p?.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2, b.cls].map((v) => Math.round(v * 1000) / 1000)),
      [[10, 5, 30, 25, 1]],
    );
  } finally {
    await t.cleanup();
    await src.cleanup();
  }
});
