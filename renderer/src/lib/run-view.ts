import type { EventPayload } from '../../../electron/shared/ipc-contract';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import type { RunState } from '../../../electron/shared/schemas/run-state';

/**
 * The Train step's view of one run, folded from training events. Plain TypeScript without
 * runes, so the bookkeeping is unit-tested in Node (test/renderer/run-view.test.ts) and the
 * store wraps it in $state.
 */

/** What the Train step draws: series appended as events arrive (never recomputed from scratch). */
export interface LiveSeries {
  /** x of the loss/LR charts: fractional epoch (epoch + batch/batches). */
  x: number[];
  lossParts: Record<string, (number | null)[]>;
  lossTotal: number[];
  lr: number[];
  epochX: number[];
  map50: (number | null)[];
  map50_95: (number | null)[];
}

function emptySeries(): LiveSeries {
  return { x: [], lossParts: {}, lossTotal: [], lr: [], epochX: [], map50: [], map50_95: [] };
}

/** A recovery as the Train step explains it: what happened and what Kestrel did. */
export type RecoveredEvent = Extract<TrainingEvent, { type: 'recovered' }>;

/** The run the Train step shows. */
export interface RunView {
  runId: string;
  runDir: string;
  /** The one run-state vocabulary: live, then train-end's status, or failed/crashed when the process went wrong. */
  state: RunState;
  epochs: number;
  epoch: number;
  batch: number;
  batches: number;
  imagesPerSec: number | null;
  etaSeconds: number | null;
  /** When etaSeconds was reported (the event's time, ms): the finish clock time counts from here. */
  etaUpdatedAt: number | null;
  memoryBytes: number | null;
  lr: number | null;
  lastLoss: number | null;
  bestMap: { map50: number; map50_95: number; epoch: number } | null;
  /** Warnings, errors, checkpoints and resumes, in order. */
  notable: TrainingEvent[];
  /** Automatic recoveries (out of memory, NaN loss, crash), in order. */
  recoveries: RecoveredEvent[];
  /** The batch layout in use now (the plan's, then each recovery's). */
  layout: { perDeviceBatch: number; accumulation: number } | null;
  series: LiveSeries;
  end: Extract<TrainingEvent, { type: 'train-end' }> | null;
  crash: EventPayload<'evt:run-state'> | null;
}

/** A fresh RunView for a run that just started (or that the app reattaches to). */
export function newRunView(runId: string, runDir: string): RunView {
  return {
    runId,
    runDir,
    state: 'starting',
    epochs: 0,
    epoch: 0,
    batch: 0,
    batches: 0,
    imagesPerSec: null,
    etaSeconds: null,
    etaUpdatedAt: null,
    memoryBytes: null,
    lr: null,
    lastLoss: null,
    bestMap: null,
    notable: [],
    recoveries: [],
    layout: null,
    series: emptySeries(),
    end: null,
    crash: null,
  };
}

/**
 * Drops the tail of the live series from `x` on: a run that resumed from a checkpoint redoes
 * that stretch, and charts need x in increasing order (the redone points replace the lost ones).
 */
function rewind(s: LiveSeries, x: number): void {
  let n = s.x.length;
  while (n > 0 && s.x[n - 1]! >= x) n--;
  if (n === s.x.length) return;
  s.x.length = n;
  s.lossTotal.length = n;
  s.lr.length = n;
  for (const arr of Object.values(s.lossParts)) arr.length = n;
}

/** Drops per-epoch points from `epochX` on (an epoch validated again after a resume). */
function rewindEpochs(s: LiveSeries, epochX: number): void {
  let n = s.epochX.length;
  while (n > 0 && s.epochX[n - 1]! >= epochX) n--;
  s.epochX.length = n;
  s.map50.length = n;
  s.map50_95.length = n;
}

function layoutOfPlan(plan: Record<string, unknown>): RunView['layout'] {
  const b = plan['perDeviceBatch'];
  const a = plan['accumulation'];
  return typeof b === 'number' && typeof a === 'number' ? { perDeviceBatch: b, accumulation: a } : null;
}

/**
 * Folds one training event into the run view. Pure bookkeeping: the charts read the series,
 * the header the latest figures, the event list the notable events.
 */
