/**
 * exportModel end to end on a saved tiny run: the files written (model, card, examples), the
 * run's exports.json, the Node example from the model card reproducing Kestrel's detections on
 * a real PNG, createOnnxRunner, onnx.checker where Python's onnx is installed, and the coded
 * errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { decodeImage } from '../../../electron/engine/data/image';
import { letterboxPixels } from '../../../electron/engine/data/letterbox';
import { anchorsFor, decodePredictions } from '../../../electron/engine/eval/decode';
import { saveDetector } from '../../../electron/engine/model/persist';
import { saveThresholds } from '../../../electron/engine/predict/thresholds';
import { exportModel, listExports } from '../../../electron/engine/export/export';
import { createOnnxRunner } from '../../../electron/engine/export/runner';
import { readOnnxMetadata } from '../../../electron/engine/export/onnx-file';
import { KestrelError } from '../../../electron/shared/errors';
import { defaultThresholds } from '../../../electron/shared/schemas/thresholds';
import type { Detection } from '../../../electron/shared/schemas/evaluation';
import { assertSameDetections, gapThresholds, perturbedDetector, tfReference } from './helpers';

const run = promisify(execFile);
const SIDE = 64;
const CLASSES = ['scratch', '划痕'];
const IOU = 0.6;

/** A 120 x 80 RGB picture (not square, so the letterbox matters): gradient, bright block, dark stripe. */
function picture(): Buffer {
  const w = 120;
  const h = 80;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const block = x > 30 && x < 70 && y > 20 && y < 50;
      px[i] = block ? 240 : 60 + x;
      px[i + 1] = block ? 230 : 90 + ((x * y) % 50);
      px[i + 2] = y > 60 && y < 66 ? 10 : 120 + y;
    }
  }
  return px;
}

interface Fixture {
  root: string;
  runDir: string;
  image: string;
  /** Kestrel's detections in original-image pixels, and in input pixels. */
  want: Detection[];
  wantInput: Detection[];
  input: Float32Array;
  conf: number[];
}

let fixture: Promise<Fixture> | undefined;

/** A saved run (weights/best, thresholds.json, plan/config/split, val predictions) and Kestrel's own detections on a PNG. */
function setup(): Promise<Fixture> {
  fixture ??= (async () => {
    await initBackend({ force: 'wasm' });
    const root = await mkdtemp(join(tmpdir(), 'kestrel-export-'));
    const runDir = join(root, 'runs', 'line-a');
    const image = join(root, 'part.png');
    await sharp(picture(), { raw: { width: 120, height: 80, channels: 3 } }).png().toFile(image);
    const det = perturbedDetector({ scale: 'n', imgsz: SIDE, numClasses: CLASSES.length, norm: 'batch' }, 21);
    try {
      const rgb = await decodeImage(image);
      const lb = letterboxPixels(rgb.data, rgb.width, rgb.height, SIDE);
      const input = Float32Array.from(lb.data, (v) => v * (1 / 255));
      const ref = await tfReference(det, input);
      const conf = gapThresholds(ref.output0, CLASSES.length, 30);
      const filter = (d: Detection) => d.score >= conf[d.cls]!;
      const opts = { confThreshold: Math.min(...conf), iouThreshold: IOU, maxDetections: 300, multiLabel: false };
      const want = decodePredictions(ref.raw, anchorsFor(SIDE), { ...opts, letterbox: [lb.info] })[0]!.filter(filter);
      const wantInput = decodePredictions(ref.raw, anchorsFor(SIDE), opts)[0]!.filter(filter);
      tf.dispose([ref.raw.box, ref.raw.cls]);
      assert.ok(want.length >= 3, `the test needs detections (got ${want.length})`);
      await saveDetector(det, join(runDir, 'weights', 'best'), { classNames: CLASSES });
      await saveThresholds(runDir, { ...defaultThresholds(CLASSES), iou: IOU, classes: CLASSES.map((name, i) => ({ name, conf: conf[i]!, source: 'user' as const })) });
      await writeFile(join(runDir, 'config.json'), JSON.stringify({ datasetPath: '/data/line-a' }));
      await writeFile(join(runDir, 'split.json'), JSON.stringify({ version: 1, train: ['a', 'b', 'c'], val: ['d'] }));
      await writeFile(
        join(runDir, 'plan.json'),
        JSON.stringify({ modelSpec: { scale: 'n', imgsz: SIDE }, norm: 'batch', epochs: 3, optimizer: 'adamw', lr: 0.001, perDeviceBatch: 2, accumulation: 1, effectiveBatch: 2, totalSteps: 6, trainImages: 3, backend: 'wasm', device: { name: 'Test CPU' } }),
      );
      // One validation image whose only box is the best detection: class 0 or 1 gets tp 1.
      const top = want[0]!;
      await writeFile(
        join(runDir, 'val-predictions.json'),
        JSON.stringify({ classNames: CLASSES, images: [{ file: image, width: 120, height: 80, truths: [{ ...top, score: undefined }], detections: want }] }),
      );
      return { root, runDir, image, want, wantInput, input, conf };
    } finally {
      det.dispose();
    }
  })();
  return fixture;
}

