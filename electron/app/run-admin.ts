/**
 * Run bookkeeping the engineer does by hand: a display name and a note per run
 * (run-meta.json in the run folder; the folder keeps its name, so nothing that points at it
 * breaks), and deleting a run by moving its folder into the runs folder's `.trash` (a
 * dot-folder is never listed as a run), from where it can be restored by hand.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { rethrowFsError } from '../engine/runs/fs-errors';
import { RunMetaSchema, type RunMeta } from '../shared/schemas/ipc/runs';

/** The file of the engineer's name and note inside a run folder. */
export const RUN_META_FILE = 'run-meta.json';
/** The folder under the runs folder that deleted runs move to. */
export const TRASH_DIR = '.trash';

/** The run's name and note (empty strings when none was written). */
export async function readRunMeta(runDir: string): Promise<RunMeta> {
  try {
    const parsed = RunMetaSchema.safeParse(JSON.parse(await readFile(join(runDir, RUN_META_FILE), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch (_err) {
    // No file (or a damaged one): the run has no name or note yet.
  }
  return { title: '', note: '' };
}

/** Writes the run's name and/or note (the other one is kept), atomically. */
export async function writeRunMeta(runDir: string, patch: Partial<RunMeta>): Promise<RunMeta> {
  const next = { ...(await readRunMeta(runDir)), ...patch };
  const meta = RunMetaSchema.parse(next);
  try {
    await writeJsonAtomic(join(runDir, RUN_META_FILE), meta);
  } catch (err) {
    rethrowFsError(err, { path: join(runDir, RUN_META_FILE), op: 'write' });
  }
  return meta;
}

/** Moves a run folder into `<runsDir>/.trash/<runId>-<time>`; returns where it went. */
export async function trashRun(runsDir: string, runId: string, now = new Date()): Promise<string> {
  const trash = join(runsDir, TRASH_DIR);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dest = join(trash, `${runId}-${stamp}`);
  try {
    await mkdir(trash, { recursive: true });
    await rename(join(runsDir, runId), dest);
  } catch (err) {
    rethrowFsError(err, { path: join(runsDir, runId), op: 'write' });
  }
  return dest;
}
