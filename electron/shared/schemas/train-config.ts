// The configuration of one training run (TrainConfig) and the faults a run may inject.
import { z } from 'zod';
import { BatchLayoutSchema } from './events';
import { BackendIdSchema } from './hardware';
import { TrainingPlanSchema } from './plan';
import { ModelChoiceSchema, TrainTilesModeSchema, UserOverridesSchema } from './user-choice';

/**
 * Fault injection for tests and drills: makes a run meet an out-of-memory error, a non-finite
 * loss or a crash at a chosen optimizer step, so recovery paths are exercised for real.
 * Also read from the KESTREL_FAULTS environment variable (the same JSON).
 */
export const TrainFaultsSchema = z
  .object({
    /** Throw OUT_OF_MEMORY before the micro-batch that would follow this optimizer step, while the per-device batch is above `oomWhileBatchAbove`. */
    oomAtStep: z.number().int().nonnegative(),
    /**
     * Throw what the wasm module throws when its heap cannot grow (a plain WebAssembly
     * RuntimeError "Aborted(OOM)", not a coded error) at this optimizer step, while the batch is
     * above `oomWhileBatchAbove`: the trainer must still take it for an out-of-memory error.
     */
    heapAbortAtStep: z.number().int().nonnegative(),
    /** The injected OOM fires only while the per-device batch exceeds this (default 1: fires once per halving until 1). */
    oomWhileBatchAbove: z.number().int().nonnegative(),
    /** Produce a NaN loss on the micro-batches of these optimizer steps. */
    nanAtSteps: z.array(z.number().int().nonnegative()),
    /** Exit the process abruptly (like a native crash) when this optimizer step is reached. */
    crashAtStep: z.number().int().nonnegative(),
  })
  .partial()
  .strict();
export type TrainFaults = z.infer<typeof TrainFaultsSchema>;

/**
 * The key figures of the plan the engineer accepted in the Plan step (the app's train:start
 * sends them): the training process plans again on its own machine state and, where it comes
 * to different figures (a new memory calibration, another free-memory reading), says so in a
 * warning with the reason instead of changing them silently (engine/train/accepted-plan.ts).
 */
/** Where a new run's weights start: see TrainConfig.start. */
export const StartModeSchema = z.enum(['auto', 'pretrained', 'scratch']);
export type StartMode = z.infer<typeof StartModeSchema>;

export const AcceptedPlanSchema = TrainingPlanSchema.pick({ perDeviceBatch: true, accumulation: true, lr: true, warmupSteps: true, epochs: true });
export type AcceptedPlan = z.infer<typeof AcceptedPlanSchema>;

/**
 * Everything one training run needs: the app's TrainJob fields (TrainJobSchema in ./ipc/worker.ts
 * is a pick of this schema) plus settings the CLI, tests and benchmarks may set.
 */
export const TrainConfigSchema = z.object({
  /** The run folder (runs/<name>); created when missing. */
  runDir: z.string().min(1),
  datasetPath: z.string().min(1),
  model: ModelChoiceSchema,
  epochs: z.number().int().positive(),
  overrides: UserOverridesSchema.default({}),
  /**
   * Fine-tune: the folder of an earlier run (or its weights/best|last folder) whose weights this
   * run starts from. Recorded in config.json; the plan records the parent's name as `parentRun`.
   */
  from: z.string().min(1).optional(),
  /**
   * A new run's starting weights (not a fine-tune's): Kestrel's pretrained weights for the scale
   * ('pretrained'), random ones ('scratch'), or 'auto' (engine/plan/start.ts decides). The plan
   * records the pretrained weights' name as `pretrained`.
   */
  start: StartModeSchema.default('auto'),
  /** The figures of the plan the Plan step showed (the app's runs); the trainer compares its own plan with them. */
  accepted: AcceptedPlanSchema.optional(),
  /** Continue from the run's last checkpoint (and its saved config, plan and split). */
  resume: z.boolean().default(false),
  /** Seed of the weights, the data order and the augmentation. */
  seed: z.number().int().nonnegative().default(0),
  /** Force a TF.js backend (else the best that loads; KESTREL_BACKEND does the same). */
  backend: BackendIdSchema.optional(),
  /**
   * wasm threads: a number, or 'auto' (the idle cores: 2 on a quiet 2-core PC, 1 on a busy
   * one, where a second thread slows every kernel down). KESTREL_WASM_THREADS overrides.
   */
  threads: z.union([z.number().int().min(1).max(16), z.literal('auto')]).default('auto'),
  /** Loader worker threads (0: build batches on the training thread). Default: cores - 1, 1 to 4. */
  workers: z.number().int().nonnegative().optional(),
  /** Keep decoded images in RAM between epochs. */
  cache: z.enum(['ram', 'none']).default('ram'),
  /**
   * Train on tiles of large images: 'auto' (the planner decides from the training boxes' sizes
   * against the images' size), 'off', or a tile side in source pixels. A resumed run keeps the
   * tiling its plan chose; the app's fine-tunes start with their parent's choice.
   */
  tiles: TrainTilesModeSchema.default('auto'),
  /** Augmentation: the full YOLO recipe, or 'light' (no mosaic, milder scale) for tiny or fast runs. */
  augment: z.enum(['default', 'light', 'none']).default('default'),
  /** Validate every N epochs (the last epoch always). Default: 1, or more for large sets. */
  valEvery: z.number().int().positive().optional(),
  /** Stop when the fitness has not improved for this many epochs. */
  patience: z.number().int().positive().default(50),
  /** Save a resumable checkpoint inside an epoch every N optimizer steps (0: only at epoch ends and on stop) ... */
  checkpointEverySteps: z.number().int().nonnegative().default(0),
  /** ... and at least every this many seconds (0: off). */
  checkpointEverySeconds: z.number().nonnegative().default(120),
  /** Measured-memory calibrations file (default ~/.kestrel/calibrations.json). */
  calibrationFile: z.string().optional(),
  /** 'auto': measure when no calibration matches; 'off': plan from the estimate; 'force': always measure. */
  calibrate: z.enum(['auto', 'off', 'force']).default('auto'),
  /** Cap training images (benchmarks, quick runs): the first N of the training split; all when absent. */
  maxTrainImages: z.number().int().positive().optional(),
  /** Cap validation images (for quick runs); all when absent. */
  maxValImages: z.number().int().positive().optional(),
  /** Validation batch size (default: 2 x the per-device batch, at most 16). */
  valBatch: z.number().int().positive().optional(),
  faults: TrainFaultsSchema.optional(),
  /**
   * Micro-batch layout to run instead of the plan's (or the checkpoint's): set by the process
   * runner after the training process died out of memory (half the batch, twice the accumulation).
   */
  layout: BatchLayoutSchema.optional(),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
/** TrainConfig as callers may write it (defaults not yet applied). */
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