test('export writes the ONNX file, the model card, both examples and a record in the run folder', async () => {
  const f = await setup();
  const r = await exportModel({ weights: f.runDir, now: new Date('2026-03-01T08:00:00Z') });
  assert.equal(r.file, join(f.runDir, 'export', 'line-a-opset17.onnx'));
  assert.equal(r.runDir, resolve(f.runDir));
  const meta = readOnnxMetadata(await readFile(r.file));
  assert.equal(meta.get('names'), "{0: 'scratch', 1: '划痕'}");
  assert.equal(meta.get('imgsz'), `[${SIDE}, ${SIDE}]`);
  assert.equal(meta.get('kestrel_run_id'), 'line-a');
  assert.deepEqual(JSON.parse(meta.get('kestrel_strides')!), [8, 16, 32]);
  assert.equal(JSON.parse(meta.get('kestrel_letterbox')!).fill, 114);
  assert.deepEqual(JSON.parse(meta.get('kestrel_thresholds')!).classes.map((c: { conf: number }) => c.conf), f.conf);

  const card = JSON.parse(await readFile(join(r.outDir, 'model.json'), 'utf8'));
  assert.equal(card.file, 'line-a-opset17.onnx');
  assert.deepEqual(card.classes.map((c: { name: string; threshold: number }) => [c.name, c.threshold]), CLASSES.map((n, i) => [n, f.conf[i]]));
  assert.deepEqual(card.dataset, { path: '/data/line-a', trainImages: 3, valImages: 1 });
  const hit = card.classes[f.want[0]!.cls].atThreshold;
  assert.equal(hit.tp, 1);
  assert.equal(hit.fn, 0);
  assert.match(card.plan, /YOLOv8n at 64 px/);
  const md = await readFile(join(r.outDir, 'MODEL.md'), 'utf8');
  assert.match(md, /## How to run this on the line PC/);
  assert.match(md, /\| 1 \| 划痕 \|/);
  assert.match(md, /node run_model\.mjs part\.jpg/);

  const second = await exportModel({ weights: f.runDir, opset: 12, nms: true });
  assert.equal(second.file, join(f.runDir, 'export', 'line-a-opset12-nms.onnx'));
  const recs = await listExports(f.runDir);
  assert.deepEqual(
    recs.map((x) => [x.opset, x.nms]),
    [
      [17, false],
      [12, true],
    ],
  );
  assert.equal(recs[1]!.file, second.file);
});

test("the model card's Node example reproduces Kestrel's detections on a PNG", async () => {
  const f = await setup();
  const out = join(f.root, 'line-pc');
  await exportModel({ weights: f.runDir, outDir: out });
  // On the line PC: `npm install onnxruntime-node sharp` next to the example.
  await symlink(resolve('node_modules'), join(out, 'node_modules'), 'dir');
  const { stdout } = await run(process.execPath, [join(out, 'run_model.mjs'), f.image], { cwd: out });
  const res = JSON.parse(stdout) as { verdict: string; width: number; detections: Array<Detection & { name: string }> };
  assert.equal(res.width, 120);
  assert.equal(res.verdict, 'NG');
  // Boxes in original pixels (input pixels x 1.875 here): within 0.1 px.
  assertSameDetections(res.detections, f.want, 0.1, 1e-4, 'Node example');
  assert.deepEqual(
    res.detections.map((d) => d.name),
    res.detections.map((d) => CLASSES[d.cls]),
  );
});

test('createOnnxRunner runs an export with the thresholds saved in it, with and without in-graph NMS', async () => {
  const f = await setup();
  const plain = await exportModel({ weights: f.runDir, outDir: join(f.root, 'runner') });
  const withNms = await exportModel({ weights: f.runDir, outDir: join(f.root, 'runner'), opset: 12, nms: true });
  const a = await createOnnxRunner(plain.file);
  const b = await createOnnxRunner(withNms.file);
  try {
    assert.equal(a.imgsz, SIDE);
    assert.deepEqual(a.classNames, CLASSES);
    assert.equal(a.hasNms, false);
    assert.equal(b.hasNms, true);
    assert.equal(a.metadata.runId, 'line-a');
    assertSameDetections(await a.detect(f.input), f.wantInput, 0.05, 1e-4, 'runner detect');
    assertSameDetections(await b.detectInGraph(f.input), f.wantInput, 0.05, 1e-4, 'runner in-graph NMS');
    await assert.rejects(a.detectInGraph(f.input), /without --nms/);
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('onnx.checker accepts the exported files (where Python onnx is installed); the Python example compiles', async (t) => {
  const f = await setup();
  const r17 = await exportModel({ weights: f.runDir, outDir: join(f.root, 'check') });
  const r12 = await exportModel({ weights: f.runDir, outDir: join(f.root, 'check'), opset: 12, nms: true });
  let python = true;
  try {
    await run('python3', ['-m', 'py_compile', join(r17.outDir, 'run_model.py')]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') python = false;
    else throw err;
  }
  if (!python) {
    t.skip('python3 is not installed');
    return;
  }
  // The Python on PATH may be a pyenv one without Debian's python3-onnx, which .ci/run installs
  // for /usr/bin/python3: use whichever has the package.
  let withOnnx: string | null = null;
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      await run(py, ['-c', 'import onnx']);
      withOnnx = py;
      break;
    } catch {
      // try the next one
    }
  }
  if (withOnnx === null) {
    console.log('# onnx.checker not run: Python package onnx is not installed (apt-get install python3-onnx)');
    t.skip('Python package onnx is not installed');
    return;
  }
  for (const file of [r17.file, r12.file]) {
    await run(withOnnx, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file]);
  }
});

test('bad input gives coded errors, and a damaged exports.json is reported and left as it was', async () => {
  const f = await setup();
  const code = async (p: Promise<unknown>, c: string) => {
    await assert.rejects(p, (err: unknown) => err instanceof KestrelError && err.code === c);
  };
  await code(exportModel({ weights: join(f.root, 'nowhere') }), 'EXPORT_WEIGHTS_NOT_FOUND');
  await code(exportModel({ weights: f.runDir, opset: 13 }), 'EXPORT_OPSET_UNSUPPORTED');
  await code(exportModel({ weights: f.runDir, format: 'tfjs' }), 'EXPORT_FORMAT_UNKNOWN');
  await writeFile(join(f.root, 'blocker'), 'a file, not a folder');
  await code(exportModel({ weights: f.runDir, outDir: join(f.root, 'blocker', 'x') }), 'EXPORT_OUT_UNWRITABLE');

  const damaged = '{"version": 1, "exports": [ broken';
  await writeFile(join(f.runDir, 'exports.json'), damaged);
  const r = await exportModel({ weights: f.runDir, outDir: join(f.root, 'damaged') });
  assert.deepEqual(
    r.warnings.map((w) => w.code),
    ['EXPORT_RECORD_UNREADABLE'],
  );
  assert.equal(await readFile(join(f.runDir, 'exports.json'), 'utf8'), damaged);
  await rm(join(f.runDir, 'exports.json'));

  // A bare weights folder inside the run still finds the run (thresholds, record).
  const bare = await exportModel({ weights: join(f.runDir, 'weights', 'best'), outDir: join(f.root, 'bare') });
  assert.equal(bare.card.runId, 'line-a');
  assert.equal((await listExports(f.runDir)).length, 1);
});

test('cleanup', async () => {
  if (fixture) await rm((await fixture).root, { recursive: true, force: true });
});
