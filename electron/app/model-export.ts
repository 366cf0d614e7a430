/**
 * "Export for the production line": writes a run's model as ONNX (best weights, else last) with
 * its model card and the Node and Python line-PC examples (electron/engine/export) into a folder
 * main chose in its save dialog: it receives the run folder, the run name and a destination that
 * never came from the renderer. The exporter is loaded on first use, so main does not load it
 * (or TF.js's core, which the weights reader imports) at start.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KestrelError } from '../shared/errors';
import { replaceDirAtomic } from '../engine/runs/atomic';
import { freeBytesOf, rethrowFsError } from '../engine/runs/fs-errors';
import { RUN_FILES } from './runs';

/** What an export wrote: the folder and its files. */
export interface ExportResult {
  path: string;
  files: string[];
}

async function sizeOf(p: string): Promise<number> {
  const st = await stat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(p)) total += await sizeOf(join(p, name));
  return total;
}

async function firstExisting(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    if (await stat(p).then(() => true, () => false)) return p;
  }
  return null;
}

/**
 * Exports the model of the run in `runDir` to `<destDir>/<runId>-onnx` (the .onnx file first,
 * then MODEL.md, model.json, run_model.mjs, run_model.py), replacing an earlier export of the
 * same run atomically; the run's exports.json records it. Throws APP_NO_WEIGHTS before the first checkpoint, and
 * the coded FS_* errors (read-only, full disk with the size needed, ...) on write failures,
 * leaving no half-written folder behind.
 */
export async function exportRunModel(runDir: string, runId: string, destDir: string): Promise<ExportResult> {
  const src = await firstExisting([join(runDir, RUN_FILES.best), join(runDir, RUN_FILES.last)]);
  if (!src) throw new KestrelError('APP_NO_WEIGHTS', `Run "${runId}" has no saved model yet. Train at least one epoch first.`);
  const dest = join(resolve(destDir), `${runId}-onnx`);
  // An ONNX file is about the size of the float32 weights it holds.
  const neededBytes = await sizeOf(src);
  const { exportModel } = await import('../engine/export/index');
  let files: string[] = [];
  try {
    await replaceDirAtomic(dest, async (tmp) => {
      const r = await exportModel({ weights: runDir, format: 'onnx', outDir: tmp });
      files = r.files.map((f) => f.slice(f.lastIndexOf('/') + 1).slice(f.lastIndexOf('\\') + 1));
    });
  } catch (err) {
    const free = await freeBytesOf(resolve(destDir));
    rethrowFsError(err, { path: dest, op: 'write', neededBytes, ...(free !== null ? { freeBytes: free } : {}) });
  }
  const onDisk = (await readdir(dest)).sort();
  // The model first, as the exporter lists it; anything else it wrote after.
  return { path: dest, files: [...files.filter((f) => onDisk.includes(f)), ...onDisk.filter((f) => !files.includes(f))] };
}
