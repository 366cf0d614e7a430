/**
 * The small automatic search: Kestrel's own training runs as trials (one run folder each,
 * tune/trial-XX), scheduled by successive halving (scheduler.ts) over LR, augmentation and,
 * where the plan takes them, warmup and weight decay (space.ts). Every trial is planned for the
 * last rung's epochs and stopped at its rung's epoch boundary (a resumable checkpoint), so
 * continuing it to the next rung is a resume of the same run. The state file is written after
 * every decision; a killed search run again with the same settings continues where it was.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { TrainingEvent } from '../../shared/schemas/events';
import type { BackendId } from '../../shared/schemas/hardware';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import type { ModelScale } from '../../shared/schemas/model';
import type { TrainConfigInput } from '../../shared/schemas/train-config';
import { SearchStateSchema, type RungResult, type SearchSettings, type SearchState, type Trial, type TuneOverridesFile } from '../../shared/schemas/tune';
import { writeJsonAtomic } from '../runs/atomic';
import { runPaths } from '../runs/run-dir';
import { train as trainRun } from '../train/index';
import { trainCommand } from './format';
import { fmtLr } from './lr-choice';
import { planForTune } from './planned';
import { nextAction, rungSchedule, winner, type SchedulerAction } from './scheduler';
import { appliedKnobs, sampleTrial, trialOverrides, type Knob } from './space';

/** Defaults of the search. */
export const SEARCH_DEFAULTS = { epochs: 9, rungs: 3, eta: 3 } as const;

/** What the search reports as it goes. */
export type SearchEvent =
  | { type: 'planned'; settings: SearchSettings; resumed: boolean; reasons: Reason[] }
  | { type: 'rung-start'; trial: Trial; rung: number; epochs: number }
  | { type: 'rung-end'; trial: Trial; result: RungResult }
  | { type: 'train'; trial: number; event: TrainingEvent };

/** Options of {@link runSearch}. */
export interface SearchOptions {
  datasetPath: string;
  model: { scale: ModelScale; imgsz: number };
  /** The search folder: state.json, tune.json and trial-XX/ run folders. */
  dir: string;
  maxTrials: number | null;
  budgetSeconds: number | null;
  /** Epochs of the last rung (default 9). */
  epochs?: number;
  rungs?: number;
  eta?: number;
  seed?: number;
  /** The user's own plan overrides, kept in every trial. */
  overrides?: UserOverrides;
  backend?: BackendId;
  workers?: number;
  calibrate?: 'auto' | 'off' | 'force';
  maxTrainImages?: number;
  maxValImages?: number;
  /** Settings passed to every trial's TrainConfig as they are (tests: threads, checkpoints). */
  trainExtra?: Partial<TrainConfigInput>;
  signal?: AbortSignal;
  onEvent?: (e: SearchEvent) => void;
  /** The trainer (default: the engine's in-process train). */
  train?: typeof trainRun;
}

/** How a search ended. */
export interface SearchResult {
  status: 'complete' | 'budget' | 'stopped';
  state: SearchState;
  /** The winner's trial and the rung it was judged at (null: no trial finished a rung). */
  winner: { trial: Trial; result: RungResult } | null;
  /** tune.json, when there is a winner. */
  overridesFile: string | null;
  overrides: TuneOverridesFile | null;
  reasons: Reason[];
}

/** Paths of a search folder. */
export function searchPaths(dir: string): { state: string; overrides: string; trial: (id: number) => string } {
  return { state: join(dir, 'state.json'), overrides: join(dir, 'tune.json'), trial: (id) => join(dir, `trial-${String(id).padStart(2, '0')}`) };
}

const KNOB_NAMES: Record<Knob, string> = { lr: 'the LR', augment: 'the augmentation', warmupEpochs: 'the warmup length (warmupEpochs)', weightDecay: 'the weight decay (weightDecay)' };

