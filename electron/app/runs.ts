import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KestrelError } from '../shared/errors';
import { TrainingEventSchema, type TrainingEvent } from '../shared/schemas/events';
import { RunIdSchema, type RunDetail, type RunSummary } from '../shared/schemas/ipc/runs';
import type { SettledRunState } from '../shared/schemas/run-state';
import { TrainJobSchema, type TrainJob } from '../shared/schemas/ipc/worker';

/** File names inside a run folder (see the training-runs issue); config.json is the run's one config. */
export const RUN_FILES = {
  job: 'config.json',
  plan: 'plan.json',
  events: 'events.jsonl',
  results: 'results.json',
  valPredictions: 'val-predictions.json',
  weightsDir: 'weights',
  last: join('weights', 'last'),
  best: join('weights', 'best'),
} as const;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (_err) {
    return false;
  }
}

async function readJson(p: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(p, 'utf8'));
  } catch (_err) {
    return null;
  }
}

/** The events of a run's events.jsonl; lines that do not parse (a torn last line) are skipped. */
export async function readRunEvents(runDir: string): Promise<TrainingEvent[]> {
  let text: string;
  try {
    text = await readFile(join(runDir, RUN_FILES.events), 'utf8');
  } catch (_err) {
    return [];
  }
  const out: TrainingEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const ev = TrainingEventSchema.safeParse(JSON.parse(line));
      if (ev.success) out.push(ev.data);
    } catch (_err) {
      // A half-written line from a crash: the events before it still count.
    }
  }
  return out;
}

/** The job the app started a run with, when the app started it. */
export async function readJob(runDir: string): Promise<TrainJob | null> {
  const parsed = TrainJobSchema.safeParse(await readJson(join(runDir, RUN_FILES.job)));
  return parsed.success ? parsed.data : null;
}

/** Resolves a run id to its folder, refusing anything that is not a plain folder name. */
export function runDirOf(runsDir: string, runId: string): string {
  const id = RunIdSchema.safeParse(runId);
  if (!id.success) throw new KestrelError('APP_RUN_ID_INVALID', `"${runId}" is not a run name. Pick a run from the list.`);
  return join(runsDir, id.data);
}

/**
 * Summarises one run folder from its files: status from the last decisive event, best
 * metrics from the epochs, resumable when a last checkpoint exists and the run did not end.
 */
export async function summarizeRun(runsDir: string, id: string, activeRunId: string | null): Promise<RunSummary> {
  const dir = runDirOf(runsDir, id);
  const [events, job, hasLast, hasResults, st] = await Promise.all([
    readRunEvents(dir),
    readJob(dir),
    exists(join(dir, RUN_FILES.last)),
    exists(join(dir, RUN_FILES.results)),
    stat(dir),
  ]);
  let status: SettledRunState = 'incomplete';
  let epochsPlanned: number | null = job?.epochs ?? null;
  let epochsDone = 0;
  let best: RunSummary['best'] = null;
  let createdAt: string | null = null;
  // The plan names the parent of a fine-tune; before the trainer wrote it, config.json's `from` does.
  let parentRun: string | null = job?.from !== undefined ? parentNameOf(job.from) : null;
  for (const ev of events) {
    if (ev.type === 'plan') {
      const named = ev.plan['parentRun'];
      if (typeof named === 'string' && named !== '') parentRun = named;
    } else if (ev.type === 'train-start') {
      epochsPlanned = ev.epochs;
      createdAt ??= new Date(ev.t).toISOString();
    } else if (ev.type === 'epoch-end') {
      epochsDone = Math.max(epochsDone, ev.epoch + 1);
      if (ev.metrics && (best === null || ev.best)) best = { epoch: ev.epoch, map50: ev.metrics.map50, map50_95: ev.metrics.map50_95 };
    } else if (ev.type === 'train-end') {
      status = ev.status;
      if (ev.best) best = ev.best;
    } else if (ev.type === 'error') {
      status = 'failed';
    } else if (ev.type === 'recovered') {
      status = 'incomplete';
    }
  }
  if (id === activeRunId) status = 'running';
  const finished = status === 'completed' || status === 'early-stopped';
  return {
    id,
    dir,
    createdAt: createdAt ?? st.birthtime.toISOString(),
    status,
    datasetPath: job?.datasetPath ?? null,
    model: job ? { scale: job.model.scale, imgsz: job.model.imgsz } : null,
    ...(job ? { tiles: job.tiles } : {}),
    epochsPlanned,
    epochsDone,
    best,
    resumable: hasLast && !finished && status !== 'running',
    hasResults,
    parentRun,
  };
}

/**
 * The run a fine-tune's `from` (config.json) names: `runs/NAME/weights/best` and `runs/NAME/weights/last`
 * are run NAME; a run folder or a weights folder named directly is its own folder name.
 */
export function parentNameOf(from: string): string {
  const parts = from.split(/[\\/]+/).filter((p) => p !== '');
  const n = parts.length;
  if (n >= 3 && parts[n - 2] === 'weights' && (parts[n - 1] === 'best' || parts[n - 1] === 'last')) return parts[n - 3]!;
  return parts[n - 1] ?? from;
}

/** Every run under the runs folder, newest first. A missing folder is an empty list. */
export async function listRuns(runsDir: string, activeRunId: string | null): Promise<RunSummary[]> {
  let names: string[];
  try {
    const entries = await readdir(runsDir, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory() && RunIdSchema.safeParse(e.name).success).map((e) => e.name);
  } catch (_err) {
    return [];
  }
  const runs = await Promise.all(names.map((n) => summarizeRun(runsDir, n, activeRunId)));
  return runs.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}

/** One run with its plan, per-epoch history and notable events, for the Train and Results views. */
export async function openRun(runsDir: string, id: string, activeRunId: string | null): Promise<RunDetail> {
  const dir = runDirOf(runsDir, id);
  if (!(await exists(dir))) throw new KestrelError('APP_RUN_NOT_FOUND', `There is no run "${id}" in ${runsDir}. Refresh the list of runs.`);
  const [summary, events, planRaw] = await Promise.all([summarizeRun(runsDir, id, activeRunId), readRunEvents(dir), readJson(join(dir, RUN_FILES.plan))]);
  let plan = planRaw && typeof planRaw === 'object' && !Array.isArray(planRaw) ? (planRaw as Record<string, unknown>) : null;
  const epochs = [];
  const notable: TrainingEvent[] = [];
  for (const ev of events) {
    if (ev.type === 'epoch-end') epochs.push(ev);
    else if (ev.type === 'plan') plan ??= ev.plan;
    else if (ev.type !== 'batch-end') notable.push(ev);
  }
  return { summary, plan, epochs, events: notable.slice(-200) };
}

/** A fresh run folder name: the model and a timestamp, e.g. `n320-20250101-120000`. */
export function newRunId(scale: string, imgsz: number, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${scale}${imgsz}-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}
