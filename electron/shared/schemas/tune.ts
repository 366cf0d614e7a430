/**
 * The files of `kestrel tune`: lr-find.json (the LR range test's curve, choice and reasons),
 * the search's state file (tune/state.json: settings, trials, rung results; what a killed
 * search continues from) and the winner's overrides file (tune.json).
 */
import { z } from 'zod';
import { EpochMetricsSchema } from './events';
import { ReasonSchema } from './reason';
import { UserOverridesSchema } from './user-choice';

/** One optimizer step of the LR range test. */
export const LrFindPointSchema = z.object({
  step: z.number().int().nonnegative(),
  lr: z.number().positive(),
  /** The step's training loss as the training loop reports it (box + cls + dfl, scaled to the micro-batch's images), mean over its micro-batches. */
  loss: z.number(),
  /** The bias-corrected exponential moving average of `loss`. */
  smooth: z.number(),
});
export type LrFindPoint = z.infer<typeof LrFindPointSchema>;

/** Which rule chose the LR. */
export const LrChoiceRuleSchema = z.enum(['min-div-10', 'no-minimum', 'flat', 'diverged-early']);
export type LrChoiceRule = z.infer<typeof LrChoiceRuleSchema>;

/** The LR the test chose, and why. */
export const LrChoiceSchema = z.object({
  /** The LR to train with (inside the optimizer's safe range). */
  lr: z.number().positive(),
  /** What the rule gave before clamping to the safe range. */
  raw: z.number().positive(),
  rule: LrChoiceRuleSchema,
  clamped: z.boolean(),
  /** LR at the lowest smoothed loss (null: no usable points). */
  minLossLr: z.number().nullable(),
  /** LR where the smoothed loss fell fastest per decade of LR (null: it never fell). */
  steepestLr: z.number().nullable(),
  reasons: z.array(ReasonSchema),
});
export type LrChoice = z.infer<typeof LrChoiceSchema>;

/** lr-find.json. */
export const LrFindResultSchema = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  datasetPath: z.string(),
  model: z.object({ scale: z.string(), imgsz: z.number().int().positive() }),
  plan: z.object({
    optimizer: z.enum(['sgd', 'adamw']),
    lr: z.number(),
    perDeviceBatch: z.number().int().positive(),
    accumulation: z.number().int().positive(),
    effectiveBatch: z.number().int().positive(),
    weightDecay: z.number(),
  }),
  settings: z.object({ steps: z.number().int().positive(), lrMin: z.number(), lrMax: z.number(), beta: z.number(), divergeFactor: z.number(), seed: z.number().int() }),
  curve: z.array(LrFindPointSchema),
  /** Why the test ended before `steps` (null: it ran them all). */
  stopped: ReasonSchema.nullable(),
  choice: LrChoiceSchema,
  /** What the plan takes: `kestrel train ... --lr <lr>`. */
  overrides: z.object({ lr: z.number().positive() }),
  seconds: z.number().nonnegative(),
  backend: z.string(),
});
export type LrFindResult = z.infer<typeof LrFindResultSchema>;

/** Augmentation strength a trial may use (TrainConfig.augment). */
export const AugmentStrengthSchema = z.enum(['none', 'light', 'default']);

/** The knobs of one trial. Warmup and weight decay are sampled always and applied only where the plan takes them. */
export const TrialParamsSchema = z.object({
  lr: z.number().positive(),
  augment: AugmentStrengthSchema,
  warmupEpochs: z.number().nonnegative(),
  weightDecay: z.number().nonnegative(),
});
export type TrialParams = z.infer<typeof TrialParamsSchema>;

/** A trial's result at the end of one rung: the validation metrics of its last epoch (fitness always set), and the rung's time. */
export const RungResultSchema = EpochMetricsSchema.pick({ map50: true, map50_95: true }).extend({
  rung: z.number().int().nonnegative(),
  epochs: z.number().int().positive(),
  fitness: z.number(),
  seconds: z.number().nonnegative(),
});
export type RungResult = z.infer<typeof RungResultSchema>;

/** One trial of the search (its run folder is tune/trial-XX). */
export const TrialSchema = z.object({
  id: z.number().int().nonnegative(),
  params: TrialParamsSchema,
  results: z.array(RungResultSchema),
});
export type Trial = z.infer<typeof TrialSchema>;

