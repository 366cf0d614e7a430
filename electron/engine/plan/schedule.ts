import { reason, type Reason } from '../../shared/reason';
import type { LrSchedule, OptimizerKind } from '../../shared/schemas/plan';
import { FINETUNE_RULES, OPTIMIZER_RULES, SCHEDULE_RULES } from './constants';

/** LR, bias LR and momentum (AdamW: beta1) for one optimizer step. */
export interface LrPoint {
  lr: number;
  biasLr: number;
  momentum: number;
}

/** Which rule set the warmup's length. */
export type WarmupRule = 'epochs' | 'images' | 'cap';

/** The warmup decision with the figures its reason quotes. */
export interface WarmupPlan {
  /** Warmup length in optimizer steps. */
  steps: number;
  rule: WarmupRule;
  /** 3 epochs in optimizer steps. */
  epochSteps: number;
  /** The 1,600-image floor in optimizer steps of the effective batch. */
  imageSteps: number;
  /** The most the run allows: maxWarmupFraction of its steps. */
  capSteps: number;
  /** What warmup would be without the cap. */
  wantedSteps: number;
}

/** Options of planWarmup and buildSchedule. */
export interface ScheduleOptions {
  /** A fine-tune from an earlier run: 1 warmup epoch instead of 3, no raised SGD bias LR. */
  fineTune?: boolean;
}

/**
 * Warmup length in optimizer steps: the larger of 3 epochs (1 for a fine-tune) and 1,600 images
 * (Ultralytics' 100 iterations of batch 16), but never more than 10% of the run, so a short run
 * does not spend most of its steps at a small LR. Counting optimizer steps (not batches) keeps it
 * right under gradient accumulation. From 30 epochs up the cap never bites and this is the
 * seed's rule.
 */
export function planWarmup(stepsPerEpoch: number, totalSteps: number, effectiveBatch: number, opts: ScheduleOptions = {}): WarmupPlan {
  const epochSteps = (opts.fineTune ? FINETUNE_RULES.warmupEpochs : SCHEDULE_RULES.warmupEpochs) * stepsPerEpoch;
  const imageSteps = Math.ceil(SCHEDULE_RULES.warmupMinImages / Math.max(1, effectiveBatch));
  const wantedSteps = Math.max(epochSteps, imageSteps);
  const capSteps = Math.max(1, Math.floor(SCHEDULE_RULES.maxWarmupFraction * totalSteps));
  if (wantedSteps > capSteps) return { steps: Math.min(capSteps, totalSteps), rule: 'cap', epochSteps, imageSteps, capSteps, wantedSteps };
  return { steps: wantedSteps, rule: epochSteps >= imageSteps ? 'epochs' : 'images', epochSteps, imageSteps, capSteps, wantedSteps };
}

/** A warmup the engineer set in epochs, in optimizer steps: rounded to whole steps, at most the whole run. */
export function warmupStepsFor(warmupEpochs: number, stepsPerEpoch: number, totalSteps: number): number {
  return Math.min(totalSteps, Math.max(0, Math.round(warmupEpochs * stepsPerEpoch)));
}

/**
 * The warning on a warmup the engineer set, when it leaves the planner's safe range: none at all
 * (a random network's first updates at the full LR), or more than maxWarmupFraction of the run
 * (what the planner's own rule never allows). Null inside the range. `planned`: the rule's steps.
 */
export function warmupOverrideWarning(warmupSteps: number, totalSteps: number, planned: number): Reason | null {
  if (warmupSteps === 0) return reason('PLAN_WARN_NO_WARMUP', { planned });
  const maxSteps = Math.max(1, Math.floor(SCHEDULE_RULES.maxWarmupFraction * totalSteps));
  if (warmupSteps <= maxSteps) return null;
  const percent = Math.round((warmupSteps / totalSteps) * 100);
  return reason('PLAN_WARN_WARMUP_LONG', { warmupSteps, totalSteps, percent, maxPercent: SCHEDULE_RULES.maxWarmupFraction * 100, planned });
}

/**
 * Builds the schedule for a peak LR and run length (warmup then cosine, per optimizer step).
 * A fine-tune keeps no raised SGD bias LR (warmupBiasLr null: biases warm up with the weights),
 * since the parent's biases are already trained and a 0.1 bias LR would throw them away.
 */
export function buildSchedule(optimizer: OptimizerKind, lr: number, warmupSteps: number, totalSteps: number, opts: ScheduleOptions = {}): LrSchedule {
  const sgd = optimizer === 'sgd';
  return {
    optimizer,
    lr,
    finalFactor: SCHEDULE_RULES.finalFactor,
    warmupStartFactor: SCHEDULE_RULES.warmupStartFactor,
    warmupSteps,
    totalSteps,
    momentum: OPTIMIZER_RULES[optimizer].momentum,
    warmupBiasLr: sgd && !opts.fineTune ? SCHEDULE_RULES.sgdWarmupBiasLr : null,
    warmupMomentum: sgd ? SCHEDULE_RULES.sgdWarmupMomentum : null,
  };
}

/**
 * The LR, bias LR and momentum of optimizer step `step` (0-based; clamped to the run).
 * Step 0 starts at lr x warmupStartFactor; step warmupSteps is the peak; the cosine then
 * reaches lr x finalFactor exactly at the last step (totalSteps - 1). Pure: the trainer
 * calls it at every update and the UI plots it.
 */
export function lrAt(s: LrSchedule, step: number): LrPoint {
  const last = Math.max(0, s.totalSteps - 1);
  const i = Math.min(Math.max(0, Math.floor(step)), last);
  if (i < s.warmupSteps) {
    const t = i / s.warmupSteps;
    const lr = s.lr * (s.warmupStartFactor + (1 - s.warmupStartFactor) * t);
    const biasLr = s.warmupBiasLr === null ? lr : s.warmupBiasLr + (s.lr - s.warmupBiasLr) * t;
    const momentum = s.warmupMomentum === null ? s.momentum : s.warmupMomentum + (s.momentum - s.warmupMomentum) * t;
    return { lr, biasLr, momentum };
  }
  const span = last - s.warmupSteps;
  const progress = span > 0 ? (i - s.warmupSteps) / span : 0;
  const floor = s.lr * s.finalFactor;
  const lr = floor + (s.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  return { lr, biasLr: lr, momentum: s.momentum };
}

/**
 * About `points` evenly spaced samples of the schedule for a chart, always including the first
 * step, the end of warmup (the peak) and the last step, sorted and without duplicates.
 */
export function sampleSchedule(s: LrSchedule, points: number): Array<{ step: number } & LrPoint> {
  const last = Math.max(0, s.totalSteps - 1);
  const n = Math.max(2, Math.floor(points));
  const steps = new Set<number>([0, last]);
  if (s.warmupSteps <= last) steps.add(s.warmupSteps);
  for (let k = 0; k < n; k++) steps.add(Math.round((k * last) / (n - 1)));
  return [...steps].sort((a, b) => a - b).map((step) => ({ step, ...lrAt(s, step) }));
}
