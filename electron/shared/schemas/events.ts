// The training events' schemas, and the batch layout's.
import { z } from 'zod';
import { ReasonSchema } from './reason';
import { EndedRunStateSchema } from './run-state';

/**
 * Training events: what a training run tells its watchers (the app's live charts, the CLI's
 * progress bar, events.jsonl). Plain numbers only, never tensors, so every event can cross a
 * process boundary as JSON. The worker coalesces `batch-end` to a few per second; every other
 * event always passes.
 */

/** Loss of one (micro-)batch: the total plus each named part (for the YOLO loss: box, cls, dfl). */
export const LossSchema = z.object({
  total: z.number(),
  parts: z.record(z.string(), z.number()),
});
export type Loss = z.infer<typeof LossSchema>;

/** Validation metrics of one epoch; precision/recall at the F1-best confidence. */
export const EpochMetricsSchema = z.object({
  map50: z.number(),
  map50_95: z.number(),
  precision: z.number().optional(),
  recall: z.number().optional(),
  /** 0.1 x mAP50 + 0.9 x mAP50-95: what "best" is chosen by. */
  fitness: z.number().optional(),
});
export type EpochMetrics = z.infer<typeof EpochMetricsSchema>;

/**
 * The batch layout: images per device per micro-batch, and micro-batches summed per optimizer
 * update. The one name for it everywhere (plan, checkpoint, config, OOM recovery).
 */
export const BatchLayoutSchema = z.object({
  perDeviceBatch: z.number().int().positive(),
  accumulation: z.number().int().positive(),
});
export type BatchLayout = z.infer<typeof BatchLayoutSchema>;

const at = { t: z.number().describe('milliseconds since the Unix epoch') };

/** The plan the run follows (the planner's TrainingPlan, kept opaque here so events stay light). */
export const PlanEventSchema = z.object({ type: z.literal('plan'), ...at, plan: z.record(z.string(), z.unknown()) });

/** The run is set up and starts (or resumes) optimizing. */
export const TrainStartEventSchema = z.object({
  type: z.literal('train-start'),
  ...at,
  runDir: z.string(),
  epochs: z.number().int().positive(),
  /** Epoch the run starts at (0-based; above 0 when resumed). */
  startEpoch: z.number().int().nonnegative(),
  batchesPerEpoch: z.number().int().positive(),
  /** Optimizer steps over the whole run (the LR schedule's length). */
  totalSteps: z.number().int().positive(),
  trainImages: z.number().int().nonnegative(),
  valImages: z.number().int().nonnegative(),
  backend: z.string(),
  device: z.string(),
  resumed: z.boolean(),
});

/** An epoch begins (0-based epoch index). */
export const EpochStartEventSchema = z.object({
  type: z.literal('epoch-start'),
  ...at,
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().positive(),
});

/** Progress within an epoch (coalesced: a few per second at most). */
export const BatchEndEventSchema = z.object({
  type: z.literal('batch-end'),
  ...at,
  epoch: z.number().int().nonnegative(),
  /** Micro-batches done in this epoch, 1-based. */
  batch: z.number().int().positive(),
  batches: z.number().int().positive(),
  /** Optimizer steps done since the run began. */
  step: z.number().int().nonnegative(),
  loss: LossSchema,
  lr: z.number(),
  imagesPerSec: z.number().nonnegative(),
  /** Peak bytes the backend holds (null where it cannot tell). */
  memoryBytes: z.number().nonnegative().nullable(),
  /** Seconds left in the whole run at the current pace (null until measurable). */
  etaSeconds: z.number().nonnegative().nullable(),
});

/** An epoch ended: mean training loss and, when validation ran, its metrics. */
export const EpochEndEventSchema = z.object({
  type: z.literal('epoch-end'),
  ...at,
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().positive(),
  trainLoss: LossSchema,
  valLoss: LossSchema.nullable().optional(),
  metrics: EpochMetricsSchema.nullable(),
  /** True when this epoch's model is the best so far (saved as weights/best). */
  best: z.boolean(),
  lr: z.number(),
  durationMs: z.number().nonnegative(),
});

/** A checkpoint reached the disk (written atomically). */
export const CheckpointSavedEventSchema = z.object({
  type: z.literal('checkpoint-saved'),
  ...at,
  epoch: z.number().int().nonnegative(),
  kind: z.enum(['last', 'best']),
  path: z.string(),
});

/** Something the engineer should know; training goes on. */
export const WarningEventSchema = z.object({ type: z.literal('warning'), ...at, reason: ReasonSchema });

/** Kestrel hit a fault and recovered from it (what happened and what it did, in `reason`). */
export const RecoveredEventSchema = z.object({
  type: z.literal('recovered'),
  ...at,
  kind: z.enum(['oom', 'nan', 'crash', 'other']),
  /**
   * For a memory restart, on what grounds the death was taken for a memory one: the runtime
   * said so, the process was killed without a word (assumed: the OS out-of-memory killer), or
   * its last error was OUT_OF_MEMORY.
   */
  basis: z.enum(['reported', 'killed-assumed-oom', 'oom-error']).optional(),
  reason: ReasonSchema,
  from: BatchLayoutSchema.optional(),
  to: BatchLayoutSchema.optional(),
  /** Epoch the run continues from. */
  resumeEpoch: z.number().int().nonnegative().optional(),
});

/** The run ended normally: completed, stopped by the user, or stopped early for lack of progress. */
export const TrainEndEventSchema = z.object({
  type: z.literal('train-end'),
  ...at,
  status: EndedRunStateSchema,
  epochsRun: z.number().int().nonnegative(),
  best: z
    .object({ epoch: z.number().int().nonnegative(), map50: z.number(), map50_95: z.number() })
    .nullable(),
  runDir: z.string(),
  durationMs: z.number().nonnegative(),
});

/** The run failed; `error` carries a stable code and what to do. */
export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  ...at,
  error: z.object({ code: z.string(), message: z.string() }),
  /** True when a checkpoint exists the run can resume from. */
  resumable: z.boolean().optional(),
});

/** Every event a training run emits, discriminated by `type`. */
export const TrainingEventSchema = z.discriminatedUnion('type', [
  PlanEventSchema,
  TrainStartEventSchema,
  EpochStartEventSchema,
  BatchEndEventSchema,
  EpochEndEventSchema,
  CheckpointSavedEventSchema,
  WarningEventSchema,
  RecoveredEventSchema,
  TrainEndEventSchema,
  ErrorEventSchema,
]);
export type TrainingEvent = z.infer<typeof TrainingEventSchema>;
/** The `type` tags of TrainingEvent. */
export type TrainingEventType = TrainingEvent['type'];

/** Exhaustiveness check for `switch` over a discriminated union: a new event type fails to compile. */
export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`);
}
