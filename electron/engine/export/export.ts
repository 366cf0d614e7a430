/**
 * `exportModel`: a run folder (or a weights folder) -> an exported model file, its model card
 * (model.json, MODEL.md), the line-PC examples, and a line in the run's exports.json. The I/O
 * edge of the export module: reads the weights without TF.js, writes every file atomically.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import { EvaluationResultSchema, type EvaluationResult } from '../../shared/schemas/evaluation';
import { confByClass, defaultThresholds, type Thresholds } from '../../shared/schemas/thresholds';
import { readDetectorManifest, type DetectorManifest } from '../model/persist';
import { STRIDES } from '../model/arch';
import { PAD_VALUE } from '../data/letterbox';
import { loadThresholds } from '../predict/thresholds';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { NODE_EXAMPLE, NODE_EXAMPLE_FILE, PYTHON_EXAMPLE, PYTHON_EXAMPLE_FILE } from './examples';
import { EXPORT_FORMATS, type ExportSource } from './formats';
import { buildModelCard, metricsAtThresholds, modelCardMarkdown, type ModelCard, type ValPredictionsLike } from './model-card';
import type { WeightTensor } from './onnx-graph';
import { KESTREL_VERSION } from './version';

/** What to export. */
export interface ExportOptions {
  /** A run folder (runs/NAME: its weights/best, else weights/last) or a weights folder holding model.json. */
  weights: string;
  /** A key of EXPORT_FORMATS; default 'onnx'. */
  format?: string;
  /** Default: the format's first (17 for ONNX). */
  opset?: number;
  nms?: boolean;
  /** Output folder; default `<run>/export` (or `<weights>/export` for a bare weights folder). */
  outDir?: string;
  /** For tests: the export date. */
  now?: Date;
}

/** What an export wrote. */
export interface ExportResult {
  /** The model file (absolute). */
  file: string;
  outDir: string;
  /** Every file written, the model first. */
  files: string[];
  card: ModelCard;
  /** The run folder the weights came from, when known. */
  runDir: string | null;
  /** Things that did not stop the export (a damaged exports.json, ...). */
  warnings: Reason[];
}

/** The file inside a run folder listing every export made from it. */
export const EXPORTS_FILE = 'exports.json';

/** One entry of exports.json. */
export const ExportRecordSchema = z.object({
  date: z.string(),
  format: z.string(),
  opset: z.number().int(),
  nms: z.boolean(),
  file: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  weights: z.string(),
  kestrelVersion: z.string(),
});
export type ExportRecord = z.infer<typeof ExportRecordSchema>;
const ExportsFileSchema = z.object({ version: z.literal(1), exports: z.array(ExportRecordSchema) });

const isFile = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

function notFound(path: string): KestrelError {
  return new KestrelError('EXPORT_WEIGHTS_NOT_FOUND', reason('EXPORT_WEIGHTS_NOT_FOUND', { path }).message, { path });
}

/** Where the weights are: the folder with model.json, the run folder around it (if any), and its id. */
export async function resolveWeightsSource(path: string): Promise<{ weightsDir: string; runDir: string | null; runId: string | null }> {
  const p = resolve(path);
  if (await isFile(join(p, 'model.json'))) {
    // runs/NAME/weights/best -> run folder runs/NAME.
    const parent = dirname(p);
    const runDir = basename(parent) === 'weights' ? dirname(parent) : null;
    return { weightsDir: p, runDir, runId: runDir ? basename(runDir) : null };
  }
  for (const which of ['best', 'last']) {
    const dir = join(p, 'weights', which);
    if (await isFile(join(dir, 'model.json'))) return { weightsDir: dir, runDir: p, runId: basename(p) };
  }
  throw notFound(path);
}

