// The run report (report.html from the run folder's files), the PNG plots main accepts, the
// measured/estimated speed of the Plan step, and run names, notes and the trash.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { buildReport, REPORT_FILE, savePlots, saveReport } from '../../electron/app/report';
import { estimateSpeed, pickMeasured, readRunSpeeds } from '../../electron/app/speed';
import { readRunMeta, trashRun, writeRunMeta } from '../../electron/app/run-admin';
import { defaultThresholds } from '../../electron/shared/schemas/thresholds';
import { reason } from '../../electron/shared/reason';

let root: string;
let runDir: string;
const classes = ['scratch', 'dent'];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kestrel-report-'));
  runDir = join(root, 'runs', 'n224-test');
  await mkdir(runDir, { recursive: true });
  const img = join(root, 'steel.png');
  await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 140, g: 140, b: 140 } } }).png().toFile(img);
  const evaluation = {
    map50: 0.61,
    map50_95: 0.32,
    precision: 0.7,
    recall: 0.6,
    f1: 0.65,
    perClass: classes.map((name, i) => ({ name, ap50: 0.6 + i / 100, ap50_95: 0.3 + i / 100, precision: 0.7, recall: 0.6, f1: 0.65, gtCount: 2, predCount: 3 })),
    bestConfidence: 0.3,
    prCurves: [],
    confusion: { labels: [...classes, 'background'], matrix: [[1, 1, 1], [0, 1, 0], [1, 0, 0]], confidence: 0.3, iou: 0.5 },
    iouThresholds: [0.5],
    imageCount: 2,
  };
  const plan = { device: { name: 'Test CPU' }, backend: 'wasm', epochs: 3, trainImages: 8, reasons: [reason('PLAN_WARN_BATCH_ONE')], modelSpec: { scale: 'n', imgsz: 224 } };
  await writeFile(join(runDir, 'results.json'), JSON.stringify({ evaluation, plan, timings: { totalMs: 125_000, trainMs: 100_000, valMs: 25_000 }, imagesPerSec: 12.5, epochsRun: 3 }));
  await writeFile(join(runDir, 'config.json'), JSON.stringify({ datasetPath: '/data/steel' }));
  await writeFile(
    join(runDir, 'val-predictions.json'),
    JSON.stringify({
      classNames: classes,
      images: [
        { file: img, width: 100, height: 80, truths: [{ x1: 10, y1: 10, x2: 30, y2: 30, cls: 0 }], detections: [{ x1: 10, y1: 10, x2: 30, y2: 30, cls: 0, score: 0.9 }, { x1: 60, y1: 40, x2: 80, y2: 60, cls: 1, score: 0.8 }] },
        { file: img, width: 100, height: 80, truths: [{ x1: 5, y1: 5, x2: 20, y2: 20, cls: 1 }], detections: [] },
        { file: img, width: 100, height: 80, truths: [], detections: [] },
      ],
    }),
  );
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('report.html leads with the verdict, then per-class figures, mistakes, worst images, machine', async () => {
  const html = await buildReport(runDir, 'n224-test', 'en', defaultThresholds(classes), { title: 'Line 3 <steel>', note: 'first try', now: new Date('2026-01-01T10:00:00Z') });
  assert.match(html, /Line 3 &lt;steel&gt;/, 'user text is escaped');
  assert.match(html, /found 1 of 2 defects and missed 1; it raised 1 false alarm\./);
  assert.match(html, /1 of 2 bad parts would have passed/);
  assert.match(html, /0 of 1 good part would have been rejected/);
  assert.ok(html.indexOf('id="verdict"') < html.indexOf('id="per-class"'), 'the verdict comes first');
  assert.match(html, /<td>scratch<\/td><td class="num">0\.25<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">0<\/td>/);
  // The mistakes in words: the matrix at the thresholds (as the Results view counts), not the evaluation's own.
  assert.match(html, /scratch: 1 of 1 found, 0 missed, 0 reported as another class \(–\); 0 false alarms\./);
  assert.match(html, /dent: 0 of 1 found, 1 missed, 0 reported as another class \(–\); 1 false alarm\./);
  assert.match(html, /At the thresholds in the table above/);
  assert.match(html, /<figure><svg/, 'the worst images are drawn with their boxes');
  assert.match(html, /Trained on Test CPU \(wasm\) for 3 epochs in 2 min 5 s, 12\.5 images per second/);
  assert.match(html, /@media print/);
  const zh = await buildReport(runDir, 'n224-test', 'zh', defaultThresholds(classes));
  assert.match(zh, /验证图像上，模型找到了 2 个缺陷中的 1 个/);
  const file = await saveReport(runDir, html);
  assert.equal(file, join(runDir, REPORT_FILE));
  assert.equal(await readFile(file, 'utf8'), html);
});

test('plots: PNG data URLs are saved under plots/, anything else is refused with a code', async () => {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).png().toBuffer();
  const files = await savePlots(runDir, [{ name: 'loss', png: `data:image/png;base64,${png.toString('base64')}` }]);
  assert.deepEqual(files, [join(runDir, 'plots', 'loss.png')]);
  await assert.rejects(savePlots(runDir, [{ name: 'pr', png: `data:image/png;base64,${Buffer.from('<svg/>').toString('base64')}` }]), { code: 'APP_PLOT_INVALID' });
  const html = await buildReport(runDir, 'n224-test', 'en', defaultThresholds(classes));
  assert.match(html, /<img src="plots\/loss\.png"/);
});

