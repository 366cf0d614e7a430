// The run folder's layout on disk, a fresh run folder, and appending to its logs.
import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The layout of one training run on disk:
 *   runs/<name>/plan.json, config.json, split.json, metrics.csv, events.jsonl,
 *   weights/last, weights/best (each with EMA weights and, for last, the full training state),
 *   results.json.
 */
export interface RunPaths {
  dir: string;
  plan: string;
  config: string;
  split: string;
  metrics: string;
  events: string;
  results: string;
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
    weights: join(d, 'weights'),
    last: join(d, 'weights', 'last'),
    best: join(d, 'weights', 'best'),
  };
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/**
 * A fresh run folder under `outDir`: `name`, or name-2, name-3... when taken, so an earlier
 * run is never overwritten.
 */
export async function createRunDir(outDir: string, name: string): Promise<RunPaths> {
  await mkdir(outDir, { recursive: true });
  const safe = name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  let candidate = safe;
  for (let i = 2; await exists(join(outDir, candidate)); i++) candidate = `${safe}-${i}`;
  const paths = runPaths(join(outDir, candidate));
  await mkdir(paths.weights, { recursive: true });
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
