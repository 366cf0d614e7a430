/**
 * The Plan step's decisions in plain TypeScript (unit-tested in test/renderer/plan-view.test.ts):
 * how long the run takes on this PC, the one-click fix of each planner warning, and what
 * must be chosen before a dataset without boxes or validation images can train.
 */
import type { TrainingPlan } from '../../../electron/shared/schemas/plan';
import type { TrainTilesMode, UserOverrides } from '../../../electron/shared/schemas/user-choice';
import { LIMITS } from '../../../electron/shared/schemas/ipc/limits';
import type { PlanSpeed, PretrainedShipped } from '../../../electron/shared/schemas/ipc/plan';
import type { Reason } from '../../../electron/shared/reason';
import type { AcceptedPlan, StartMode } from '../../../electron/shared/schemas/train-config';
import type { MessageKey } from '../messages/en';

/** Validation runs forward passes only: about a third of a training step per image. */
const VAL_COST = 1 / 3;
/** Most epochs a fix proposes (a fix never asks for a week-long run). */
export const MAX_FIX_EPOCHS = 100;
/** The warmup is capped at this share of the run (engine/plan: a short run shortens it). */
const WARMUP_SHARE = 0.1;

/** Seconds the whole run takes at `speed`: every epoch trains on the train images and checks the val images. */
export function trainingSeconds(plan: Pick<TrainingPlan, 'epochs' | 'trainImages'>, valImages: number, speed: Pick<PlanSpeed, 'imagesPerSec'>): number {
  const ips = Math.max(1e-6, speed.imagesPerSec);
  return plan.epochs * (plan.trainImages / ips + (valImages * VAL_COST) / ips);
}

