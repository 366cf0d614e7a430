/**
 * `predict`: runs a trained run's model on new images and writes, per predict run, a fresh
 * folder with predictions.json, one YOLO label file per image, summary.csv and (optionally)
 * annotated images; every write atomic. A file that cannot be read is reported with its
 * code and skipped. The CLI and the app call this the same way and receive typed events.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import { ValPredictionsFileSchema } from '../../shared/schemas/ipc/results';
import { confByClass, type Thresholds } from '../../shared/schemas/thresholds';
import { decodeImage, type DecodedImage } from '../data/image';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { annotateImage, bundledFontFile } from './annotate';
import { detectImage, type DetectFn } from './detect-image';
import { csvSummary, nextPredictDir, claimOutputDir, uniqueStems, yoloLabelText, type CsvRow } from './outputs';
import { resolveSource } from './sources';
import { loadThresholds } from './thresholds';
import { decideTiling, DEFAULT_TILE_OVERLAP, smallObjectInfo, type SmallObjectInfo, type TileMode } from './tiles';
import { keepAtThresholds, verdictOf, type ClassConfs, type Verdict } from './verdict';

/** What to predict and how. */
export interface PredictOptions {
  /** A run folder (runs/NAME) or one of its weights folders (runs/NAME/weights/best). */
  weights: string;
  /** Image, folder, glob or dataset[:split]; default the run's dataset, val split. */
  source?: string;
  /** One confidence threshold for every class, instead of the run's thresholds.json. */
  conf?: number;
  /** NMS IoU; default the run's thresholds.json (0.7). */
  iou?: number;
  /** Network input side; default the one the model trained at. */
  imgsz?: number;
  /** Output folder; default runs/NAME/predict/<n>. Never reused when it holds files. */
  out?: string;
  saveImages?: boolean;
  tile?: TileMode;
  overlap?: number;
  /** With tiles, also run the whole image downscaled (default true). */
  fullImage?: boolean;
  /** Network inputs per forward pass (tiles of one image). Default 4. */
  batch?: number;
  /**
   * Which runtime runs the model: TF.js (the default here), ONNX Runtime (the run's weights
   * exported in memory), or `auto`: ONNX Runtime where it loads, else TF.js (with a warning).
   */
  runtime?: PredictRuntime;
  /** Threads of ONNX Runtime (TF.js threads are the backend's). Default 1. */
  threads?: number;
  signal?: AbortSignal;
}

/** Runtimes predict can run the model on. */
export type PredictRuntime = 'auto' | 'tfjs' | 'onnx';

