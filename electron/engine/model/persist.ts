import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { ModelSpecSchema, type ModelSpec } from '../../shared/schemas/model';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { createDetector, type CreateDetectorOptions, type Detector } from './detector';

/**
 * Saving and loading a detector: one binary file of float32 weights plus a JSON manifest with
 * the architecture spec, class names, input size and where each tensor lies in the file.
 *
 * Crash safety: the weights file is named by its content hash and written first (temp file +
 * rename), then the manifest that points to it (temp + rename), then stale weight files are
 * removed. Whenever the process dies, model.json names a weights file that is complete.
 */

/** The manifest's file name inside a weights folder. */
export const MANIFEST_FILE = 'model.json';

const TensorEntrySchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  /** Byte offset in the weights file. */
  offset: z.number().int().nonnegative(),
  kind: z.enum(['weight', 'norm', 'bias', 'buffer']),
});

/** What model.json holds. */
export const DetectorManifestSchema = z.object({
  format: z.literal('kestrel-detector'),
  version: z.literal(1),
  spec: ModelSpecSchema,
  classNames: z.array(z.string()),
  /** Input size the model was trained (and should be evaluated) at. */
  imgsz: z.number().int().positive(),
  savedAt: z.string(),
  /** Free-form facts the trainer adds (epoch, metrics, EMA or not). */
  extra: z.record(z.string(), z.unknown()).optional(),
  weights: z.object({
    file: z.string(),
    byteLength: z.number().int().nonnegative(),
    sha256: z.string(),
    dtype: z.literal('float32'),
    tensors: z.array(TensorEntrySchema),
  }),
});
export type DetectorManifest = z.infer<typeof DetectorManifestSchema>;

/** What the caller adds to the weights when saving. */
export interface SaveMeta {
  classNames: string[];
  /** Defaults to the spec's input size. */
  imgsz?: number;
  extra?: Record<string, unknown>;
}

function modelError(code: string, params: Record<string, string | number>): KestrelError {
  return new KestrelError(code, reason(code, params).message, params);
}

/**
 * Writes the detector's variables (or `opts.state`, e.g. EMA weights with the same names) to
 * `dir` atomically. Returns the manifest written.
 */
export async function saveDetector(det: Detector, dir: string, meta: SaveMeta, opts: { state?: Map<string, tf.Tensor> } = {}): Promise<DetectorManifest> {
  if (meta.classNames.length !== det.spec.numClasses) {
    throw new Error(`saveDetector: ${meta.classNames.length} class names for a ${det.spec.numClasses}-class model`);
  }
  const kinds = new Map<string, 'weight' | 'norm' | 'bias' | 'buffer'>(det.params().map((p) => [p.name, p.group]));
  const own = det.state();
  const tensors: DetectorManifest['weights']['tensors'] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, v] of own) {
    const t = opts.state?.get(name) ?? v;
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`saveDetector: ${name} has shape [${t.shape.join(', ')}], model needs [${v.shape.join(', ')}]`);
    const data = (await t.data()) as Float32Array;
    chunks.push(data);
    tensors.push({ name, shape: [...v.shape], offset, kind: kinds.get(name) ?? 'buffer' });
    offset += data.byteLength;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    bytes.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = `weights-${sha256.slice(0, 16)}.bin`;
  const manifest: DetectorManifest = {
    format: 'kestrel-detector',
    version: 1,
    spec: det.spec,
    classNames: [...meta.classNames],
    imgsz: meta.imgsz ?? det.spec.imgsz,
    savedAt: new Date().toISOString(),
    ...(meta.extra ? { extra: meta.extra } : {}),
    weights: { file, byteLength: bytes.byteLength, sha256, dtype: 'float32', tensors },
  };
  await writeFileAtomic(join(dir, file), bytes);
  await writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
  for (const name of await readdir(dir)) {
    if (/^weights-[0-9a-f]+\.bin$/.test(name) && name !== file) await rm(join(dir, name), { force: true });
  }
  return manifest;
}

/** Reads and checks `dir`/model.json (KestrelError MODEL_WEIGHTS_NOT_FOUND / MODEL_WEIGHTS_INVALID). */
export async function readDetectorManifest(dir: string): Promise<DetectorManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw modelError('MODEL_WEIGHTS_NOT_FOUND', { dir });
    }
    throw modelError('MODEL_WEIGHTS_INVALID', { dir, detail: (err as Error).message });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw modelError('MODEL_WEIGHTS_INVALID', { dir, detail: `model.json is not JSON (${(err as Error).message})` });
  }
  const parsed = DetectorManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw modelError('MODEL_WEIGHTS_INVALID', { dir, detail: `model.json: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected content'}` });
  }
  if (parsed.data.classNames.length !== parsed.data.spec.numClasses) {
    throw modelError('MODEL_WEIGHTS_INVALID', { dir, detail: `${parsed.data.classNames.length} class names for ${parsed.data.spec.numClasses} classes` });
  }
  return parsed.data;
}

/**
 * Loads a detector saved by saveDetector: rebuilds the network from the manifest's spec and
 * fills every variable from the weights file (hash and sizes checked: MODEL_WEIGHTS_MISMATCH).
 */
export async function loadDetector(dir: string, opts: Omit<CreateDetectorOptions, 'seed'> = {}): Promise<{ detector: Detector; manifest: DetectorManifest }> {
  const manifest = await readDetectorManifest(dir);
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, manifest.weights.file));
  } catch (err) {
    throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: `${manifest.weights.file} cannot be read: ${(err as Error).message}` });
  }
  if (buf.byteLength !== manifest.weights.byteLength) {
    throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: `${buf.byteLength} bytes, expected ${manifest.weights.byteLength}` });
  }
  const sha = createHash('sha256').update(buf).digest('hex');
  if (sha !== manifest.weights.sha256) throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: 'checksum differs' });

  const detector = createDetector(manifest.spec as ModelSpec, opts);
  try {
    const state = detector.state();
    const seen = new Set<string>();
    const values = new Map<string, tf.Tensor>();
    try {
      for (const e of manifest.weights.tensors) {
        const v = state.get(e.name);
        if (!v) throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: `unknown tensor ${e.name}` });
        const n = e.shape.reduce((a, b) => a * b, 1);
        if (e.shape.join(',') !== v.shape.join(',') || e.offset + n * 4 > buf.byteLength) {
          throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: `tensor ${e.name} has shape [${e.shape.join(', ')}], the architecture needs [${v.shape.join(', ')}]` });
        }
        // Copy out: the Buffer's offset need not be 4-byte aligned.
        const data = new Float32Array(buf.buffer.slice(buf.byteOffset + e.offset, buf.byteOffset + e.offset + n * 4));
        values.set(e.name, tf.tensor(data, e.shape, 'float32'));
        seen.add(e.name);
      }
      const missing = [...state.keys()].filter((k) => !seen.has(k));
      if (missing.length > 0) throw modelError('MODEL_WEIGHTS_MISMATCH', { dir, detail: `missing ${missing.length} tensors, e.g. ${missing[0]}` });
      detector.setState(values);
    } finally {
      tf.dispose([...values.values()]);
    }
    return { detector, manifest };
  } catch (err) {
    detector.dispose();
    throw err;
  }
}
