/**
 * The IPC payloads of the LR range test the Plan step's Advanced panel runs (tune:lrFind, its
 * progress and its stop). The test itself runs in a process of its own (engine/tune/lr-find-entry.ts).
 */
import { z } from 'zod';
import { LrFindChartSchema, LrFindPointSchema, LrFindResultSchema } from '../tune';
import { ModelChoiceSchema, UserOverridesSchema } from '../user-choice';
import { DatasetPathSchema } from './dataset';
import { limitNumber } from './limits';

/** The most steps the app asks for (the CLI's --steps goes further). */
export const LR_FIND_MAX_APP_STEPS = 1000;

/** tune:lrFind's request: what the Plan step shows (dataset, network, epochs) and the overrides of its Advanced panel. */
export const LrFindAppRequestSchema = z
  .object({
    datasetPath: DatasetPathSchema,
    model: ModelChoiceSchema,
    epochs: limitNumber('epochs'),
    overrides: UserOverridesSchema.default({}),
    /** Optimizer steps of the test (default: the engine's, 200). */
    steps: z.number().int().min(8).max(LR_FIND_MAX_APP_STEPS).optional(),
  })
  .strict();
export type LrFindAppRequest = z.input<typeof LrFindAppRequestSchema>;

/** tune:lrFind's answer: the test's file (lr-find.json), where it was written, and the chart of it. */
export const LrFindResponseSchema = z.object({
  file: z.string(),
  result: LrFindResultSchema,
  chart: LrFindChartSchema,
});
export type LrFindResponse = z.infer<typeof LrFindResponseSchema>;

/** tune:lrFindProgress's answer: whether a test runs, its length in steps and the steps measured so far. */
export const LrFindProgressSchema = z.object({
  running: z.boolean(),
  steps: z.number().int().nonnegative(),
  points: z.array(LrFindPointSchema),
});
export type LrFindProgress = z.infer<typeof LrFindProgressSchema>;