/** One detection as predictions.json keeps it: original-image pixels, the class by name too. */
export interface PredictedBox {
  cls: number;
  name: string;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One image's entry in predictions.json. */
export interface PredictedImage {
  file: string;
  width: number;
  height: number;
  verdict: Verdict;
  detections: PredictedBox[];
  /** Tiles run (0: the whole image only) and why. */
  tiles: number;
  tiling: Reason;
  /** Label file and annotated image, relative to the output folder. */
  label: string;
  image: string | null;
  ms: number;
}

/** A file predict could not read. */
export interface SkippedImage {
  file: string;
  code: string;
  message: string;
}

/** The figures of a predict run. */
export interface PredictSummary {
  images: number;
  skipped: number;
  ng: number;
  ok: number;
  /** Detections per class name, at the thresholds. */
  perClass: Record<string, number>;
  seconds: number;
  imagesPerSecond: number;
}

/** What predict reports while it runs. */
export type PredictEvent =
  | { type: 'predict-start'; total: number; outDir: string; weights: string; imgsz: number; conf: number[]; iou: number; classNames: string[]; runtime: string }
  | { type: 'image'; done: number; total: number; file: string; verdict: Verdict; detections: number; tiles: number; ms: number }
  | { type: 'skipped'; done: number; total: number; file: string; code: string; message: string }
  | { type: 'warning'; reason: Reason }
  | { type: 'predict-end'; outDir: string; summary: PredictSummary };

/** The result: where it went, every image and the summary. */
export interface PredictResult {
  outDir: string;
  images: PredictedImage[];
  skipped: SkippedImage[];
  summary: PredictSummary;
}

/** The loaded model and what predict needs to know about it; tests and the bench build their own. */
export interface PredictModel {
  /** The runtime's name (tfjs-wasm, onnxruntime-node, ...), recorded in predictions.json. */
  runtime?: string;
  detect: DetectFn;
  classNames: string[];
  imgsz: number;
  dispose(): void;
}

/** Where a --weights argument points: the run folder and the weights folder to load. */
export async function resolveWeights(weights: string): Promise<{ runDir: string; weightsDir: string }> {
  const p = resolve(weights);
  const has = (d: string): Promise<boolean> => stat(join(d, 'model.json')).then((s) => s.isFile(), () => false);
  if (await has(p)) {
    const parent = dirname(p);
    return { runDir: basename(parent) === 'weights' ? dirname(parent) : parent, weightsDir: p };
  }
  for (const w of ['best', 'last']) if (await has(join(p, 'weights', w))) return { runDir: p, weightsDir: join(p, 'weights', w) };
  throw new KestrelError('PREDICT_NO_WEIGHTS', reason('PREDICT_NO_WEIGHTS', { runDir: p }).message, { runDir: p });
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Box sizes of the run's validation truths (val-predictions.json), for `--tile auto`. */
export async function runSmallObjects(runDir: string, imgsz: number): Promise<SmallObjectInfo | null> {
  const parsed = ValPredictionsFileSchema.safeParse(await readJson(join(runDir, 'val-predictions.json')));
  return parsed.success ? smallObjectInfo(parsed.data.images, imgsz) : null;
}

/** The dataset the run trained on (config.json), as a predict source: its val split. */
async function runDatasetSource(runDir: string): Promise<string> {
  const cfg = (await readJson(join(runDir, 'config.json'))) as { datasetPath?: unknown } | null;
  if (typeof cfg?.datasetPath !== 'string') throw new KestrelError('PREDICT_NO_SOURCE', reason('PREDICT_NO_SOURCE', { runDir }).message, { runDir });
  return `${cfg.datasetPath}:val`;
}

/** Per-class thresholds in force: `--conf` for all, else the run's. */
export function thresholdsInForce(t: Thresholds, classNames: readonly string[], conf: number | undefined): ClassConfs {
  if (conf !== undefined) return { byClass: classNames.map(() => conf), fallback: conf };
  return { byClass: confByClass(t, classNames), fallback: t.defaultConf };
}

const r2 = (v: number): number => Math.round(v * 100) / 100;
const r4 = (v: number): number => Math.round(v * 10000) / 10000;

/**
 * Runs `model` over the source's images. `model` is usually loadPredictModel's (TF.js); the
 * bench or a test may pass another runtime with the same contract.
 */
export async function predictWith(model: PredictModel, runDir: string, opts: PredictOptions, onEvent: (e: PredictEvent) => void = () => undefined): Promise<PredictResult> {
  const t0 = performance.now();
  const { classNames } = model;
  const imgsz = opts.imgsz ?? model.imgsz;
  const thresholds = await loadThresholds(runDir, classNames);
  const confs = thresholdsInForce(thresholds, classNames, opts.conf);
  const iou = opts.iou ?? thresholds.iou;
  const source = await resolveSource(opts.source ?? (await runDatasetSource(runDir)), { splitFile: join(runDir, 'split.json') });
  const mode = opts.tile ?? { kind: 'off' };
  const small = mode.kind === 'auto' ? await runSmallObjects(runDir, imgsz) : null;
  const outDir = opts.out ? await claimOutputDir(resolve(opts.out)) : await nextPredictDir(runDir);
  const files = source.files;
  const stems = uniqueStems(files);
  const total = files.length;
  const runtime = model.runtime ?? 'custom';
  onEvent({ type: 'predict-start', total, outDir, weights: runDir, imgsz, conf: [...confs.byClass], iou, classNames, runtime });
  const fontFile = bundledFontFile();
  if (opts.saveImages) {
    const font = await stat(fontFile).catch(() => null);
    if (!font) onEvent({ type: 'warning', reason: reason('PREDICT_FONT_MISSING', { file: fontFile }) });
  }

  const images: PredictedImage[] = [];
  const skipped: SkippedImage[] = [];
  const rows: CsvRow[] = [];
  const perClass = new Array<number>(classNames.length).fill(0);
  const decodeSafe = (file: string): Promise<DecodedImage | KestrelError> =>
    decodeImage(file).catch((err: unknown) =>
      err instanceof KestrelError ? err : new KestrelError('DS_IMAGE_UNREADABLE', `Cannot read image ${file}: ${(err as Error).message}.`, { file }),
    );
  // Decode one image ahead: sharp decodes on libuv's pool while the model runs.
  let next = files.length > 0 ? decodeSafe(files[0]!) : null;
  for (let i = 0; i < files.length; i++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('Predict aborted');
    const file = files[i]!;
    const ti = performance.now();
    const decoded = await next!;
    next = i + 1 < files.length ? decodeSafe(files[i + 1]!) : null;
    if (decoded instanceof KestrelError) {
      skipped.push({ file, code: decoded.code, message: decoded.message });
      rows.push({ file, width: null, height: null, verdict: 'SKIPPED', counts: [], maxScore: null, ms: null, error: decoded.code });
      onEvent({ type: 'skipped', done: i + 1, total, file, code: decoded.code, message: decoded.message });
      continue;
    }
    const decision = decideTiling(mode, decoded.width, decoded.height, imgsz, small);
    const res = await detectImage(decoded, model.detect, {
      imgsz,
      tile: decision.tile,
      overlap: opts.overlap ?? DEFAULT_TILE_OVERLAP,
      fullImage: opts.fullImage ?? true,
      iou,
      batch: opts.batch ?? 4,
    });
    const kept = keepAtThresholds(res.detections, confs);
    const verdict = verdictOf(kept, confs);
    const stem = stems[i]!;
    const label = `labels/${stem}.txt`;
    await writeFileAtomic(join(outDir, label), yoloLabelText(kept, decoded.width, decoded.height));
    let image: string | null = null;
    if (opts.saveImages) {
      image = `images/${stem}.jpg`;
      await writeFileAtomic(join(outDir, image), await annotateImage(decoded, kept, { classNames, fontFile }));
    }
    const counts = new Array<number>(classNames.length).fill(0);
    for (const d of kept) if (d.cls < counts.length) counts[d.cls]!++;
    counts.forEach((n, c) => (perClass[c]! += n));
    const ms = performance.now() - ti;
    images.push({
      file,
      width: decoded.width,
      height: decoded.height,
      verdict,
      detections: kept.map((d) => ({ cls: d.cls, name: classNames[d.cls] ?? `class ${d.cls}`, score: r4(d.score), x1: r2(d.x1), y1: r2(d.y1), x2: r2(d.x2), y2: r2(d.y2) })),
      tiles: res.tiles,
      tiling: reason(decision.code, decision.params),
      label,
      image,
      ms: Math.round(ms),
    });
    rows.push({ file, width: decoded.width, height: decoded.height, verdict, counts, maxScore: kept.length ? Math.max(...kept.map((d) => d.score)) : null, ms, error: null });
    onEvent({ type: 'image', done: i + 1, total, file, verdict, detections: kept.length, tiles: res.tiles, ms: Math.round(ms) });
  }
  const seconds = (performance.now() - t0) / 1000;
  const ng = images.filter((im) => im.verdict === 'NG').length;
  const summary: PredictSummary = {
    images: images.length,
    skipped: skipped.length,
    ng,
    ok: images.length - ng,
    perClass: Object.fromEntries(classNames.map((n, c) => [n, perClass[c]!])),
    seconds: Math.round(seconds * 1000) / 1000,
    imagesPerSecond: seconds > 0 ? Math.round((images.length / seconds) * 100) / 100 : 0,
  };
  await writeFileAtomic(join(outDir, 'summary.csv'), csvSummary(rows, classNames));
  await writeJsonAtomic(join(outDir, 'predictions.json'), {
    format: 'kestrel-predictions',
    version: 1,
    createdAt: new Date().toISOString(),
    weights: runDir,
    runtime,
    source: { spec: opts.source ?? null, kind: source.kind, split: source.split ?? null },
    imgsz,
    classNames,
    thresholds: { byClass: Object.fromEntries(classNames.map((n, c) => [n, confs.byClass[c]!])), iou, from: opts.conf !== undefined ? '--conf' : 'thresholds.json' },
    tiling: { mode: mode.kind, size: mode.kind === 'size' ? mode.size : null, overlap: opts.overlap ?? DEFAULT_TILE_OVERLAP, fullImage: opts.fullImage ?? true },
    summary,
    images,
    skipped,
  });
  onEvent({ type: 'predict-end', outDir, summary });
  return { outDir, images, skipped, summary };
}

/** Loads a run's model (weights/best, else weights/last) for predict on the current TF.js backend. */
export async function loadPredictModel(weightsDir: string, decode: { conf: number; iou: number }): Promise<PredictModel> {
  const [{ loadDetector }, { tfDetectFn }] = await Promise.all([import('../model/persist'), import('./tf-model')]);
  const tf = await import('@tensorflow/tfjs-core');
  const { detector, manifest } = await loadDetector(weightsDir);
  return { runtime: `tfjs-${tf.getBackend()}`, detect: tfDetectFn(detector, decode), classNames: manifest.classNames, imgsz: manifest.imgsz, dispose: () => detector.dispose() };
}

/**
 * Predicts with a run's own model on the chosen runtime (for TF.js the backend must be
 * initialised). Candidates are decoded down to the lowest class threshold; each class's own
 * threshold applies after.
 */
export async function predict(opts: PredictOptions, onEvent?: (e: PredictEvent) => void): Promise<PredictResult> {
  const { runDir, weightsDir } = await resolveWeights(opts.weights);
  const { readDetectorManifest } = await import('../model/persist');
  const manifest = await readDetectorManifest(weightsDir);
  const t = await loadThresholds(runDir, manifest.classNames);
  const confs = thresholdsInForce(t, manifest.classNames, opts.conf);
  const decode = { conf: Math.max(0.001, Math.min(confs.fallback, ...confs.byClass)), iou: opts.iou ?? t.iou };
  const runtime = opts.runtime ?? 'tfjs';
  let model: PredictModel | null = null;
  if (runtime !== 'tfjs') {
    const { loadOnnxPredictModel } = await import('./onnx-model');
    try {
      model = await loadOnnxPredictModel(weightsDir, runDir, { ...decode, ...(opts.imgsz ? { imgsz: opts.imgsz } : {}), ...(opts.threads ? { threads: opts.threads } : {}) });
    } catch (err) {
      if (runtime === 'onnx') throw err;
      const detail = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      onEvent?.({ type: 'warning', reason: reason('PREDICT_RUNTIME_FALLBACK', { detail }) });
    }
  }
  model ??= await loadPredictModel(weightsDir, decode);
  try {
    return await predictWith(model, runDir, opts, onEvent);
  } finally {
    model.dispose();
  }
}