/** The detector's tensors from a weights folder, checked against the manifest (no TF.js needed). */
export async function readDetectorWeights(dir: string): Promise<{ manifest: DetectorManifest; weights: Map<string, WeightTensor> }> {
  const manifest = await readDetectorManifest(dir);
  const mismatch = (detail: string): KestrelError => new KestrelError('MODEL_WEIGHTS_MISMATCH', reason('MODEL_WEIGHTS_MISMATCH', { dir, detail }).message, { dir });
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, manifest.weights.file));
  } catch (err) {
    throw mismatch(`${manifest.weights.file} cannot be read: ${(err as Error).message}`);
  }
  if (buf.byteLength !== manifest.weights.byteLength) throw mismatch(`${buf.byteLength} bytes, expected ${manifest.weights.byteLength}`);
  if (createHash('sha256').update(buf).digest('hex') !== manifest.weights.sha256) throw mismatch('checksum differs');
  const weights = new Map<string, WeightTensor>();
  for (const e of manifest.weights.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + n * 4 > buf.byteLength) throw mismatch(`tensor ${e.name} lies outside the file`);
    // Copy out: the Buffer's offset need not be 4-byte aligned.
    weights.set(e.name, { shape: e.shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset + e.offset, buf.byteOffset + e.offset + n * 4)) });
  }
  return { manifest, weights };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

/** What the run folder says about the data, the plan and the results (null where unknown). */
async function runFacts(runDir: string | null, classNames: string[], conf: number[]) {
  if (!runDir) return { dataset: null, plan: null, evaluation: null, atThresholds: null, parentRun: null };
  const config = (await readJson(join(runDir, 'config.json'))) as Record<string, unknown> | null;
  const split = (await readJson(join(runDir, 'split.json'))) as Record<string, unknown> | null;
  const plan = await readJson(join(runDir, 'plan.json'));
  const results = (await readJson(join(runDir, 'results.json'))) as Record<string, unknown> | null;
  const len = (v: unknown): number | null => (Array.isArray(v) ? v.length : null);
  const dataset = {
    path: typeof config?.['datasetPath'] === 'string' ? config['datasetPath'] : null,
    trainImages: len(split?.['train']),
    valImages: len(split?.['val']),
  };
  const evalCandidate = results ? (results['evaluation'] ?? results) : null;
  const ev = EvaluationResultSchema.safeParse(evalCandidate);
  const evaluation: EvaluationResult | null = ev.success ? ev.data : null;
  const vp = (await readJson(join(runDir, 'val-predictions.json'))) as { classNames?: unknown; images?: unknown } | null;
  let atThresholds = null;
  if (vp && Array.isArray(vp.images) && Array.isArray(vp.classNames) && vp.classNames.join('\n') === classNames.join('\n')) {
    atThresholds = metricsAtThresholds(vp as ValPredictionsLike, conf);
  }
  const parent = config?.['parentRun'] ?? config?.['initWeights'] ?? null;
  return { dataset, plan, evaluation, atThresholds, parentRun: typeof parent === 'string' ? parent : null };
}

/** Appends one record to `<runDir>/exports.json` atomically; a damaged file is left alone and reported. */
async function recordExport(runDir: string, rec: ExportRecord): Promise<Reason | null> {
  const file = join(runDir, EXPORTS_FILE);
  let existing: ExportRecord[] = [];
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text !== null) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = ExportsFileSchema.safeParse(json);
    if (!parsed.success) return reason('EXPORT_RECORD_UNREADABLE', { file });
    existing = parsed.data.exports;
  }
  await writeJsonAtomic(file, { version: 1, exports: [...existing, rec] });
  return null;
}

/** The exports recorded in a run folder (empty when none). */
export async function listExports(runDir: string): Promise<ExportRecord[]> {
  const parsed = ExportsFileSchema.safeParse(await readJson(join(runDir, EXPORTS_FILE)));
  return parsed.success ? parsed.data.exports : [];
}

function badFlag(code: string, params: Record<string, string | number>): KestrelError {
  return new KestrelError(code, reason(code, params).message, params);
}

