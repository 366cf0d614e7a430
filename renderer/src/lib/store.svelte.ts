import type { EventPayload, Res } from '../../../electron/shared/ipc-contract';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import type { PlanOverrides } from '../../../electron/shared/schemas/ipc/worker';
import type { ModelScale } from '../../../electron/shared/schemas/model';
import { ApiError } from './api';

/** The wizard's steps, in order. */
export const STEPS = ['machine', 'dataset', 'plan', 'train', 'results'] as const;
export type StepId = (typeof STEPS)[number];

/** An error as the UI shows it. */
export interface UiError {
  code: string;
  message: string;
}

/** Turns anything thrown by a call into a UiError. */
export function toUiError(err: unknown): UiError {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  return { code: 'APP_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

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

/** The run the Train step shows. */
export interface RunView {
  runId: string;
  runDir: string;
  state: 'starting' | 'running' | 'stopping' | 'ended' | 'crashed';
  epochs: number;
  epoch: number;
  batch: number;
  batches: number;
  imagesPerSec: number | null;
  etaSeconds: number | null;
  memoryBytes: number | null;
  lr: number | null;
  lastLoss: number | null;
  bestMap: { map50: number; map50_95: number; epoch: number } | null;
  notable: TrainingEvent[];
  series: LiveSeries;
  end: Extract<TrainingEvent, { type: 'train-end' }> | null;
  crash: EventPayload<'evt:run-state'> | null;
}

/** All state of the wizard, shared by the steps. */
export const app = $state({
  view: 'wizard' as 'wizard' | 'runs',
  step: 'machine' as StepId,
  hardware: null as Res<'hardware:probe'> | null,
  hardwareError: null as UiError | null,
  datasetPath: null as string | null,
  report: null as Res<'dataset:check'> | null,
  reportError: null as UiError | null,
  checking: false,
  model: { scale: 'n' as ModelScale, imgsz: 320 },
  epochs: 30,
  overrides: {} as PlanOverrides,
  plan: null as Res<'plan:create'> | null,
  planError: null as UiError | null,
  planning: false,
  run: null as RunView | null,
  resultsRunId: null as string | null,
});

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
    memoryBytes: null,
    lr: null,
    lastLoss: null,
    bestMap: null,
    notable: [],
    series: emptySeries(),
    end: null,
    crash: null,
  };
}

/**
 * Folds one training event into the run view. Pure bookkeeping: the charts read the series,
 * the header the latest figures, the event list the notable events.
 */
export function applyEvent(run: RunView, ev: TrainingEvent): void {
  switch (ev.type) {
    case 'plan':
      break;
    case 'train-start':
      run.state = 'running';
      run.epochs = ev.epochs;
      run.epoch = ev.startEpoch;
      run.batches = ev.batchesPerEpoch;
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
      run.memoryBytes = ev.memoryBytes;
      run.lr = ev.lr;
      run.lastLoss = ev.loss.total;
      const s = run.series;
      const n = s.x.length;
      s.x.push(ev.epoch + ev.batch / ev.batches);
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
      s.epochX.push(ev.epoch + 1);
      s.map50.push(ev.metrics?.map50 ?? null);
      s.map50_95.push(ev.metrics?.map50_95 ?? null);
      if (ev.metrics && (ev.best || !run.bestMap)) run.bestMap = { map50: ev.metrics.map50, map50_95: ev.metrics.map50_95, epoch: ev.epoch };
      break;
    }
    case 'checkpoint-saved':
    case 'warning':
    case 'recovered':
    case 'error':
      run.notable.push(ev);
      break;
    case 'train-end':
      run.state = 'ended';
      run.end = ev;
      break;
    default: {
      const never: never = ev;
      void never;
    }
  }
}
