/**
 * Keeping a model improving: the decisions behind "Continue training", "Continue N more
 * epochs", "Train again with more images" and "Fine-tune with these changes" on a finished run,
 * and the model's boxes as a draft for the label editor. Plain TypeScript (no runes, no DOM),
 * unit-tested in test/renderer/improve.test.ts; lib/improve-flow.ts acts on them.
 */
import type { RunSummary } from '../../../electron/shared/schemas/ipc/runs';
import type { TriedImage } from '../../../electron/shared/schemas/ipc/predict';
import type { EditBox } from '../../../electron/shared/schemas/labels';
import type { ModelScale } from '../../../electron/shared/schemas/model';
import type { TrainTilesMode } from '../../../electron/shared/schemas/user-choice';
import { LIMITS } from '../../../electron/shared/schemas/ipc/limits';

/**
 * Why a fine-tune was started: the same run again (continue), more epochs after a weak result,
 * more images in a dataset folder, or labels corrected / images added from Results and Try it.
 */
export type FineTuneKind = 'continue' | 'more-epochs' | 'more-images' | 'corrections';

/** The fine-tune the wizard is setting up: the Plan step plans it and train:start starts it from `parentRun`. */
export interface FineTune {
  parentRun: string;
  /** The parent's title, when the engineer named it (for the banner). */
  parentTitle: string | null;
  kind: FineTuneKind;
  /** The parent's network: a fine-tune keeps its scale (another scale cannot take its weights). */
  model: { scale: ModelScale; imgsz: number };
  /** The parent's tiling choice (its config's `tiles`; 'auto' when it records none): the fine-tune starts with it. */
  tiles: TrainTilesMode;
}

/** Below this mAP50 a result is weak: "Continue N more epochs" is offered first. */
export const WEAK_MAP50 = 0.5;
/** Fewest and most epochs "Continue N more epochs" suggests. */
export const MORE_EPOCHS_MIN = 10;
export const MORE_EPOCHS_MAX = 100;
/** Epochs of "Continue training" when the parent's are unknown (the app's default run length). */
export const CONTINUE_EPOCHS_FALLBACK = 30;

const SCALES: readonly string[] = ['n', 's', 'm'];

/** A run whose model can be fine-tuned: it ended with weights (finished, stopped early or stopped by the engineer). */
export function canImprove(run: Pick<RunSummary, 'status' | 'epochsDone' | 'model'>): boolean {
  const ended = run.status === 'completed' || run.status === 'early-stopped' || run.status === 'stopped';
  return ended && run.epochsDone > 0 && run.model !== null && SCALES.includes(run.model.scale);
}

/** Whether a result is weak enough that more epochs are the first thing to try (unknown: no). */
export function isWeak(map50: number | null | undefined): boolean {
  return map50 !== null && map50 !== undefined && Number.isFinite(map50) && map50 < WEAK_MAP50;
}

/** Epochs within the limits every channel checks (LIMITS.epochs), whole. */
export function clampEpochs(n: number): number {
  if (!Number.isFinite(n)) return LIMITS.epochs.min;
  return Math.min(LIMITS.epochs.max, Math.max(LIMITS.epochs.min, Math.round(n)));
}

/**
 * "Continue N more epochs": as many again as the run had, rounded up to a multiple of 5, at
 * least MORE_EPOCHS_MIN (a few epochs of fine-tuning barely move a weak model) and at most
 * MORE_EPOCHS_MAX (the engineer can type more).
 */
export function moreEpochsDefault(epochsDone: number): number {
  const again = Math.ceil(Math.max(0, epochsDone) / 5) * 5;
  return Math.min(MORE_EPOCHS_MAX, Math.max(MORE_EPOCHS_MIN, again));
}

/** "Continue training": the parent's own length again (what the engineer chose for this data). */
export function continueEpochs(run: Pick<RunSummary, 'epochsPlanned'>): number {
  return clampEpochs(run.epochsPlanned ?? CONTINUE_EPOCHS_FALLBACK);
}

/** The fine-tune as the parent's network choice, or null when the run cannot be fine-tuned. */
export function fineTuneOf(run: Pick<RunSummary, 'id' | 'title' | 'status' | 'epochsDone' | 'model' | 'tiles'>, kind: FineTuneKind): FineTune | null {
  if (!canImprove(run) || !run.model) return null;
  return { parentRun: run.id, parentTitle: run.title ? run.title : null, kind, model: { scale: run.model.scale as ModelScale, imgsz: run.model.imgsz }, tiles: run.tiles ?? 'auto' };
}

/** The `from` field of plan:create and train:start: the parent run while a fine-tune is set up. */
export function fromOf(ft: FineTune | null): { from?: string } {
  return ft ? { from: ft.parentRun } : {};
}

/** Where the wizard goes to set a fine-tune up: more images are checked on the Dataset step first; the rest plan at once. */
export function firstStepOf(kind: FineTuneKind): 'dataset' | 'plan' {
  return kind === 'more-images' ? 'dataset' : 'plan';
}

/**
 * The model's boxes of a Try-it image as a draft for the label editor: from thumbnail pixels
 * back to image pixels, without scores, as new boxes (no key: nothing in a label file yet).
 */
export function draftBoxes(im: Pick<TriedImage, 'detections' | 'width' | 'height' | 'thumbWidth'>): EditBox[] {
  const k = im.thumbWidth > 0 ? im.width / im.thumbWidth : 1;
  const clampX = (v: number) => Math.min(im.width, Math.max(0, v * k));
  const clampY = (v: number) => Math.min(im.height, Math.max(0, v * k));
  return im.detections
    .map((d) => ({ x1: clampX(d.x1), y1: clampY(d.y1), x2: clampX(d.x2), y2: clampY(d.y2), cls: d.cls, key: null }))
    .filter((b) => b.x2 > b.x1 && b.y2 > b.y1);
}