/** A duration rounded the way people say it: minutes under 10 min, 5 min steps under 2 h, then 10 min steps. */
export function roughDuration(seconds: number): { hours: number; minutes: number } {
  const min = Math.max(1, seconds / 60);
  const step = min < 10 ? 1 : min < 120 ? 5 : 10;
  const total = Math.max(1, Math.round(min / step) * step);
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/** The clock time a run that has `etaSeconds` left ends at (milliseconds since the epoch). */
export function finishAt(nowMs: number, etaSeconds: number): number {
  return nowMs + Math.max(0, etaSeconds) * 1000;
}

/** A fix's own button text (a message key and its figures), where the generic one would say too little. */
export interface FixLabel {
  key: MessageKey;
  params: Record<string, string | number>;
}

/** What a "Fix it" button does. */
export type PlanFix =
  | { kind: 'epochs'; epochs: number }
  | { kind: 'override'; set: UserOverrides; clear: (keyof UserOverrides)[]; label?: FixLabel }
  | { kind: 'model'; imgsz: number }
  | { kind: 'tiles'; tiles: TrainTilesMode };

/** What a fix needs to know besides the warning. */
export interface FixContext {
  plan: Pick<TrainingPlan, 'epochs' | 'stepsPerEpoch' | 'memory'>;
  overrides: UserOverrides;
  imgsz: number;
  /** Input sizes the Plan step offers, ascending. */
  sizes: readonly number[];
  recommendedImgsz: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Clears the overrides among `keys` that are set; null when none is (nothing to undo). */
function clearIfSet(overrides: UserOverrides, keys: (keyof UserOverrides)[]): PlanFix | null {
  const set = keys.filter((k) => overrides[k] !== undefined);
  return set.length ? { kind: 'override', set: {}, clear: set } : null;
}

/** Clears one hand-set override back to the planner's value, saying which value that is; null when it is not set. */
function usePlanned(overrides: UserOverrides, key: keyof UserOverrides, label: FixLabel): PlanFix | null {
  return overrides[key] === undefined ? null : { kind: 'override', set: {}, clear: [key], label };
}

/**
 * The one-click fix of a planner warning, or null when there is none to apply here:
 * - a short run: enough epochs that the warmup is no longer cut (capped at MAX_FIX_EPOCHS);
 * - a batch over the memory budget: the largest batch that fits;
 * - an LR, batch or accumulation the engineer set by hand that the planner warns about:
 *   back to the planner's own value;
 * - a warmup set by hand that is none at all or too long: the planner's warmup (its steps);
 * - a weight decay set by hand outside the safe range: the planner's weight decay;
 * - a batch of one: the next smaller input size (or the recommended one);
 * - tiles turned off where the small boxes need them: automatic tiles.
 */
export function fixFor(w: Reason, ctx: FixContext): PlanFix | null {
  const p = w.params;
  switch (w.code) {
    case 'PLAN_WARN_SHORT_RUN': {
      const wanted = num(p['wantedSteps']);
      if (wanted === null || ctx.plan.stepsPerEpoch <= 0) return null;
      const epochs = Math.min(MAX_FIX_EPOCHS, Math.ceil(wanted / WARMUP_SHARE / ctx.plan.stepsPerEpoch));
      return epochs > ctx.plan.epochs ? { kind: 'epochs', epochs } : null;
    }
    case 'PLAN_WARN_OVER_BUDGET': {
      const maxBatch = num(p['maxBatch']) ?? ctx.plan.memory.maxBatch;
      if (maxBatch >= 1) return { kind: 'override', set: { batch: maxBatch }, clear: [] };
      return null;
    }
    case 'PLAN_WARN_LR_HIGH':
    case 'PLAN_WARN_LR_UNSAFE':
    case 'PLAN_WARN_FINETUNE_LR_UNSAFE':
    case 'PLAN_WARN_LR_ABOVE_LINEAR':
      return clearIfSet(ctx.overrides, ['lr']);
    case 'PLAN_WARN_SMALL_BATCH_BN':
      return clearIfSet(ctx.overrides, ['batch']);
    case 'PLAN_WARN_SMALL_E':
    case 'PLAN_WARN_LARGE_E_NO_REG':
    case 'PLAN_WARN_EFFECTIVE_BATCH_INEXACT':
    case 'PLAN_WARN_WEIGHT_DECAY_UNSAFE':
      return clearIfSet(ctx.overrides, ['batch', 'accumulation', 'effectiveBatch']);
    case 'PLAN_WARN_NO_WARMUP':
    case 'PLAN_WARN_WARMUP_LONG': {
      const planned = num(p['planned']);
      return usePlanned(ctx.overrides, 'warmupEpochs', planned === null ? { key: 'plan.fix.warmupPlanned', params: {} } : { key: 'plan.fix.warmupSteps', params: { steps: planned } });
    }
    case 'PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE': {
      const planned = num(p['planned']);
      return usePlanned(ctx.overrides, 'weightDecay', planned === null ? { key: 'plan.fix.weightDecayPlanned', params: {} } : { key: 'plan.fix.weightDecay', params: { weightDecay: planned } });
    }
    case 'PLAN_WARN_TILES_OFF':
      return { kind: 'tiles', tiles: 'auto' };
    case 'PLAN_WARN_BATCH_ONE': {
      const cleared = clearIfSet(ctx.overrides, ['batch']);
      if (cleared) return cleared;
      if (ctx.recommendedImgsz !== null && ctx.recommendedImgsz < ctx.imgsz) return { kind: 'model', imgsz: ctx.recommendedImgsz };
      const smaller = ctx.sizes.filter((s) => s < ctx.imgsz).pop();
      return smaller === undefined ? null : { kind: 'model', imgsz: smaller };
    }
    default:
      return null;
  }
}

/** The text of a fix's button: its message key and figures (PlanStep passes them to `t`). */
export function fixLabelOf(fix: PlanFix): FixLabel {
  if (fix.kind === 'epochs') return { key: 'plan.fix.epochs', params: { epochs: fix.epochs } };
  if (fix.kind === 'model') return { key: 'plan.fix.imgsz', params: { imgsz: fix.imgsz } };
  if (fix.kind === 'tiles') return { key: 'plan.fix.tilesAuto', params: {} };
  if (fix.label) return fix.label;
  if (fix.set.batch !== undefined) return { key: 'plan.fix.batch', params: { batch: fix.set.batch } };
  return { key: 'plan.fix.clear', params: {} };
}

/** Applies a fix to the overrides (a new object; the input is left alone). */
export function applyOverrideFix(overrides: UserOverrides, fix: Extract<PlanFix, { kind: 'override' }>): UserOverrides {
  const next: UserOverrides = { ...overrides, ...fix.set };
  for (const k of fix.clear) delete next[k];
  return next;
}

/** What a dataset lacks for a meaningful run: boxes to learn from, images to check the model on. */
export type PlanBlocker = 'noBoxes' | 'noVal';

/**
 * The blockers of a dataset. Without boxes the model learns nothing (it must be labelled, or
 * the engineer says it is on purpose); without validation images Kestrel sets aside a share
 * of the training images, which the engineer must accept knowingly.
 */
export function blockersOf(summary: { trainImages: number; valImages: number; boxesPerImage: number }): PlanBlocker[] {
  const out: PlanBlocker[] = [];
  if (!(summary.boxesPerImage > 0)) out.push('noBoxes');
  if (summary.valImages === 0) out.push('noVal');
  return out;
}

/** True when the overrides hold anything. */
export function hasOverrides(o: UserOverrides): boolean {
  return Object.values(o).some((v) => v !== undefined);
}

/**
 * The key figures of the plan the engineer starts from the Plan step (train:start's `accepted`):
 * the training process warns, with the reason, where its own plan comes out different.
 */
export function acceptedOf(plan: TrainingPlan): AcceptedPlan {
  return { perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation, lr: plan.lr, warmupSteps: plan.warmupSteps, epochs: plan.epochs };
}

/** The Tiles select of the Advanced panel: automatic, off, or a tile size typed beside it. */
export type TilesKind = 'auto' | 'off' | 'size';

/** The select's value for a tiling choice. */
export function tilesKindOf(mode: TrainTilesMode): TilesKind {
  return typeof mode === 'number' ? 'size' : mode;
}

/**
 * Tile sizes the Plan step accepts are multiples of this, like its input sizes: the numbers
 * an engineer compares with the input size (the schema, shared with `--tiles`, takes any
 * whole size in LIMITS.tileSize).
 */
export const TILE_SIZE_STEP = 32;

/** A typed tile size: the size, or why it is refused (a message key with its figures). */
export type TileSizeCheck = { ok: true; size: number } | { ok: false; error: FixLabel };

/** Checks the tile size field: a whole number of pixels, within LIMITS.tileSize, a multiple of TILE_SIZE_STEP. */
export function checkTileSize(raw: string, example: number): TileSizeCheck {
  const text = raw.trim();
  const { min, max } = LIMITS.tileSize;
  if (!/^\d+$/.test(text)) return { ok: false, error: { key: 'plan.tiles.errorNumber', params: { example } } };
  const n = Number(text);
  if (n < min || n > max) return { ok: false, error: { key: 'plan.tiles.errorRange', params: { min, max } } };
  if (n % TILE_SIZE_STEP !== 0) {
    const lower = Math.max(min, Math.floor(n / TILE_SIZE_STEP) * TILE_SIZE_STEP);
    const upper = Math.min(max, Math.ceil(n / TILE_SIZE_STEP) * TILE_SIZE_STEP);
    return { ok: false, error: { key: 'plan.tiles.errorStep', params: { step: TILE_SIZE_STEP, lower, upper } } };
  }
  return { ok: true, size: n };
}

/**
 * The size "Tile size…" starts at: the plan's tile size when it is one the field accepts
 * (automatic tiles at the input size), else the input size (a multiple of 32 as well).
 */
export function defaultTileSize(planned: { size: number } | null, imgsz: number): number {
  if (planned && checkTileSize(String(planned.size), imgsz).ok) return planned.size;
  return imgsz;
}

/** The plan's sentence on its tiling decision (the first PLAN_TILES_* reason), or null in a plan without one. */
export function tilingReasonOf(plan: Pick<TrainingPlan, 'reasons'>): Reason | null {
  return plan.reasons.find((r) => r.code.startsWith('PLAN_TILES_') && r.code !== 'PLAN_TILES_SAMPLES') ?? null;
}

/** The plan's Starting weights row: a fine-tune's parent run, Kestrel's pretrained weights, or random ones. */
export function startLabelOf(plan: Pick<TrainingPlan, 'parentRun' | 'pretrained'>): FixLabel {
  if (plan.parentRun !== undefined) return { key: 'plan.startParent', params: { run: plan.parentRun } };
  if (plan.pretrained !== undefined) return { key: 'plan.startPretrained', params: { name: plan.pretrained } };
  return { key: 'plan.startScratch', params: {} };
}

/**
 * The Starting weights select's options: Automatic, Kestrel's pretrained weights (disabled, and
 * saying so, where none ship for the scale: plan:create's `pretrainedShipped`), random weights.
 */
export function startOptionsOf(shipped: PretrainedShipped | null | undefined, scale: string): { value: StartMode; label: FixLabel; disabled: boolean }[] {
  const none = !shipped;
  return [
    { value: 'auto', label: { key: 'plan.override.start.auto', params: {} }, disabled: false },
    { value: 'pretrained', label: none ? { key: 'plan.override.start.pretrainedNone', params: { scale } } : { key: 'plan.override.start.pretrained', params: {} }, disabled: none },
    { value: 'scratch', label: { key: 'plan.override.start.scratch', params: {} }, disabled: false },
  ];
}
