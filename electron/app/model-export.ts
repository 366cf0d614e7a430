/**
 * Copies a run's model (best weights, else last) into a folder main chose in its save dialog.
 * Kept apart from the handler so the real exporter (ONNX, electron/engine/export) can replace
 * the body without touching the channel: it receives the run folder, the run name and a
 * destination that never came from the renderer.
 */
import { cp, readdir, stat } from 'node:fs/promises';
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
 * Exports the model of the run in `runDir` to `<destDir>/<runId>-model`, replacing an earlier
 * export of the same run atomically. Throws APP_NO_WEIGHTS before the first checkpoint, and
 * the coded FS_* errors (read-only, full disk with the size needed, ...) on write failures,
 * leaving no half-written folder behind.
 */
export async function exportRunModel(runDir: string, runId: string, destDir: string): Promise<ExportResult> {
  const src = await firstExisting([join(runDir, RUN_FILES.best), join(runDir, RUN_FILES.last)]);
  if (!src) throw new KestrelError('APP_NO_WEIGHTS', `Run "${runId}" has no saved model yet. Train at least one epoch first.`);
  const dest = join(resolve(destDir), `${runId}-model`);
  const neededBytes = await sizeOf(src);
  try {
    await replaceDirAtomic(dest, (tmp) => cp(src, tmp, { recursive: true }));
  } catch (err) {
    const free = await freeBytesOf(resolve(destDir));
    rethrowFsError(err, { path: dest, op: 'write', neededBytes, ...(free !== null ? { freeBytes: free } : {}) });
  }
  return { path: dest, files: (await readdir(dest)).sort() };
}