export function applyEvent(run: RunView, ev: TrainingEvent): void {
  switch (ev.type) {
    case 'plan':
      // A resumed process repeats the original plan; a recovery's layout stays the one in use.
      if (run.recoveries.every((r) => !r.to)) run.layout = layoutOfPlan(ev.plan) ?? run.layout;
      break;
    case 'train-start':
      run.state = 'running';
      run.epochs = ev.epochs;
      run.epoch = ev.startEpoch;
      run.batches = ev.batchesPerEpoch;
      run.crash = null;
      if (ev.resumed) run.notable.push(ev);
      break;
    case 'epoch-start':
      run.state = run.state === 'stopping' ? 'stopping' : 'running';
      run.epoch = ev.epoch;
      run.epochs = ev.epochs;
      run.batch = 0;
      break;
    case 'batch-end': {
      run.epoch = ev.epoch;
      run.batch = ev.batch;
      run.batches = ev.batches;
      run.imagesPerSec = ev.imagesPerSec;
      run.etaSeconds = ev.etaSeconds;
      run.etaUpdatedAt = ev.t;
      run.memoryBytes = ev.memoryBytes;
      run.lr = ev.lr;
      run.lastLoss = ev.loss.total;
      const s = run.series;
      const x = ev.epoch + ev.batch / ev.batches;
      rewind(s, x);
      const n = s.x.length;
      s.x.push(x);
      s.lossTotal.push(ev.loss.total);
      s.lr.push(ev.lr);
      for (const [k, v] of Object.entries(ev.loss.parts)) {
        if (!s.lossParts[k]) s.lossParts[k] = new Array<number | null>(n).fill(null);
        s.lossParts[k]!.push(v);
      }
      for (const [k, arr] of Object.entries(s.lossParts)) if (!(k in ev.loss.parts)) arr.push(null);
      break;
    }
    case 'epoch-end': {
      const s = run.series;
      rewindEpochs(s, ev.epoch + 1);
      s.epochX.push(ev.epoch + 1);
      s.map50.push(ev.metrics?.map50 ?? null);
      s.map50_95.push(ev.metrics?.map50_95 ?? null);
      if (ev.metrics && (ev.best || !run.bestMap)) run.bestMap = { map50: ev.metrics.map50, map50_95: ev.metrics.map50_95, epoch: ev.epoch };
      break;
    }
    case 'recovered':
      run.recoveries.push(ev);
      if (ev.to) run.layout = { ...ev.to };
      break;
    case 'checkpoint-saved':
    case 'warning':
    case 'error':
      run.notable.push(ev);
      break;
    case 'train-end':
      run.state = ev.status;
      run.end = ev;
      break;
    default: {
      const never: never = ev;
      void never;
    }
  }
}

/** Loss columns of metrics.csv and the names the live chart uses for them. */
const CSV_LOSS_PARTS: Record<string, string> = { train_box: 'box', train_cls: 'cls', train_dfl: 'dfl' };

/**
 * Fills a reopened run's loss and LR series from its metrics.csv (one point per epoch, at the
 * epoch's end), and its mAP series when the events gave none. Live runs keep their per-batch
 * series: this only fills series that are empty.
 */
export function applyMetricsCsv(run: RunView, metrics: { columns: Record<string, (number | null)[]> } | null | undefined): void {
  const cols = metrics?.columns;
  const epochs = cols?.['epoch'];
  if (!cols || !epochs || epochs.length === 0) return;
  const s = run.series;
  const xs = epochs.map((e) => (e === null ? null : e + 1));
  const rows = xs.map((x, i) => ({ x, i })).filter((r): r is { x: number; i: number } => r.x !== null);
  if (s.x.length === 0) {
    s.x = rows.map((r) => r.x);
    s.lr = rows.map((r) => cols['lr']?.[r.i] ?? 0);
    s.lossTotal = rows.map((r) => cols['train_total']?.[r.i] ?? 0);
    s.lossParts = {};
    for (const [col, name] of Object.entries(CSV_LOSS_PARTS)) {
      if (cols[col]) s.lossParts[name] = rows.map((r) => cols[col]![r.i] ?? null);
    }
  }
  if (s.epochX.length === 0 && cols['map50']) {
    s.epochX = rows.map((r) => r.x);
    s.map50 = rows.map((r) => cols['map50']![r.i] ?? null);
    s.map50_95 = rows.map((r) => cols['map50_95']?.[r.i] ?? null);
  }
}
