import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateDemoDataset } from '../../../../electron/engine/data/demo/index';
import { importDataset } from '../../../../electron/engine/data/import/index';
import { tempDir } from './helpers';

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, readFileSync(join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

test('the demo set is deterministic from its seed, valid, and importable', async () => {
  const t = tempDir('kestrel-demo-');
  try {
    const a = await generateDemoDataset(join(t.dir, 'a'), { seed: 7, images: 30 });
    const b = await generateDemoDataset(join(t.dir, 'b'), { seed: 7, images: 30 });
    const c = await generateDemoDataset(join(t.dir, 'c'), { seed: 8, images: 30 });
    assert.deepEqual(a.classNames, ['scratch', 'spot', 'hole']);
    const fa = filesOf(a.dir);
    const fb = filesOf(b.dir);
    assert.equal(fa.size, 30 * 2 + 1);
    assert.deepEqual([...fa.keys()].sort(), [...fb.keys()].sort());
    for (const [k, v] of fa) assert.ok(v.equals(fb.get(k) as Buffer), `${k} differs between runs`);
    assert.ok(!(fa.get('images/train/demo_00.jpg') as Buffer).equals(filesOf(c.dir).get('images/train/demo_00.jpg') as Buffer));

    const seen = new Set<number>();
    let boxes = 0;
    for (const [k, v] of fa) {
      if (!k.startsWith('labels/')) continue;
      const img = k.replace(/^labels/, 'images').replace(/\.txt$/, '.jpg');
      const meta = await sharp(fa.get(img) as Buffer).metadata();
      assert.ok(meta.width >= 64 && meta.width <= 320 && meta.height >= 64 && meta.height <= 320);
      for (const line of v.toString().trim().split('\n').filter(Boolean)) {
        const [cls, cx, cy, w, h] = line.split(' ').map(Number) as [number, number, number, number, number];
        seen.add(cls);
        boxes++;
        assert.ok(cls >= 0 && cls < 3);
        assert.ok(cx - w / 2 >= 0 && cy - h / 2 >= 0 && cx + w / 2 <= 1 + 1e-6 && cy + h / 2 <= 1 + 1e-6, `${k}: box inside the image`);
        // Learnable: no defect smaller than ~10% of the shorter image side.
        const side = Math.min(meta.width, meta.height);
        assert.ok(Math.max(w * meta.width, h * meta.height) >= 0.1 * side, `${k}: defect large enough`);
      }
    }
    assert.equal(seen.size, 3);
    assert.ok(boxes >= 30, `${boxes} boxes in 30 images`);

    const ds = await importDataset(join(a.dir, 'data.yaml'));
    assert.deepEqual(ds.classNames, a.classNames);
    assert.equal(ds.splits.train.length, 24);
    assert.equal(ds.splits.val.length, 6);
    assert.equal(ds.splits.train.reduce((n, r) => n + r.boxes.length, 0) + ds.splits.val.reduce((n, r) => n + r.boxes.length, 0), boxes);
    assert.equal(ds.problems.filter((p) => p.severity === 'error').length, 0);
  } finally {
    t.cleanup();
  }
});

test('defectPx paints small defects on large images (the tiling case), and leaves the default set unchanged', async () => {
  const t = tempDir('kestrel-demo-small-');
  try {
    const { dir } = await generateDemoDataset(join(t.dir, 's'), { seed: 3, images: 10, size: [900, 1000], defectPx: [10, 20] });
    const files = filesOf(dir);
    const longer: number[] = [];
    for (const [k, v] of files) {
      if (!k.startsWith('labels/')) continue;
      const meta = await sharp(files.get(k.replace(/^labels/, 'images').replace(/\.txt$/, '.jpg')) as Buffer).metadata();
      assert.ok(meta.width >= 900 && meta.width <= 1000);
      for (const line of v.toString().trim().split('\n').filter(Boolean)) {
        const [, cx, cy, w, h] = line.split(' ').map(Number) as [number, number, number, number, number];
        assert.ok(cx - w / 2 >= 0 && cy - h / 2 >= 0 && cx + w / 2 <= 1 + 1e-6 && cy + h / 2 <= 1 + 1e-6, `${k}: box inside the image`);
        longer.push(Math.max(w * meta.width, h * meta.height));
      }
    }
    assert.ok(longer.length >= 8, `${longer.length} boxes`);
    longer.sort((a, b) => a - b);
    // Each defect is about 10-20 px (shapes vary: 5-30 px at the extremes), whatever the image size.
    assert.ok(longer[0]! >= 5 && longer[longer.length - 1]! <= 30, `box sides ${longer[0]}..${longer[longer.length - 1]} px`);
    const median = longer[Math.floor(longer.length / 2)]!;
    assert.ok(median >= 10 && median <= 20, `median ${median} px`);
    // The option off: byte for byte the set the seed always gave.
    const a = filesOf((await generateDemoDataset(join(t.dir, 'a'), { seed: 7, images: 5 })).dir);
    const b = filesOf((await generateDemoDataset(join(t.dir, 'b'), { seed: 7, images: 5, size: [64, 320] })).dir);
    for (const [k, v] of a) assert.ok(v.equals(b.get(k) as Buffer), k);
  } finally {
    t.cleanup();
  }
});
