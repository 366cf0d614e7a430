import { z } from 'zod';
import { BatchLayoutSchema, TrainingEventSchema } from '../events';
import { ModelScaleSchema } from '../model';

/** Plan overrides the engineer may set in the Advanced panel or on the CLI. */
export const PlanOverridesSchema = z
  .object({
    batch: z.number().int().positive().max(4096),
    accumulation: z.number().int().positive().max(1024),
    lr: z.number().positive().max(10),
    effectiveBatch: z.number().int().positive().max(65536),
    optimizer: z.enum(['sgd', 'adamw']),
    epochs: z.number().int().positive().max(10000),
    memoryFraction: z.number().gt(0).max(1),
  })
  .partial()
  .strict();
export type PlanOverrides = z.infer<typeof PlanOverridesSchema>;

/** Which network to train: scale and input size (a multiple of 32). */
export const ModelChoiceSchema = z.object({
  scale: ModelScaleSchema,
  imgsz: z.number().int().min(64).max(1280).multipleOf(32),
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
  overrides: PlanOverridesSchema,
  /** Continue from the run's last checkpoint instead of starting fresh. */
  resume: z.boolean(),
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