/** The settings a state file continues only under: anything else is another search. */
function sameSearch(a: SearchSettings, b: SearchSettings): string | null {
  const keys = ['datasetPath', 'model', 'seed', 'maxTrials', 'budgetSeconds', 'rungEpochs', 'eta'] as const;
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k} ${JSON.stringify(a[k])} there, ${JSON.stringify(b[k])} now`;
  return null;
}

async function loadState(file: string): Promise<SearchState | null> {
  if (!existsSync(file)) return null;
  try {
    return SearchStateSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new KestrelError('TUNE_STATE_UNREADABLE', reason('TUNE_STATE_UNREADABLE', { path: file, detail }).message, { path: file });
  }
}

/** A rung's result already in the trial's metrics.csv (the search was killed after the rung ended, before it saved its state). */
async function rungFromMetrics(runDir: string, epochs: number): Promise<Omit<RungResult, 'rung' | 'seconds'> | null> {
  let text: string;
  try {
    text = await readFile(runPaths(runDir).metrics, 'utf8');
  } catch {
    return null;
  }
  const [head, ...rows] = text.trim().split('\n');
  const cols = (head ?? '').split(',');
  const at = (row: string[], c: string) => Number(row[cols.indexOf(c)] ?? '');
  for (const line of rows) {
    const row = line.split(',');
    if (at(row, 'epoch') !== epochs - 1 || row[cols.indexOf('map50')] === '') continue;
    return { epochs, map50: at(row, 'map50'), map50_95: at(row, 'map50_95'), fitness: at(row, 'fitness') };
  }
  return null;
}

/**
 * Runs (or continues) a search and writes its state, each trial's run folder and the winner's
 * tune.json. Trials run in this process, one at a time.
 */
export async function runSearch(opts: SearchOptions): Promise<SearchResult> {
  const paths = searchPaths(opts.dir);
  const train = opts.train ?? trainRun;
  const rungEpochs = rungSchedule(opts.epochs ?? SEARCH_DEFAULTS.epochs, opts.rungs ?? SEARCH_DEFAULTS.rungs, opts.eta ?? SEARCH_DEFAULTS.eta);
  const finalEpochs = rungEpochs.at(-1)!;
  const seed = opts.seed ?? 0;
  await mkdir(opts.dir, { recursive: true });
  const tp = await planForTune({
    datasetPath: opts.datasetPath,
    model: opts.model,
    epochs: finalEpochs,
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.maxTrainImages ? { maxTrainImages: opts.maxTrainImages } : {}),
    ...(opts.maxValImages ? { maxValImages: opts.maxValImages } : {}),
  });
  if (tp.val.length === 0) throw new KestrelError('TUNE_NO_VAL_IMAGES', reason('TUNE_NO_VAL_IMAGES').message);
  const plan = tp.plan;
  const applied = appliedKnobs();
  const settings: SearchSettings = {
    datasetPath: opts.datasetPath,
    model: opts.model,
    seed,
    maxTrials: opts.maxTrials,
    budgetSeconds: opts.budgetSeconds,
    rungEpochs,
    eta: opts.eta ?? SEARCH_DEFAULTS.eta,
    plannedLr: plan.lr,
    optimizer: plan.optimizer,
    applied,
  };
  const saved = await loadState(paths.state);
  if (saved) {
    const diff = sameSearch(saved.settings, settings);
    if (diff) throw new KestrelError('TUNE_STATE_MISMATCH', reason('TUNE_STATE_MISMATCH', { path: opts.dir, detail: diff }).message, { path: opts.dir });
  }
  const state: SearchState = saved ?? { version: 1, settings, trials: [], elapsedSeconds: 0, done: false };
  const reasons: Reason[] = (['warmupEpochs', 'weightDecay'] as const).filter((k) => !state.settings.applied.includes(k)).map((k) => reason('TUNE_KNOB_UNAVAILABLE', { knob: KNOB_NAMES[k] }));
  opts.onEvent?.({ type: 'planned', settings: state.settings, resumed: saved !== null, reasons });
  const save = () => writeJsonAtomic(paths.state, state);
  await save();

  const stepsPerEpoch = plan.totalSteps / plan.epochs;
  const planned = { lr: state.settings.plannedLr, warmupEpochs: Math.round((plan.schedule.warmupSteps / stepsPerEpoch) * 10) / 10, weightDecay: plan.weightDecay };
  const cfg = { rungEpochs: state.settings.rungEpochs, eta: state.settings.eta, maxTrials: state.settings.maxTrials, budgetSeconds: state.settings.budgetSeconds };
  let status: SearchResult['status'];
  for (;;) {
    if (opts.signal?.aborted) {
      status = 'stopped';
      break;
    }
    const action: SchedulerAction = nextAction(cfg, state.trials, state.elapsedSeconds);
    if (action.kind === 'done') {
      status = action.why;
      if (action.why === 'budget') reasons.push(reason('TUNE_BUDGET_REACHED', { budget: duration(cfg.budgetSeconds ?? 0), elapsed: duration(state.elapsedSeconds) }));
      state.done = true;
      await save();
      break;
    }
    if (action.isNew) {
      state.trials.push({ id: action.trial, params: sampleTrial(seed, action.trial, planned), results: [] });
      await save();
    }
    const trial = state.trials.find((t) => t.id === action.trial)!;
    const epochs = cfg.rungEpochs[action.rung]!;
    opts.onEvent?.({ type: 'rung-start', trial, rung: action.rung, epochs });
    const t0 = Date.now();
    const got = await runRung(opts, train, paths.trial(trial.id), trial, epochs, finalEpochs, state.settings.applied);
    const seconds = (Date.now() - t0) / 1000;
    state.elapsedSeconds += seconds;
    if (got === null) {
      await save();
      status = 'stopped';
      break;
    }
    const result: RungResult = { rung: action.rung, seconds, ...got };
    trial.results.push(result);
    await save();
    opts.onEvent?.({ type: 'rung-end', trial, result });
  }
  return finish(state, paths, reasons, status, opts, finalEpochs);
}

/** Trains a trial to the end of `epochs` (a fresh run or a resume of its folder); null when stopped from outside. */
async function runRung(
  opts: SearchOptions,
  train: typeof trainRun,
  runDir: string,
  trial: Trial,
  epochs: number,
  finalEpochs: number,
  applied: readonly Knob[],
): Promise<Omit<RungResult, 'rung' | 'seconds'> | null> {
  const already = await rungFromMetrics(runDir, epochs);
  if (already) return already;
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  let got: Omit<RungResult, 'rung' | 'seconds'> | null = null;
  const cfg: TrainConfigInput = {
    runDir,
    datasetPath: opts.datasetPath,
    model: opts.model,
    epochs: finalEpochs,
    overrides: trialOverrides(trial.params, applied, opts.overrides),
    seed: opts.seed ?? 0,
    augment: trial.params.augment,
    valEvery: 1,
    patience: 10_000,
    resume: existsSync(runPaths(runDir).config),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.calibrate ? { calibrate: opts.calibrate } : {}),
    ...(opts.maxTrainImages ? { maxTrainImages: opts.maxTrainImages } : {}),
    ...(opts.maxValImages ? { maxValImages: opts.maxValImages } : {}),
    ...opts.trainExtra,
  };
  try {
    await train(cfg, {
      signal: stop.signal,
      onEvent: (e) => {
        opts.onEvent?.({ type: 'train', trial: trial.id, event: e });
        if (e.type !== 'epoch-end' || e.epoch + 1 !== epochs) return;
        const m = e.metrics;
        got = { epochs, map50: m?.map50 ?? 0, map50_95: m?.map50_95 ?? 0, fitness: m?.fitness ?? 0.1 * (m?.map50 ?? 0) + 0.9 * (m?.map50_95 ?? 0) };
        // The rung ends here: the checkpoint of this epoch's end is saved; the run stops at the next step boundary.
        if (epochs < finalEpochs) stop.abort();
      },
    });
  } finally {
    opts.signal?.removeEventListener('abort', onOuter);
  }
  return got;
}

async function finish(state: SearchState, paths: ReturnType<typeof searchPaths>, reasons: Reason[], status: SearchResult['status'], opts: SearchOptions, finalEpochs: number): Promise<SearchResult> {
  const w = winner(state.trials);
  if (!w) return { status, state, winner: null, overridesFile: null, overrides: null, reasons };
  const trial = state.trials.find((t) => t.id === w.id)!;
  const result = trial.results.find((r) => r.rung === w.rung)!;
  reasons.push(
    reason('TUNE_WINNER', { trial: trial.id, fitness: result.fitness.toFixed(3), map50: result.map50.toFixed(3), epochs: result.epochs, lr: fmtLr(trial.params.lr), augment: trial.params.augment }),
  );
  const overrides = trialOverrides(trial.params, state.settings.applied, opts.overrides);
  const file: TuneOverridesFile = {
    version: 1,
    source: 'search',
    overrides,
    train: { augment: trial.params.augment, epochs: finalEpochs },
    command: trainCommand(opts.datasetPath, opts.model, overrides, finalEpochs),
    reasons,
  };
  await writeJsonAtomic(paths.overrides, file);
  return { status, state, winner: { trial, result }, overridesFile: paths.overrides, overrides: file, reasons };
}

/** Seconds as "1h05m", "12m30s" or "45s". */
export function duration(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.round(s)}s`;
}
