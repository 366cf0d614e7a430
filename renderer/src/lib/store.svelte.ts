import type { Res } from '../../../electron/shared/ipc-contract';
import type { RunSummary } from '../../../electron/shared/schemas/ipc/runs';
import type { TrainTilesMode, UserOverrides } from '../../../electron/shared/schemas/user-choice';
import type { ModelScale } from '../../../electron/shared/schemas/model';
import type { StartMode } from '../../../electron/shared/schemas/train-config';
import { ApiError } from './api';
import type { RunView } from './run-view';
import type { FineTune } from './improve';

export { applyEvent, newRunView, type LiveSeries, type RunView } from './run-view';

/** The wizard's steps, in order. */
export const STEPS = ['machine', 'dataset', 'plan', 'train', 'results'] as const;
export type StepId = (typeof STEPS)[number];

/** An error as the UI shows it. */
export interface UiError {
  code: string;
  message: string;
  /** The figures of a coded error, so ErrorBox can say it in the UI's language. */
  params?: Record<string, string | number | boolean>;
}

/** Turns anything thrown by a call into a UiError. */
export function toUiError(err: unknown): UiError {
  if (err instanceof ApiError) return { code: err.code, message: err.message, ...(err.params ? { params: err.params } : {}) };
  return { code: 'APP_INTERNAL', message: err instanceof Error ? err.message : String(err) };
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
  /** Sample images of the checked dataset (kept while the wizard moves between steps). */
  samples: null as Res<'dataset:samples'> | null,
  model: { scale: 'n' as ModelScale, imgsz: 320 },
  epochs: 30,
  overrides: {} as UserOverrides,
  /** Training on tiles (the Advanced panel's Tiles choice): sent with plan:create and train:start alike. */
  tiles: 'auto' as TrainTilesMode,
  /** A new run's starting weights (the Advanced panel's Starting weights choice): sent with plan:create and train:start alike; not for a fine-tune. */
  start: 'auto' as StartMode,
  plan: null as Res<'plan:create'> | null,
  /** The dataset the model choice and overrides were made for: another one resets them to Kestrel's recommendation. */
  planDataset: null as string | null,
  /** The hand-set overrides were dropped because the dataset changed (the Plan step says so). */
  overridesReset: false,
  /** The engineer's choices for a dataset without boxes or validation images (Plan step). */
  planChoices: { noBoxes: false, noVal: false },
  planError: null as UiError | null,
  planning: false,
  run: null as RunView | null,
  resultsRunId: null as string | null,
  /** A run that was cut short while the app was closed (crash, power cut): offered for resume on start. */
  interrupted: null as RunSummary | null,
  /**
   * The fine-tune being set up from a finished run ("Continue training" and the like): the Plan
   * step plans and starts it `from` that run (lib/improve.ts fromOf); cleared once a run starts.
   */
  fineTune: null as FineTune | null,
});

