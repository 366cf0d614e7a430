import { z } from 'zod';
import { BatchLayoutSchema, TrainingEventSchema } from '../events';
import { ModelScaleSchema } from '../model';
import { limitNumber, MAX_EFFECTIVE_BATCH } from './limits';

/**
 * The user's overrides (UserOverrides): what the engineer may set in the Advanced panel or on
 * the CLI, within the one table of limits (./limits.ts); the product batch x accumulation is
 * bounded too. It is the checked subset of the planner's input (PlanOverrides in ../plan.ts,
 * which also takes devices, norm, device and regularisation from tests and the CLI's plan
 * command): two schemas, two names.
 */
export const UserOverridesSchema = z
  .object({
    batch: limitNumber('batch'),
    accumulation: limitNumber('accumulation'),
    lr: limitNumber('lr'),
    effectiveBatch: limitNumber('effectiveBatch'),
    optimizer: z.enum(['sgd', 'adamw']),
    epochs: limitNumber('epochs'),
    memoryFraction: limitNumber('memoryFraction'),
  })
  .partial()
  .strict()
  .refine((o) => (o.batch ?? 1) * (o.accumulation ?? 1) <= MAX_EFFECTIVE_BATCH, {
    message: `batch x accumulation must be at most ${MAX_EFFECTIVE_BATCH}`,
    path: ['accumulation'],
  });
export type UserOverrides = z.infer<typeof UserOverridesSchema>;

/** Which network to train: scale and input size (a multiple of 32). */
export const ModelChoiceSchema = z.object({
  scale: ModelScaleSchema,
  imgsz: limitNumber('imgsz'),
});
export type ModelChoice = z.infer<typeof ModelChoiceSchema>;

/**
 * What the app hands the training process (electron/worker/trainer-entry.ts): everything
 * needed to start or resume one run. Passed as JSON in a file named by `--job <path>`.
 */
export const TrainJobSchema = z.object({
  runDir: z.string().min(1),
  datasetPath: z.string().min(1),
  model: ModelChoiceSchema,
  epochs: z.number().int().positive(),
  overrides: UserOverridesSchema,
  /** Continue from the run's last checkpoint instead of starting fresh. */
  resume: z.boolean(),
  /** Fine-tune from this earlier run's folder (its weights are the starting point). */
  from: z.string().min(1).optional(),
  /**
   * Micro-batch layout to run instead of the plan's or the checkpoint's: set by the supervisor
   * after the training process died out of memory (half the batch, twice the accumulation).
   */
  layout: BatchLayoutSchema.optional(),
});
export type TrainJob = z.infer<typeof TrainJobSchema>;

/** Parent -> training process. `stop` saves a checkpoint and exits cleanly. */
export const ToWorkerSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('stop') })]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** Training process -> parent: each training event as it happens, then `done` before a clean exit. */
export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: TrainingEventSchema }),
  z.object({ type: z.literal('done'), ok: z.boolean() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
