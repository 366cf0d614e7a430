// predict end to end: with a fake model (verdicts, labels, CSV, predictions.json, skipped bad
// files, 16-bit gray input, fresh folder per run) and with a real saved TF.js detector (runs,
// writes, and leaves no tensors behind).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { initBackend } from '../../../electron/engine/backend/index';
import { createDetector } from '../../../electron/engine/model/detector';
import { saveDetector } from '../../../electron/engine/model/persist';
import { predict, predictWith, resolveWeights, type PredictEvent } from '../../../electron/engine/predict/predict';
import { saveThresholds } from '../../../electron/engine/predict/thresholds';
import { defaultThresholds } from '../../../electron/shared/schemas/thresholds';
import { brightSquareModel } from './fake-model';

async function png(file: string, w: number, h: number, square: [number, number, number] | null, gray16 = false): Promise<void> {
  if (gray16) {
    const px = new Uint16Array(w * h).fill(10000);
    if (square) for (let y = square[1]; y < square[1] + square[2]; y++) for (let x = square[0]; x < square[0] + square[2]; x++) px[y * w + x] = 65535;
    // a Uint16Array input makes sharp read 16-bit samples
    await sharp(px, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png().toFile(file);
    return;
  }
  const px = new Uint8Array(w * h * 3).fill(40);
  if (square) for (let y = square[1]; y < square[1] + square[2]; y++) for (let x = square[0]; x < square[0] + square[2]; x++) px.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

test('predictWith writes verdicts, labels, CSV and predictions.json, and skips bad files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-predict-'));
  try {
    const runDir = join(root, 'run');
    await mkdir(runDir, { recursive: true });
    const t = defaultThresholds(['划痕', 'dent']);
    t.classes[0]!.conf = 0.95; // the fake model scores 0.9: class 0 is never NG at 0.95 ...
    await saveThresholds(runDir, t);
    const src = join(root, 'imgs');
    await mkdir(join(src, 'sub'), { recursive: true });
    await png(join(src, 'a.png'), 128, 96, [20, 30, 24]);
    await png(join(src, 'b.png'), 128, 96, null);
    await png(join(src, 'sub', 'c.png'), 96, 128, [10, 10, 30], true);
    await writeFile(join(src, 'broken.jpg'), Buffer.from('not a jpeg at all'));
    await writeFile(join(src, 'empty.png'), Buffer.alloc(0));

    // ... so the fake model reports class 1 (dent), threshold 0.25
    const fake = brightSquareModel(4);
    const detect = async (inputs: Uint8Array[], imgsz: number) => (await fake(inputs, imgsz)).map((ds) => ds.map((d) => ({ ...d, cls: 1 })));
    const model = { detect, classNames: ['划痕', 'dent'], imgsz: 64, dispose: () => undefined };
    const events: PredictEvent[] = [];
    const res = await predictWith(model, runDir, { weights: runDir, source: src, saveImages: true }, (e) => events.push(e));

    assert.equal(res.outDir, join(runDir, 'predict', '1'));
    assert.deepEqual(res.summary.images, 3);
    assert.equal(res.summary.skipped, 2);
    assert.equal(res.summary.ng, 2);
    assert.deepEqual(res.summary.perClass, { 划痕: 0, dent: 2 });
    const byName = Object.fromEntries(res.images.map((im) => [im.file.split(/[\\/]/).pop()!, im]));
    assert.equal(byName['a.png']!.verdict, 'NG');
    assert.equal(byName['b.png']!.verdict, 'OK');
    assert.equal(byName['c.png']!.verdict, 'NG'); // 16-bit grayscale decoded like the importer does
    // boxes in original pixels: the 24 px square at (20, 30), within the letterbox rounding
    const box = byName['a.png']!.detections[0]!;
    assert.equal(box.name, 'dent');
    for (const [got, want] of [[box.x1, 20], [box.y1, 30], [box.x2, 44], [box.y2, 54]] as const) assert.ok(Math.abs(got - want) <= 2.5, `${got} vs ${want}`);
    assert.deepEqual(res.skipped.map((s) => [s.file.split(/[\\/]/).pop(), s.code]).sort(), [['broken.jpg', 'DS_IMAGE_UNREADABLE'], ['empty.png', 'DS_FILE_EMPTY']]);

    const out = res.outDir;
    const label = (await readFile(join(out, 'labels', 'a.txt'), 'utf8')).trim().split(' ').map(Number);
    assert.equal(label[0], 1);
    assert.ok(Math.abs(label[1]! - 32 / 128) < 0.02 && Math.abs(label[3]! - 24 / 128) < 0.03, String(label));
    assert.equal(await readFile(join(out, 'labels', 'b.txt'), 'utf8'), '');
    assert.deepEqual((await readdir(join(out, 'images'))).sort(), ['a.jpg', 'b.jpg', 'c.jpg']);
    const csv = (await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\r\n');
    assert.equal(csv[0], 'file,width,height,verdict,detections,划痕,dent,max_score,ms,error');
    assert.equal(csv.length, 6);
    assert.ok(csv.some((l) => l.includes('broken.jpg') && l.includes(',SKIPPED,') && l.endsWith(',DS_IMAGE_UNREADABLE')));
    const json = JSON.parse(await readFile(join(out, 'predictions.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(json['thresholds'], { byClass: { 划痕: 0.95, dent: 0.25 }, iou: 0.7, from: 'thresholds.json' });
    assert.equal((json['images'] as unknown[]).length, 3);
    assert.deepEqual(events.map((e) => e.type).filter((x) => x !== 'image' && x !== 'skipped'), ['predict-start', 'predict-end']);
    assert.equal(events.filter((e) => e.type === 'skipped').length, 2);

    // a second run never touches the first; --conf overrides every class
    const again = await predictWith(model, runDir, { weights: runDir, source: join(src, 'a.png'), conf: 0.95 });
    assert.equal(again.outDir, join(runDir, 'predict', '2'));
    assert.equal(again.images[0]!.verdict, 'OK');
    assert.equal((await readdir(join(out, 'labels'))).length, 3);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('predict with a saved TF.js detector: run folder or weights folder, no tensors left', async () => {
  await initBackend({ force: 'wasm' });
  const root = await mkdtemp(join(tmpdir(), 'kestrel-predict-tf-'));
  try {
    const runDir = join(root, 'run');
    const det = createDetector({ scale: 'n', imgsz: 64, numClasses: 2, norm: 'batch' }, { seed: 5 });
    await saveDetector(det, join(runDir, 'weights', 'last'), { classNames: ['a', 'b'] });
    det.dispose();
    assert.deepEqual(await resolveWeights(runDir), { runDir, weightsDir: join(runDir, 'weights', 'last') });
    assert.deepEqual(await resolveWeights(join(runDir, 'weights', 'last')), { runDir, weightsDir: join(runDir, 'weights', 'last') });
    await assert.rejects(resolveWeights(root), { code: 'PREDICT_NO_WEIGHTS' });
    await png(join(root, 'x.png'), 200, 150, [50, 50, 40]);
    const before = tf.memory().numTensors;
    // random weights: the scores hover around sigmoid(init bias); a low threshold gives detections
    const res = await predict({ weights: runDir, source: join(root, 'x.png'), conf: 0.001, tile: { kind: 'size', size: 96 }, out: join(root, 'out') });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(res.outDir, join(root, 'out'));
    assert.equal(res.images.length, 1);
    assert.equal(res.images[0]!.tiles, 6); // 200x150 in 96 px tiles, 20% overlap: 3 x 2
    assert.ok(res.images[0]!.detections.length > 0);
    for (const d of res.images[0]!.detections) assert.ok(d.x1 >= 0 && d.y1 >= 0 && d.x2 <= 200 && d.y2 <= 150 && d.x1 <= d.x2);
    // the same --out again goes to out-2
    const again = await predict({ weights: runDir, source: join(root, 'x.png'), out: join(root, 'out') });
    assert.equal(again.outDir, join(root, 'out-2'));

    // ONNX Runtime (the weights exported in memory, cached in the run) finds the same boxes
    const opts = { weights: runDir, source: join(root, 'x.png'), conf: 0.01 };
    const viaTf = await predict({ ...opts, runtime: 'tfjs' });
    const viaOrt = await predict({ ...opts, runtime: 'onnx' });
    const json = JSON.parse(await readFile(join(viaOrt.outDir, 'predictions.json'), 'utf8')) as { runtime: string };
    assert.equal(json.runtime, 'onnxruntime-node');
    assert.ok((await readdir(join(runDir, 'predict', '.onnx'))).some((f) => f.endsWith('-64.onnx')));
    const a = viaTf.images[0]!.detections;
    const b = viaOrt.images[0]!.detections;
    assert.ok(a.length >= 10);
    // random weights put many scores right at the 0.01 cut, so a box or two may flip there
    assert.ok(Math.abs(b.length - a.length) <= 2, `${b.length} vs ${a.length}`);
    for (let i = 0; i < Math.min(10, a.length); i++) {
      assert.equal(b[i]!.cls, a[i]!.cls);
      for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(b[i]![k] - a[i]![k]) < 0.05, `${k}: ${b[i]![k]} vs ${a[i]![k]}`);
      assert.ok(Math.abs(b[i]!.score - a[i]!.score) < 1e-3);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
