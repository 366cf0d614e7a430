/**
 * Finding the earlier run a fine-tune starts from (`kestrel train --from runs/NAME`, "Continue
 * training" in the app): its weights (weights/best, else weights/last, or a weights folder given
 * directly), its network, class names and input size, all checked (hash, sizes, shapes, finite
 * values) before anything is trained. Every way this can fail is a coded error that says what to
 * do: FINETUNE_PARENT_MISSING, FINETUNE_PARENT_CORRUPT, FINETUNE_SCALE_MISMATCH. Only reads: the
 * parent run is never changed (beyond undoing a torn checkpoint swap, as every reader does).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { ModelScale, ModelSpec } from '../../shared/schemas/model';
import { resolveArchitecture } from '../model/arch';
import { MANIFEST_FILE, readDetectorManifest, type DetectorManifest } from '../model/persist';
import { stateShapes, type ParentWeights, type PlainState } from '../model/transfer';
import { recoverDirSwap } from './atomic';
import { isFsError, rethrowFsError } from './fs-errors';
import { runPaths } from './run-dir';

/** An earlier run, ready to fine-tune from. */
export interface ParentRun {
  /** The run's name (its folder name), recorded in the new run's plan as `parentRun`. */
  name: string;
  /** The run folder. */
  runDir: string;
  /** The weights folder used (runs/NAME/weights/best or /last, or the folder given). */
  weightsDir: string;
  /** Which checkpoint: best, last, or a weights folder named directly. */
  which: 'best' | 'last' | 'given';
  spec: ModelSpec;
  classNames: string[];
  /** Input size the parent was trained at (the new run may use another: weights do not depend on it). */
  imgsz: number;
  /** The epoch (0-based) the checkpoint was saved at, when its meta.json says so. */
  epoch: number | null;
  /** The weights as plain arrays, with the class names and spec transferWeights needs. */
  weights: ParentWeights;
}

/** What the new run asks for; a different scale cannot take the parent's weights. */
export interface ParentWants {
  scale?: ModelScale;
}

function finetuneError(code: string, params: Record<string, string | number>): KestrelError {
  return new KestrelError(code, reason(code, params).message, params);
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** A path as the user would type it: relative to the working folder when inside it. */
function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

/** The folder `dirOrName` names: a path (absolute or from the working folder), else a run name under runsDir. */
async function findFolder(dirOrName: string, runsDir: string): Promise<string> {
  const candidates = isAbsolute(dirOrName) ? [dirOrName] : [resolve(dirOrName), resolve(runsDir, dirOrName)];
  for (const c of candidates) if (await isDir(c)) return c;
  const where = candidates[candidates.length - 1]!;
  const detail = (await isFile(where)) || (candidates[0] !== undefined && (await isFile(candidates[0])))
    ? 'this is a file, not a run folder'
    : 'no such run folder';
  throw finetuneError('FINETUNE_PARENT_MISSING', { path: shown(where), detail });
}

/** Undoes a torn checkpoint swap if there is one; a read-only parent is still readable as it is. */
async function recoverQuietly(dir: string): Promise<void> {
  try {
    await recoverDirSwap(dir);
  } catch (_err) {
    // Reading must not fail because the parent's drive is read-only.
  }
}

/** Picks the weights folder: one given directly, else the run's best, else its last. */
async function findWeights(folder: string): Promise<{ runDir: string; weightsDir: string; which: ParentRun['which'] }> {
  if (await isFile(join(folder, MANIFEST_FILE))) {
    const parentOf = dirname(folder);
    const runDir = basename(parentOf) === 'weights' ? dirname(parentOf) : folder;
    const base = basename(folder);
    return { runDir, weightsDir: folder, which: runDir !== folder && (base === 'best' || base === 'last') ? base : 'given' };
  }
  const paths = runPaths(folder);
  for (const which of ['best', 'last'] as const) {
    const dir = paths[which];
    await recoverQuietly(dir);
    if (await isDir(dir)) return { runDir: folder, weightsDir: dir, which };
  }
  throw finetuneError('FINETUNE_PARENT_MISSING', {
    path: shown(folder),
    detail: 'it holds no weights/best or weights/last (the run ended before its first checkpoint, or this is not a Kestrel run folder)',
  });
}

/** The other checkpoint of the same run, to suggest when one is unusable. */
async function alternativeOf(runDir: string, which: ParentRun['which']): Promise<string> {
  const other = which === 'best' ? 'last' : which === 'last' ? 'best' : null;
  if (other && (await isFile(join(runPaths(runDir)[other], MANIFEST_FILE)))) return shown(runPaths(runDir)[other]);
  return 'another run';
}

/** Reads and checks the weights file of a manifest into plain arrays (throws a detail string on any fault). */
async function readWeights(weightsDir: string, manifest: DetectorManifest): Promise<PlainState> {
  let buf: Buffer;
  try {
    buf = await readFile(join(weightsDir, manifest.weights.file));
  } catch (err) {
    if (isFsError(err) && err.code !== 'ENOENT') rethrowFsError(err, { path: weightsDir, op: 'read' });
    throw new Error(`${manifest.weights.file} is missing`, { cause: err });
  }
  if (buf.byteLength !== manifest.weights.byteLength) throw new Error(`${manifest.weights.file} has ${buf.byteLength} bytes, its model.json says ${manifest.weights.byteLength}`);
  if (createHash('sha256').update(buf).digest('hex') !== manifest.weights.sha256) throw new Error(`${manifest.weights.file} does not match its checksum`);

  let expected: Map<string, number[]>;
  try {
    expected = stateShapes(resolveArchitecture(manifest.spec));
  } catch (err) {
    throw new Error(`its network cannot be built (${(err as Error).message})`, { cause: err });
  }
  const out: PlainState = new Map();
  for (const e of manifest.weights.tensors) {
    const want = expected.get(e.name);
    if (!want) throw new Error(`unknown tensor ${e.name}`);
    if (want.join(',') !== e.shape.join(',')) throw new Error(`tensor ${e.name} has shape [${e.shape.join(', ')}], its network needs [${want.join(', ')}]`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + n * 4 > buf.byteLength) throw new Error(`tensor ${e.name} lies beyond the end of the weights file`);
    // Copy out: the Buffer's offset need not be 4-byte aligned.
    const values = new Float32Array(buf.buffer.slice(buf.byteOffset + e.offset, buf.byteOffset + e.offset + n * 4));
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw new Error(`tensor ${e.name} holds non-finite values (the run diverged)`);
    }
    out.set(e.name, { shape: [...e.shape], values });
  }
  const missing = [...expected.keys()].filter((k) => !out.has(k));
  if (missing.length > 0) throw new Error(`${missing.length} tensors are missing, e.g. ${missing[0]}`);
  return out;
}

