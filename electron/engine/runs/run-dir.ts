// The run folder's layout on disk, a fresh run folder, and appending to its logs.
import { appendFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic';
import { rethrowFsError } from './fs-errors';
import { assertRunName } from './names';

/**
 * The layout of one training run on disk:
 *   runs/<name>/plan.json, config.json, split.json, metrics.csv, events.jsonl,
 *   weights/last, weights/best (each with EMA weights and, for last, the full training state),
 *   results.json, transfer.json (fine-tunes), run.lock (while a process trains it).
 */
export interface RunPaths {
  dir: string;
  plan: string;
  config: string;
  split: string;
  metrics: string;
  events: string;
  results: string;
  /** transfer.json: how a fine-tune's parent weights went into the network (fine-tunes only). */
  transfer: string;
  /** The run folder's writer lock (one process trains a run at a time). */
  lock: string;
  weights: string;
  last: string;
  best: string;
}

/** Paths of the run folder `dir`. */
export function runPaths(dir: string): RunPaths {
  const d = resolve(dir);
  return {
    dir: d,
    plan: join(d, 'plan.json'),
    config: join(d, 'config.json'),
    split: join(d, 'split.json'),
    metrics: join(d, 'metrics.csv'),
    events: join(d, 'events.jsonl'),
    results: join(d, 'results.json'),
    transfer: join(d, 'transfer.json'),
    lock: join(d, 'run.lock'),
    weights: join(d, 'weights'),
    last: join(d, 'weights', 'last'),
    best: join(d, 'weights', 'best'),
  };
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/**
 * A fresh run folder under `outDir`: `name`, or name-2, name-3... when taken, so an earlier
 * run is never overwritten. Throws RUN_NAME_* for a name that is not a portable folder name
 * (make one with runNameFrom) and FS_* when the folder cannot be created.
 */
export async function createRunDir(outDir: string, name: string): Promise<RunPaths> {
  // A name Windows could not create is refused (RUN_NAME_*) on every platform, before any folder exists.
  const safe = assertRunName(name);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    rethrowFsError(err, { path: outDir, op: 'mkdir' });
  }
  let candidate = safe;
  for (let i = 2; await exists(join(outDir, candidate)); i++) candidate = assertRunName(`${safe}-${i}`);
  const paths = runPaths(join(outDir, candidate));
  try {
    await mkdir(paths.weights, { recursive: true });
  } catch (err) {
    rethrowFsError(err, { path: paths.dir, op: 'mkdir' });
  }
  return paths;
}

/** Run folders under outDir, newest first (by modification time). */
export async function listRunDirs(outDir: string): Promise<string[]> {
  const names = await readdir(outDir).catch(() => [] as string[]);
  const dirs: Array<{ dir: string; mtime: number }> = [];
  for (const n of names) {
    const p = join(outDir, n);
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory() && (await exists(join(p, 'plan.json')))) dirs.push({ dir: p, mtime: st.mtimeMs });
  }
  return dirs.sort((a, b) => b.mtime - a.mtime).map((d) => d.dir);
}

/** Appends one JSON line; events.jsonl is append-only so a crash loses at most the last line. */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  await appendFile(file, JSON.stringify(value) + '\n');
}

/** Columns of metrics.csv, one row per epoch. */
export const METRIC_COLUMNS = [
  'epoch', 'train_box', 'train_cls', 'train_dfl', 'train_total', 'map50', 'map50_95', 'precision', 'recall',
  'fitness', 'lr', 'images_per_sec', 'epoch_seconds',
] as const;

/** Appends an epoch row to metrics.csv, writing the header first when the file is new. */
export async function appendMetricsRow(file: string, row: Partial<Record<(typeof METRIC_COLUMNS)[number], number | null>>): Promise<void> {
  const header = (await exists(file)) ? '' : METRIC_COLUMNS.join(',') + '\n';
  const line = METRIC_COLUMNS.map((c) => {
    const v = row[c];
    return v === undefined || v === null || !Number.isFinite(v) ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(6);
  }).join(',');
  await appendFile(file, header + line + '\n');
}

/**
 * metrics.csv kept to the epochs before `epoch` (pure): rows of later epochs, and of `epoch`
 * itself, belong to training the resumed run does again, so they go; a torn last line goes too.
 * The header stays. Returns the text and how many rows were dropped.
 */
export function trimMetricsText(text: string, epoch: number): { text: string; dropped: number } {
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  let dropped = 0;
  const kept: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const cells = line.split(',');
    const e = Number(cells[0]);
    if (cells.length !== METRIC_COLUMNS.length || cells[0] === '' || !Number.isInteger(e) || e >= epoch) {
      dropped++;
      continue;
    }
    kept.push(line);
  }
  return { text: [header, ...kept].join('\n') + '\n', dropped };
}

/**
 * Keeps metrics.csv consistent with the checkpoint a session starts from: rows of `epoch` and
 * later (written by a process that died before its next checkpoint) are removed. Returns how
 * many rows were dropped (0 when the file is missing).
 */
export async function trimMetricsRows(file: string, epoch: number): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null || text === '') return 0;
  const out = trimMetricsText(text, epoch);
  if (out.dropped > 0) await writeFileAtomic(file, out.text);
  return out.dropped;
}