/**
 * Exports a trained model (see the file header). Throws KestrelError EXPORT_WEIGHTS_NOT_FOUND,
 * EXPORT_FORMAT_UNKNOWN, EXPORT_OPSET_UNSUPPORTED, EXPORT_OUT_UNWRITABLE, MODEL_WEIGHTS_* or
 * THRESHOLDS_INVALID; a failed export leaves no partial model file.
 */
export async function exportModel(o: ExportOptions): Promise<ExportResult> {
  const formatId = o.format ?? 'onnx';
  const format = EXPORT_FORMATS[formatId];
  if (!format) throw badFlag('EXPORT_FORMAT_UNKNOWN', { format: formatId, formats: Object.keys(EXPORT_FORMATS).join(', ') });
  const opset = o.opset ?? format.opsets[0] ?? 0;
  if (format.opsets.length > 0 && !format.opsets.includes(opset)) throw badFlag('EXPORT_OPSET_UNSUPPORTED', { opset });
  const nms = o.nms === true && format.supportsNms;

  const src = await resolveWeightsSource(o.weights);
  const { manifest, weights } = await readDetectorWeights(src.weightsDir);
  const classNames = manifest.classNames;
  const thresholds: Thresholds = src.runDir ? await loadThresholds(src.runDir, classNames) : defaultThresholds(classNames);
  const conf = confByClass(thresholds, classNames);
  const date = (o.now ?? new Date()).toISOString();
  const source: ExportSource = { spec: manifest.spec, classNames, weights, thresholds, runId: src.runId, kestrelVersion: KESTREL_VERSION, date };
  const bytes = format.build(source, { opset, nms });

  const outDir = resolve(o.outDir ?? join(src.runDir ?? src.weightsDir, 'export'));
  const fileName = format.fileName(source, { opset, nms });
  const file = join(outDir, fileName);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const facts = await runFacts(src.runDir, classNames, conf);
  const card = buildModelCard({
    file: fileName,
    format: format.id,
    opset,
    nms,
    sha256,
    bytes: bytes.byteLength,
    date,
    kestrelVersion: KESTREL_VERSION,
    runId: src.runId,
    parentRun: facts.parentRun,
    weightsDir: src.weightsDir,
    spec: manifest.spec,
    classNames,
    thresholds,
    confByClass: conf,
    letterboxFill: PAD_VALUE,
    strides: STRIDES,
    anchors: STRIDES.reduce((a, s) => a + (manifest.spec.imgsz / s) ** 2, 0),
    dataset: facts.dataset,
    plan: facts.plan,
    evaluation: facts.evaluation,
    atThresholds: facts.atThresholds,
  });
  const files = [file, join(outDir, 'model.json'), join(outDir, 'MODEL.md'), join(outDir, NODE_EXAMPLE_FILE), join(outDir, PYTHON_EXAMPLE_FILE)];
  try {
    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(file, bytes);
    await writeJsonAtomic(files[1]!, card);
    await writeFileAtomic(files[2]!, modelCardMarkdown(card));
    await writeFileAtomic(files[3]!, NODE_EXAMPLE);
    await writeFileAtomic(files[4]!, PYTHON_EXAMPLE);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new KestrelError('EXPORT_OUT_UNWRITABLE', reason('EXPORT_OUT_UNWRITABLE', { dir: outDir, detail: e.code ?? e.message }).message, { dir: outDir });
  }
  const warnings: Reason[] = [];
  if (src.runDir) {
    const w = await recordExport(src.runDir, {
      date,
      format: format.id,
      opset,
      nms,
      file,
      sha256,
      bytes: bytes.byteLength,
      weights: src.weightsDir,
      kestrelVersion: KESTREL_VERSION,
    });
    if (w) warnings.push(w);
  }
  return { file, outDir, files, card, runDir: src.runDir, warnings };
}