test('speed: measured from an earlier run with the same backend and scale, scaled by pixels; else an estimate', async () => {
  const speeds = await readRunSpeeds(join(root, 'runs'));
  assert.equal(speeds.length, 1);
  const m = pickMeasured(speeds, { backend: 'wasm', modelSpec: { scale: 'n', imgsz: 448 } });
  assert.deepEqual(m, { imagesPerSec: 12.5 / 4, source: 'measured', fromRun: 'n224-test' });
  assert.equal(pickMeasured(speeds, { backend: 'tfjs-node', modelSpec: { scale: 'n', imgsz: 224 } }), null);
  const e = estimateSpeed({ backend: 'wasm', device: { kind: 'cpu', gpuIndex: null, cudaIndex: null, name: 'cpu', pciBusId: null }, figures: { gflopsPerImage: 1 } }, { cpu: { model: 'x', cores: 2, threads: 2 } });
  assert.equal(e.source, 'estimate');
  assert.ok(e.imagesPerSec > 0.5 && e.imagesPerSec < 10, String(e.imagesPerSec));
});

test('run name and note are kept in run-meta.json; delete moves the folder into .trash', async () => {
  const dir = join(root, 'runs', 'to-delete');
  await mkdir(dir);
  assert.deepEqual(await readRunMeta(dir), { title: '', note: '' });
  await writeRunMeta(dir, { title: 'Night shift' });
  assert.deepEqual(await writeRunMeta(dir, { note: 'more light' }), { title: 'Night shift', note: 'more light' });
  const dest = await trashRun(join(root, 'runs'), 'to-delete', new Date('2026-01-01T00:00:00Z'));
  assert.equal(dest, join(root, 'runs', '.trash', 'to-delete-2026-01-01T00-00-00-000Z'));
  assert.ok((await stat(join(dest, 'run-meta.json'))).isFile());
  await assert.rejects(stat(dir));
});

test('sample images come round-robin by class, so the first page shows every class', async () => {
  const { interleaveByClass } = await import('../../electron/app/handlers');
  const img = (id: string, cls: number | null) => ({ id, boxes: cls === null ? [] : [{ cls }] }) as unknown as Parameters<typeof interleaveByClass>[0][number];
  const order = interleaveByClass([img('a1', 0), img('a2', 0), img('a3', 0), img('b1', 1), img('bg', null), img('c1', 2), img('c2', 2)]).map((i) => i.id);
  assert.deepEqual(order, ['a1', 'b1', 'c1', 'bg', 'a2', 'c2', 'a3']);
});
