import { z } from 'zod';
import { ReasonSchema } from '../reason';
import { DatasetSummarySchema } from '../dataset';
import { TrainingPlanSchema } from '../plan';
import { StartModeSchema } from '../train-config';
import { ModelChoiceSchema, TrainTilesModeSchema, UserOverridesSchema } from '../user-choice';
import { DatasetPathSchema } from './dataset';
import { RunIdSchema } from './runs';

/** Request of plan:create: the dataset, the network and any overrides. */
export const PlanRequestSchema = z
  .object({
    datasetPath: DatasetPathSchema,
    model: ModelChoiceSchema,
    overrides: UserOverridesSchema.default({}),
    /** Training on tiles as train:start will ask for it (TrainConfig `tiles`); absent: 'auto'. */
    tiles: TrainTilesModeSchema.optional(),
    /** A new run's starting weights as train:start will ask for them (TrainConfig `start`); absent: 'auto'. Not used with `from`. */
    start: StartModeSchema.optional(),
    /** Plan a fine-tune of this earlier run (its id in the runs folder): the planner's fine-tune rules and reasons. */
    from: RunIdSchema.optional(),
  })
  .strict();
export type PlanRequest = z.input<typeof PlanRequestSchema>;

/** The LR schedule sampled for a chart: parallel arrays of optimizer step and LR. */
export const LrCurveSchema = z.object({ step: z.array(z.number()), lr: z.array(z.number()) });

/**
 * How fast this PC trains the plan, in training images per second: measured by an earlier
 * run with the same backend and scale (fromRun), or a rough estimate before any run.
 */
export const PlanSpeedSchema = z.object({
  imagesPerSec: z.number().positive(),
  source: z.enum(['measured', 'estimate']),
  fromRun: z.string().nullable(),
});
export type PlanSpeed = z.infer<typeof PlanSpeedSchema>;

/** Kestrel's pretrained weights that ship for a scale (engine/model/pretrained.ts): what the Starting weights choice offers. */
export const PretrainedShippedSchema = z.object({ name: z.string(), images: z.number().int().positive() });
export type PretrainedShipped = z.infer<typeof PretrainedShippedSchema>;

/** Response of plan:create. */
export const PlanResponseSchema = z.object({
  plan: TrainingPlanSchema,
  lrCurve: LrCurveSchema,
  summary: DatasetSummarySchema,
  /** Recommended (scale, input size) for this machine and dataset, with why. */
  recommendation: z.object({ scale: z.string(), imgsz: z.number().int(), reasons: z.array(ReasonSchema) }),
  /** The speed the time estimate comes from (absent from older bridges). */
  speed: PlanSpeedSchema.optional(),
  /**
   * The pretrained weights that ship for the planned scale, null when none do (the Starting
   * weights choice cannot offer them); absent for a fine-tune, which starts from its parent.
   */
  pretrainedShipped: PretrainedShippedSchema.nullable().optional(),
});
export type PlanResponse = z.infer<typeof PlanResponseSchema>;
