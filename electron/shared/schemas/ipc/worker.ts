import { z } from 'zod';
import { TrainingEventSchema } from '../events';
import { TrainConfigSchema } from '../train-config';

/**
 * What the app hands the training process (electron/worker/trainer-entry.ts): the part of the
 * run's config (../train-config.ts) the app sets, everything needed to start or resume one run.
 * A TrainJob is a TrainConfig (the rest takes its defaults).
 */
export const TrainJobSchema = TrainConfigSchema.pick({
  runDir: true,
  datasetPath: true,
  model: true,
  epochs: true,
  overrides: true,
  tiles: true,
  start: true,
  resume: true,
  from: true,
  layout: true,
  accepted: true,
});
export type TrainJob = z.infer<typeof TrainJobSchema>;
/** A TrainJob as the app writes it (defaults not yet applied: `tiles` and `start` absent are 'auto'). */
export type TrainJobInput = z.input<typeof TrainJobSchema>;

/** Parent -> training process. `stop` saves a checkpoint and exits cleanly. */
export const ToWorkerSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('stop') })]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** Training process -> parent: each training event as it happens, then `done` before a clean exit. */
export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: TrainingEventSchema }),
  z.object({ type: z.literal('done'), ok: z.boolean() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
