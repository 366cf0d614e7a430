// The training plan's schema: every decision the planner makes, with its reason.
import { z } from 'zod';
import { BatchLayoutSchema } from './events';
import { BackendIdSchema } from './hardware';
import { ModelScaleSchema, ModelSpecSchema, NormKindSchema } from './model';
import { ReasonSchema } from './reason';

/** Optimizers the trainer implements. */
export const OptimizerKindSchema = z.enum(['sgd', 'adamw']);
export type OptimizerKind = z.infer<typeof OptimizerKindSchema>;

/**
 * What the user fixed by hand. The planner plans around every field that is set and never
 * changes it silently: a value it would not have chosen comes back with a warning instead.
 */
export const PlanOverridesSchema = z.object({
  /** Per-device batch. */
  batch: z.number().int().positive().optional(),
  accumulation: z.number().int().positive().optional(),
  /** Effective batch = per-device batch x devices x accumulation. */
  effectiveBatch: z.number().int().positive().optional(),
  /** Peak learning rate. */
  lr: z.number().positive().optional(),
  optimizer: OptimizerKindSchema.optional(),
  imgsz: z.number().int().positive().multipleOf(32).optional(),
  epochs: z.number().int().positive().optional(),
  /** Share of the device's free memory the plan may use (0-1]. */
  memoryFraction: z.number().positive().max(1).optional(),
  /** Warmup length in epochs (0: no warmup), instead of the planner's rule. */
  warmupEpochs: z.number().nonnegative().optional(),
  /** Weight decay as the optimizer applies it, instead of the planned one scaled by the effective batch. */
  weightDecay: z.number().nonnegative().optional(),
  /** Data-parallel devices the plan is made for (Kestrel's own engine trains on one). */
  devices: z.number().int().positive().optional(),
  norm: NormKindSchema.optional(),
  /** Train on the CPU even where a GPU is usable, or insist on a GPU. */
  device: z.enum(['cpu', 'gpu']).optional(),
  labelSmoothing: z.number().min(0).max(0.5).optional(),
  cutmix: z.boolean().optional(),
});
export type PlanOverrides = z.infer<typeof PlanOverridesSchema>;

/**
 * A measured memory curve m(b) = fixedBytes + perImageBytes x b for one network on one device
 * and backend. When the planner gets one whose key matches the plan, it replaces the estimate.
 * `device` is the string `calibrationDeviceKey()` gives (engine/plan/memory.ts): 'cpu' or
 * 'gpu:<model name>', since identical cards behave identically whatever their index.
 */
export const MemoryCalibrationSchema = z.object({
  key: z.object({
    scale: ModelScaleSchema,
    imgsz: z.number().int().positive(),
    norm: NormKindSchema,
    backend: BackendIdSchema,
    device: z.string(),
    /** Optimizer the measurement ran with; its state is part of fixedBytes. Absent: any. */
    optimizer: OptimizerKindSchema.optional(),
    /** The engine's STEP_MEMORY_VERSION when measured; another one (or none) is stale. */
    engine: z.number().int().positive().optional(),
  }),
  fixedBytes: z.number().nonnegative(),
  perImageBytes: z.number().positive(),
  /** ISO time of the measurement. */
  measuredAt: z.string(),
  /** The measured peaks the line was fitted to. */
  points: z.array(z.object({ batch: z.number().int().positive(), peakBytes: z.number().nonnegative() })),
});
export type MemoryCalibration = z.infer<typeof MemoryCalibrationSchema>;

/**
 * The learning-rate schedule, stepped per optimizer update: linear warmup from
 * lr x warmupStartFactor to lr over warmupSteps, then cosine to lr x finalFactor at the last
 * step. SGD also warms the bias LR down from warmupBiasLr and the momentum up from
 * warmupMomentum. `lrAt()` (engine/plan/schedule.ts) evaluates it.
 */
export const LrScheduleSchema = z.object({
  optimizer: OptimizerKindSchema,
  lr: z.number().positive(),
  finalFactor: z.number().positive(),
  warmupStartFactor: z.number().nonnegative(),
  warmupSteps: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive(),
  /** Momentum (SGD) or Adam's beta1 after warmup. */
  momentum: z.number(),
  /** SGD only: bias LR at step 0, falling to lr over the warmup. */
  warmupBiasLr: z.number().nullable(),
  /** SGD only: momentum at step 0, rising to `momentum` over the warmup. */
  warmupMomentum: z.number().nullable(),
});
export type LrSchedule = z.infer<typeof LrScheduleSchema>;

