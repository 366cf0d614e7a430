// The run folder's confusion matrix (plots/confusion.png): counted as the Results view counts
// at the run's saved thresholds, drawn as a heat map by ECharts + sharp, and shown in report.html.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import {
  buildReport,
  CONFUSION_PNG_SIZE,
  confusionChartOption,
  confusionPng,
  reportConfusion,
  saveConfusionPlot,
  VAL_MAX_DETS,
  valImagesAsShown,
  type ReportConfusion,
} from '../../electron/app/report';
import { confByClass, defaultThresholds, type Thresholds } from '../../electron/shared/schemas/thresholds';
import { confusionAt as resultsViewConfusion } from '../../renderer/src/lib/thresholds-view';

const classes = ['scratch', 'dent'];
const box = (x: number, y: number, s = 20) => ({ x1: x, y1: y, x2: x + s, y2: y + s });
/** Thresholds as the Results view saves them: scratch at 0.6, dent at the default 0.25. */
const thresholds: Thresholds = { ...defaultThresholds(classes), classes: [{ name: 'scratch', conf: 0.6, source: 'user' }, { name: 'dent', conf: 0.25, source: 'default' }] };
const images = [
  // scratch found; a dent false alarm on nothing.
  { file: '/v/1.png', width: 100, height: 100, truths: [{ ...box(10, 10), cls: 0 }], detections: [{ ...box(10, 10), cls: 0, score: 0.9 }, { ...box(60, 60), cls: 1, score: 0.8 }] },
  // A dent reported as a scratch (mixed up); a scratch below scratch's 0.6 threshold: missed.
  { file: '/v/2.png', width: 100, height: 100, truths: [{ ...box(10, 10), cls: 1 }, { ...box(60, 60), cls: 0 }], detections: [{ ...box(11, 11), cls: 0, score: 0.7 }, { ...box(60, 60), cls: 0, score: 0.5 }] },
  // A dent found at 0.3 (above dent's 0.25); an ignored (difficult) box nobody reported is no miss.
  { file: '/v/3.png', width: 100, height: 100, truths: [{ ...box(30, 30), cls: 1 }, { ...box(70, 5), cls: 0, ignore: true }], detections: [{ ...box(30, 30), cls: 1, score: 0.3 }] },
];
/** Counted by hand, rows predicted (scratch, dent, missed), columns true (scratch, dent, background). */
const EXPECTED = [
  [1, 1, 0],
  [0, 1, 1],
  [1, 0, 0],
];

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kestrel-confusion-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('the matrix is the Results view\'s: per-class thresholds, mix-ups, misses, false alarms, ignore boxes', () => {
  const cm = reportConfusion({ classNames: classes, images }, null, thresholds)!;
  assert.deepEqual(cm.matrix, EXPECTED);
  assert.equal(cm.atThresholds, true);
  // The same function and images as the Results view (results:get's valImages at the saved confs).
  const shown = valImagesAsShown(images).map(({ truths, detections }) => ({ truths, detections }));
  assert.deepEqual(resultsViewConfusion(shown, classes.length, confByClass(thresholds, classes), thresholds.defaultConf), cm.matrix);
  // At one threshold of 0.25 for every class the missed scratch of image 2 is found instead.
  assert.deepEqual(reportConfusion({ classNames: classes, images }, null, defaultThresholds(classes))!.matrix, [
    [2, 1, 0],
    [0, 1, 1],
    [0, 0, 0],
  ]);
});

test('only the detections the Results view gets are counted: the best ones of an image, none under its lowest slider value', () => {
  const crowded = {
    truths: [{ ...box(0, 0, 10), cls: 0 }],
    // 150 weak false alarms at 0.5 (each on nothing), and the true hit at 0.4: the view keeps the best 100 only.
    detections: [...Array.from({ length: 150 }, (_, i) => ({ ...box(200 + i * 30, 200), cls: 1, score: 0.5 })), { ...box(0, 0, 10), cls: 0, score: 0.4 }, { ...box(500, 500), cls: 1, score: 0.005 }],
  };
  const shown = valImagesAsShown([crowded]);
  assert.equal(shown[0]!.detections.length, VAL_MAX_DETS);
  assert.ok(shown[0]!.detections.every((d) => d.score === 0.5));
  const cm = reportConfusion({ classNames: classes, images: [crowded] }, null, defaultThresholds(classes))!;
  assert.deepEqual(cm.matrix, [
    [0, 0, 0],
    [0, 0, VAL_MAX_DETS],
    [1, 0, 0],
  ]);
});

