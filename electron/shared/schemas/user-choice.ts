/**
 * What the engineer chooses for a run: the network (scale, input size) and the overrides of the
 * plan. Used by the IPC payloads (plan:create, train:start), the CLI and the run's config
 * (./train-config.ts), so they sit below all of them.
 */
import { z } from 'zod';
import { limitNumber, MAX_EFFECTIVE_BATCH } from './ipc/limits';
import { ModelScaleSchema } from './model';

/**
 * The user's overrides (UserOverrides): what the engineer may set in the Advanced panel or on
 * the CLI, within the one table of limits (./ipc/limits.ts); the product batch x accumulation is
 * bounded too. It is the checked subset of the planner's input (PlanOverrides in ./plan.ts,
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
    /** Warmup length in epochs (0: none); the planner warns outside its safe range. */
    warmupEpochs: limitNumber('warmupEpochs'),
    /** Weight decay as the optimizer applies it (not scaled by the batch); the planner warns outside its safe range. */
    weightDecay: limitNumber('weightDecay'),
  })
  .partial()
  .strict()
  .refine((o) => (o.batch ?? 1) * (o.accumulation ?? 1) <= MAX_EFFECTIVE_BATCH, {
    message: `batch x accumulation must be at most ${MAX_EFFECTIVE_BATCH}`,
    path: ['accumulation'],
  });
export type UserOverrides = z.infer<typeof UserOverridesSchema>;

/**
 * Training on tiles of large images (TrainTilesMode): 'auto' (the planner decides from the
 * training boxes' sizes against the images' size), 'off' (whole images), or a tile side in
 * source pixels. One schema for the run's config (TrainConfig `tiles`), the CLI's `--tiles`
 * and the app's plan:create and train:start, so the Plan step plans what the trainer runs.
 */
export const TrainTilesModeSchema = z.union([z.enum(['auto', 'off']), limitNumber('tileSize')]);
export type TrainTilesMode = z.infer<typeof TrainTilesModeSchema>;

/** Which network to train: scale and input size (a multiple of 32). */
export const ModelChoiceSchema = z.object({
  scale: ModelScaleSchema,
  imgsz: limitNumber('imgsz'),
});
export type ModelChoice = z.infer<typeof ModelChoiceSchema>;