/** The search's settings: a state file only continues under the same ones. */
export const SearchSettingsSchema = z.object({
  datasetPath: z.string(),
  model: z.object({ scale: z.enum(['n', 's', 'm']), imgsz: z.number().int().positive() }),
  seed: z.number().int().nonnegative(),
  /** Most trials started (null: as many as the budget allows). */
  maxTrials: z.number().int().positive().nullable(),
  /** Time budget in seconds (null: none). */
  budgetSeconds: z.number().positive().nullable(),
  /** Epochs of each rung, rising (the last is the full run a winner trains). */
  rungEpochs: z.array(z.number().int().positive()).min(1),
  /** 1/eta of each rung continues to the next. */
  eta: z.number().int().min(2),
  plannedLr: z.number().positive(),
  optimizer: z.enum(['sgd', 'adamw']),
  /** Knobs the plan takes as overrides here; the others keep their planned value. */
  applied: z.array(z.enum(['lr', 'augment', 'warmupEpochs', 'weightDecay'])),
});
export type SearchSettings = z.infer<typeof SearchSettingsSchema>;

/** tune/state.json. */
export const SearchStateSchema = z.object({
  version: z.literal(1),
  settings: SearchSettingsSchema,
  trials: z.array(TrialSchema),
  /** Seconds of work done so far, over every process of the search. */
  elapsedSeconds: z.number().nonnegative(),
  done: z.boolean(),
});
export type SearchState = z.infer<typeof SearchStateSchema>;

/** tune.json: the winner as a plan the engineer trains with. */
export const TuneOverridesFileSchema = z.object({
  version: z.literal(1),
  source: z.enum(['lr-find', 'search']),
  /** The plan overrides to train with (the user's own and the tuned ones), within the one table of limits. */
  overrides: UserOverridesSchema,
  /** TrainConfig settings that are not plan overrides. */
  train: z.object({ augment: AugmentStrengthSchema.optional(), epochs: z.number().int().positive().optional() }),
  /** The equivalent `kestrel train` command line. */
  command: z.string(),
  reasons: z.array(ReasonSchema),
});
export type TuneOverridesFile = z.infer<typeof TuneOverridesFileSchema>;

/**
 * What the app asks the LR range test process (the Plan step's Advanced panel button): the
 * dataset, the model choice and the plan overrides the panel holds.
 */
export const LrFindRequestSchema = z.object({
  datasetPath: z.string().min(1),
  model: z.object({ scale: z.enum(['n', 's', 'm']), imgsz: z.number().int().positive() }),
  /** The run folder lr-find.json goes to. */
  runDir: z.string().min(1),
  /** Epochs of the planned run (the optimizer depends on the run's length). */
  epochs: z.number().int().positive(),
  /** The plan overrides the test plans with (the layout, optimizer and weight decay it trains at). */
  overrides: UserOverridesSchema.default({}),
  steps: z.number().int().min(8).max(10_000).optional(),
});
export type LrFindRequest = z.input<typeof LrFindRequestSchema>;

/** LR range test process -> parent: each step as it is measured, then the result or the error (a reason: code, figures, sentence). */
export const LrFindMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('point'), point: LrFindPointSchema }),
  z.object({ type: z.literal('done'), result: LrFindResultSchema }),
  z.object({
    type: z.literal('error'),
    error: z.object({ code: z.string(), message: z.string(), params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }),
  }),
]);
export type LrFindMessage = z.infer<typeof LrFindMessageSchema>;

/** An LR marked on the chart, with its position on the log axis. */
const ChartLrSchema = z.object({ lr: z.number().positive(), log10Lr: z.number() });

/**
 * The LR range test as the Plan step draws it: the loss over log10(LR) (raw, the running
 * average the test stopped by, and the centred trend the choice read), the chosen and the
 * planned LR, the rule and its reasons.
 */
export const LrFindChartSchema = z.object({
  points: z.array(z.object({ log10Lr: z.number(), loss: z.number(), smooth: z.number(), trend: z.number() })),
  chosen: ChartLrSchema,
  planned: ChartLrSchema,
  rule: LrChoiceRuleSchema,
  reasons: z.array(ReasonSchema),
});
export type LrFindChart = z.infer<typeof LrFindChartSchema>;