/** The epoch in the checkpoint's meta.json, or null (a weights folder need not have one). */
async function readEpoch(weightsDir: string): Promise<number | null> {
  try {
    const meta = JSON.parse(await readFile(join(weightsDir, 'meta.json'), 'utf8')) as { epoch?: unknown };
    return typeof meta.epoch === 'number' && Number.isInteger(meta.epoch) && meta.epoch >= 0 ? meta.epoch : null;
  } catch (_err) {
    return null;
  }
}

/**
 * Throws FINETUNE_SCALE_MISMATCH when the new run asks for another scale than the parent's.
 * Another input size or norm is allowed: conv weights do not depend on the input size, and a
 * different norm only leaves the running statistics behind (the transfer report says so).
 */
export function checkParentScale(parent: { name: string; spec: ModelSpec }, scale: ModelScale): void {
  if (parent.spec.scale !== scale) {
    throw finetuneError('FINETUNE_SCALE_MISMATCH', { parentRun: parent.name, parentScale: parent.spec.scale, scale });
  }
}

/**
 * Finds and reads the earlier run `dirOrName` (a run folder path, a run name under `runsDir`,
 * or a weights folder such as runs/NAME/weights/last), checks its weights completely, and
 * checks it against what the new run wants. Throws FINETUNE_PARENT_MISSING,
 * FINETUNE_PARENT_CORRUPT, FINETUNE_SCALE_MISMATCH, or an FS_* error for an unreadable drive.
 */
export async function resolveParentRun(dirOrName: string, runsDir: string, want: ParentWants = {}): Promise<ParentRun> {
  const folder = await findFolder(dirOrName, runsDir);
  const { runDir, weightsDir, which } = await findWeights(folder);
  const corrupt = async (detail: string) =>
    finetuneError('FINETUNE_PARENT_CORRUPT', { path: shown(weightsDir), detail, alternative: await alternativeOf(runDir, which) });

  let manifest: DetectorManifest;
  try {
    manifest = await readDetectorManifest(weightsDir);
  } catch (err) {
    if (err instanceof KestrelError && err.code === 'MODEL_WEIGHTS_NOT_FOUND') {
      throw await corrupt('model.json is missing (the checkpoint is incomplete)');
    }
    if (err instanceof KestrelError) throw await corrupt(String(err.details?.['detail'] ?? err.message));
    throw err;
  }
  let tensors: PlainState;
  try {
    tensors = await readWeights(weightsDir, manifest);
  } catch (err) {
    if (err instanceof KestrelError) throw err;
    throw await corrupt((err as Error).message);
  }
  const name = basename(runDir);
  const parent: ParentRun = {
    name,
    runDir,
    weightsDir,
    which,
    spec: manifest.spec,
    classNames: [...manifest.classNames],
    imgsz: manifest.imgsz,
    epoch: await readEpoch(weightsDir),
    weights: { tensors, classNames: [...manifest.classNames], spec: manifest.spec },
  };
  if (want.scale !== undefined) checkParentScale(parent, want.scale);
  return parent;
}