test('the heat map draws every count in its cell, rows predicted (missed last), columns true (background last)', () => {
  const cm: ReportConfusion = { classNames: classes, matrix: EXPECTED, atThresholds: true, conf: 0.25 };
  const opt = confusionChartOption(cm, 'en') as { xAxis: { data: string[]; name: string }; yAxis: { data: string[]; name: string }; series: { data: { value: [number, number, number] }[] }[]; visualMap: { max: number } };
  assert.deepEqual(opt.xAxis.data, ['scratch', 'dent', 'background']);
  assert.deepEqual(opt.yAxis.data, ['scratch', 'dent', 'missed']);
  assert.equal(opt.xAxis.name, 'True');
  assert.equal(opt.yAxis.name, 'Predicted');
  const drawn = EXPECTED.map((row) => row.map(() => -1));
  for (const { value: [col, row, v] } of opt.series[0]!.data) drawn[row]![col] = v;
  assert.deepEqual(drawn, EXPECTED, 'one cell per count, at (true, predicted)');
  assert.equal(opt.series[0]!.data.length, 9);
  assert.equal(opt.visualMap.max, 1);
  const zh = confusionChartOption(cm, 'zh') as typeof opt;
  assert.deepEqual(zh.yAxis.data.at(-1), '漏检');
  assert.deepEqual(zh.xAxis.data.at(-1), '背景');
});

test('plots/confusion.png is a PNG of the expected size whose cells darken with the count; report.html shows it', async () => {
  const runDir = join(root, 'runs', 'cm-run');
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, 'val-predictions.json'), JSON.stringify({ classNames: classes, images }));
  const file = await saveConfusionPlot(runDir, thresholds, 'en');
  assert.equal(file, join(runDir, 'plots', 'confusion.png'));
  const png = await readFile(file!);
  assert.equal(png.readUInt32BE(0), 0x89504e47, 'the PNG signature');
  const meta = await sharp(png).metadata();
  assert.deepEqual({ format: meta.format, width: meta.width, height: meta.height }, { format: 'png', ...CONFUSION_PNG_SIZE });

  // Cell colours: a 3 x 3 grid in the plot area (grid left 130, right 30, top 90, bottom 80).
  const big: ReportConfusion = { classNames: classes, matrix: [[9, 0, 0], [0, 3, 0], [0, 0, 0]], atThresholds: true, conf: 0.25 };
  const { data, info } = await sharp(await confusionPng(big, 'en')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const cellW = (CONFUSION_PNG_SIZE.width - 160) / 3;
  const cellH = (CONFUSION_PNG_SIZE.height - 170) / 3;
  const lightness = (row: number, col: number) => {
    const x = Math.round(130 + cellW * (col + 0.5) + 45); // beside the number at the centre
    const y = Math.round(90 + cellH * (row + 0.5));
    const i = (y * info.width + x) * 3;
    return data[i]! + data[i + 1]! + data[i + 2]!;
  };
  assert.ok(lightness(0, 0) < lightness(1, 1), 'the 9 is darker than the 3');
  assert.ok(lightness(1, 1) < lightness(0, 1), 'the 3 is darker than a 0');
  assert.ok(lightness(0, 1) > 700, 'a 0 is near white');

  const html = await buildReport(runDir, 'cm-run', 'en', thresholds);
  assert.match(html, /<img src="plots\/confusion\.png" alt="confusion">/);
  assert.match(html, /scratch: 1 of 2 found, 1 missed, 0 reported as another class/);
  assert.match(html, /dent: 1 of 2 found, 0 missed, 1 reported as another class \(scratch 1\); 1 false alarm\./);
});

test('a run without validation predictions draws the evaluation\'s matrix at its confidence; one with neither draws none', async () => {
  const runDir = join(root, 'runs', 'eval-only');
  await mkdir(runDir, { recursive: true });
  const ev = {
    map50: 0.5,
    map50_95: 0.3,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    perClass: [],
    bestConfidence: 0.3,
    prCurves: [],
    confusion: { labels: [...classes, 'background'], matrix: EXPECTED, confidence: 0.3, iou: 0.45 },
    iouThresholds: [0.5],
    imageCount: 3,
  };
  const cm = reportConfusion(null, ev, thresholds)!;
  assert.deepEqual(cm, { classNames: classes, matrix: EXPECTED, atThresholds: false, conf: 0.3 });
  assert.match(String((confusionChartOption(cm, 'en') as { title: { text: string } }).title.text), /at confidence 0\.3/);
  await writeFile(join(runDir, 'results.json'), JSON.stringify({ evaluation: ev }));
  const file = await saveConfusionPlot(runDir, thresholds, 'zh');
  assert.deepEqual((await sharp(await readFile(file!)).metadata()).width, CONFUSION_PNG_SIZE.width);
  const none = join(root, 'runs', 'empty');
  await mkdir(none, { recursive: true });
  assert.equal(await saveConfusionPlot(none, thresholds, 'en'), null);
});