/** The device the local engine trains on. */
export const PlanDeviceSchema = z.object({
  kind: z.enum(['gpu', 'cpu']),
  /** Index of the GPU in the hardware profile; null on CPU. */
  gpuIndex: z.number().int().nullable(),
  /** nvidia-smi's index of the GPU (PCI bus order): what CUDA_VISIBLE_DEVICES needs; null on CPU or when unknown. */
  cudaIndex: z.number().int().nullable(),
  name: z.string(),
  pciBusId: z.string().nullable(),
});
export type PlanDevice = z.infer<typeof PlanDeviceSchema>;

/**
 * Training on tiles of large images: overlapping windows of `size` source pixels (the model's
 * input, so they go in at full resolution), `overlap` of the side shared by neighbours (the
 * slicing of `kestrel predict --tile`), boxes kept when at least `minVisible` of their area is
 * in the tile, and `backgroundRatio` background tiles per tile with a defect. Validation
 * evaluates whole images with tiled inference at the same size and overlap.
 */
export const TilePlanSchema = z.object({
  size: z.number().int().positive(),
  overlap: z.number().min(0).max(0.9),
  minVisible: z.number().positive().max(1),
  backgroundRatio: z.number().nonnegative(),
  /** Why the run trains on tiles (the decision; the counts are among the plan's reasons). */
  reason: ReasonSchema,
});
export type TilePlan = z.infer<typeof TilePlanSchema>;

/**
 * A training plan: everything the trainer needs about batch, accumulation, LR and schedule,
 * each decision with its reason. Contract: device, backend, perDeviceBatch, accumulation,
 * effectiveBatch, lr, warmupSteps, norm, memory {budgetBytes, predictedBytes}, reasons and
 * warnings stay top-level fields (the CLI's --json and the UI read them).
 */
export const TrainingPlanSchema = z.object({
  device: PlanDeviceSchema,
  backend: BackendIdSchema,
  /** Data-parallel devices this plan is made for; 1 unless overridden. */
  devices: z.number().int().positive(),
  ...BatchLayoutSchema.shape,
  effectiveBatch: z.number().int().positive(),
  trainImages: z.number().int().nonnegative(),
  /** Batches each device runs per epoch (the last one may be partial). */
  batchesPerEpoch: z.number().int().positive(),
  /** Optimizer updates per epoch: one per `accumulation` batches, plus one for a partial group at the epoch's end. */
  stepsPerEpoch: z.number().int().positive(),
  totalSteps: z.number().int().positive(),
  epochs: z.number().int().positive(),
  optimizer: OptimizerKindSchema,
  lr: z.number().positive(),
  /** SGD momentum (Nesterov) or AdamW beta1. */
  momentum: z.number(),
  nesterov: z.boolean(),
  weightDecay: z.number().nonnegative(),
  warmupSteps: z.number().int().nonnegative(),
  schedule: LrScheduleSchema,
  norm: NormKindSchema,
  modelSpec: ModelSpecSchema,
  figures: z.object({
    params: z.number().int(),
    buffers: z.number().int(),
    gflopsPerImage: z.number(),
    activationBytesPerImage: z.number(),
  }),
  regularization: z.object({ labelSmoothing: z.number(), cutmix: z.boolean() }),
  memory: z.object({
    budgetBytes: z.number(),
    predictedBytes: z.number(),
    fixedBytes: z.number(),
    perImageBytes: z.number(),
    /** The largest per-device batch the budget holds (0 when not even one image fits). */
    maxBatch: z.number().int().nonnegative(),
    source: z.enum(['estimate', 'calibration']),
    calibratedAt: z.string().nullable(),
  }),
  /**
   * Where several CUDA GPUs are found: the same effective batch split over all of them, for a
   * data-parallel trainer (SyncBatchNorm). Kestrel's own engine runs the top-level plan.
   */
  dataParallel: z
    .object({
      devices: z.number().int().positive(),
      gpuIndices: z.array(z.number().int()),
      ...BatchLayoutSchema.shape,
      effectiveBatch: z.number().int().positive(),
      syncBatchNorm: z.boolean(),
    })
    .nullable(),
  overrides: PlanOverridesSchema,
  /** Training on tiles of large images; null (or absent, in plans written before tiling) for whole images. */
  tiles: TilePlanSchema.nullable().default(null),
  /** The earlier run this one fine-tunes (its folder name); absent for a run from scratch. */
  parentRun: z.string().optional(),
  /** Kestrel's pretrained weights this run starts from (their name); absent for random weights or a fine-tune. */
  pretrained: z.string().optional(),
  reasons: z.array(ReasonSchema),
  warnings: z.array(ReasonSchema),
});
export type TrainingPlan = z.infer<typeof TrainingPlanSchema>;
