// The pretraining set (issue 14): formula-driven synthetic images, deterministic from the seed,
// every family present, boxes inside the image and on painted pixels, readable as a YOLO dataset.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../electron/engine/data/rng';
import { PRETRAIN_CLASSES, generatePretrainDataset, renderPretrainImage } from '../../../electron/engine/data/pretrain/index';
import { paintSurface } from '../../../electron/engine/data/pretrain/textures';
import { paintObject } from '../../../electron/engine/data/pretrain/shapes';
import { importDataset } from '../../../electron/engine/data/import/index';

const dir = mkdtempSync(join(tmpdir(), 'kestrel-pretrain-set-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the same seed paints the same image and labels; another seed does not', () => {
  const a = renderPretrainImage(createRng(7, 3), 160, 120);
  const b = renderPretrainImage(createRng(7, 3), 160, 120);
  const c = renderPretrainImage(createRng(8, 3), 160, 120);
  assert.deepEqual(a.objects, b.objects);
  assert.ok(Buffer.from(a.rgb).equals(Buffer.from(b.rgb)));
  assert.ok(!Buffer.from(a.rgb).equals(Buffer.from(c.rgb)));
});

test('over 300 images every family appears, boxes lie inside the image and sizes span small to large', () => {
  const seen = new Set<number>();
  const shares: number[] = [];
  let empty = 0;
  for (let i = 0; i < 300; i++) {
    const [w, h] = [96 + (i % 5) * 16, 96 + (i % 3) * 16];
    const { objects } = renderPretrainImage(createRng(5, i), w, h);
    if (objects.length === 0) empty++;
    for (const o of objects) {
      seen.add(o.cls);
      assert.ok(o.x1 >= 0 && o.y1 >= 0 && o.x2 <= w && o.y2 <= h && o.x2 - o.x1 >= 3 && o.y2 - o.y1 >= 3, JSON.stringify(o));
      shares.push(Math.max(o.x2 - o.x1, o.y2 - o.y1) / Math.min(w, h));
    }
  }
  assert.deepEqual([...seen].sort(), PRETRAIN_CLASSES.map((_n, i) => i));
  assert.ok(empty > 0 && empty < 40, `images without objects: ${empty}`);
  assert.ok(Math.min(...shares) < 0.1 && Math.max(...shares) > 0.5, `box sizes ${Math.min(...shares)}..${Math.max(...shares)}`);
});

test('every family paints inside its box and nowhere outside it, at a visible contrast; a shape too thin to label is not painted', () => {
  for (let cls = 0; cls < PRETRAIN_CLASSES.length; cls++) {
    let painted = 0;
    for (let k = 0; k < 20; k++) {
      const rng = createRng(11, cls, k);
      const g = paintSurface(rng, 128, 128);
      const before = Float32Array.from(g.v);
      const box = paintObject(g, rng, cls, 64, 64, 30 + k * 3);
      if (!box) {
        assert.deepEqual(g.v, before, `${PRETRAIN_CLASSES[cls]} ${k}: nothing painted without a box`);
        continue;
      }
      painted++;
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < 128; y++) {
        for (let x = 0; x < 128; x++) {
          const d = Math.abs((g.v[y * 128 + x] as number) - (before[y * 128 + x] as number));
          // A soft edge may touch the pixel ring just outside the tight box.
          const inBox = x >= box.x1 - 1 && x < box.x2 + 1 && y >= box.y1 - 1 && y < box.y2 + 1;
          if (inBox) inside = Math.max(inside, d);
          else outside = Math.max(outside, d);
        }
      }
      assert.ok(inside >= 10, `${PRETRAIN_CLASSES[cls]} ${k}: largest change in its box ${inside.toFixed(1)}`);
      assert.ok(outside < 0.5 * inside, `${PRETRAIN_CLASSES[cls]} ${k}: change outside its box ${outside.toFixed(1)} (inside ${inside.toFixed(1)})`);
    }
    assert.ok(painted >= 16, `${PRETRAIN_CLASSES[cls]}: ${painted} of 20 painted`);
  }
});

test('generatePretrainDataset writes a YOLO set Kestrel imports: 8 classes, 1 in 20 images validates', async () => {
  const out = join(dir, 'set');
  const { classNames } = await generatePretrainDataset(out, { images: 40, seed: 2, size: [64, 96] });
  assert.deepEqual(classNames, [...PRETRAIN_CLASSES]);
  assert.equal(readdirSync(join(out, 'images', 'val')).length, 2);
  assert.equal(readdirSync(join(out, 'images', 'train')).length, 38);
  assert.match(readFileSync(join(out, 'data.yaml'), 'utf8'), /nc: 8/);
  const ds = await importDataset(out);
  assert.deepEqual(ds.classNames, [...PRETRAIN_CLASSES]);
  assert.equal(ds.splits.train.length + ds.splits.val.length, 40);
  assert.ok(ds.splits.train.some((r) => r.boxes.length > 0));
});
