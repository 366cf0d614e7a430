import { DEFAULT_EPOCHS } from '../../shared/defaults';
import type { BackendId } from '../../shared/schemas/hardware';
import type { OptimizerKind } from '../../shared/schemas/plan';

/**
 * The planner's rules as numbers, in one place. They come from
 * /work/shared/design/training-rules.md (and Ultralytics' defaults where it is silent); each
 * comment says where a figure comes from so a change can be argued.
 */
export const RULES = {
  /** Nominal (reference) effective batch: the LR references below are quoted at it. */
  nominalBatch: 64,
  /** Keep the effective batch within these bounds where the hardware allows. */
  minEffectiveBatch: 32,
  maxEffectiveBatch: 128,
  /** A tiny dataset may lower E, never below this. */
  floorEffectiveBatch: 16,
  /** Wanted optimizer steps per epoch before E is lowered for a small dataset. */
  minStepsPerEpoch: 8,
  /** Below this per-device batch batch-norm statistics are badly distorted: GroupNorm. */
  minBatchNormBatch: 4,
  /** Default epochs (Ultralytics' default; early stopping ends sooner when the model plateaus). */
  defaultEpochs: DEFAULT_EPOCHS,
  /** AdamW below this many optimizer updates, SGD above (Ultralytics' optimizer=auto rule). */
  adamwMaxSteps: 10_000,
  /** Share of a GPU's free memory the plan may fill. */
  gpuMemoryFraction: 0.8,
  /** Share of available RAM the plan may fill on CPU (the data pipeline and the OS need the rest). */
  cpuMemoryFraction: 0.5,
  /** The wasm32 heap can never exceed 4 GiB; used when the probe did not report a limit. */
  wasmHeapLimitBytes: 4 * 1024 ** 3,
} as const;

/** Per-optimizer LR rules: reference LR at the nominal batch, scaling, safe range, momentum. */
export const OPTIMIZER_RULES: Record<
  OptimizerKind,
  { refLr: number; scaling: 'linear' | 'sqrt'; safeMin: number; safeMax: number; momentum: number; nesterov: boolean; refWeightDecay: number; stateBytesPerParam: number }
> = {
  // Ultralytics' SGD: lr0 0.01, momentum 0.937 (Nesterov), weight decay 5e-4, all at batch 64.
  sgd: { refLr: 0.01, scaling: 'linear', safeMin: 0.008, safeMax: 0.02, momentum: 0.937, nesterov: true, refWeightDecay: 5e-4, stateBytesPerParam: 4 },
  // AdamW 1e-3 at batch 64, square-root scaling (Adam's update size does not grow with the
  // batch the way SGD's does). beta1 0.9 as Ultralytics' optimizer=auto uses for AdamW.
  // Weight decay 0.05: AdamW's decay is decoupled and multiplied by the LR, so it shrinks
  // weights by lr x wd per step: 1e-3 x 0.05 = 5e-5, the same order as SGD's coupled 5e-4 at
  // lr 0.01 amplified by momentum 0.937 (~0.01 x 5e-4 / (1 - 0.937) = 8e-5). Ultralytics'
  // 5e-4 under AdamW would be 100x weaker, i.e. practically no regularisation.
  adamw: { refLr: 1e-3, scaling: 'sqrt', safeMin: 3e-4, safeMax: 1e-3, momentum: 0.9, nesterov: false, refWeightDecay: 0.05, stateBytesPerParam: 8 },
};

/** Schedule shape: warmup and cosine floor. */
export const SCHEDULE_RULES = {
  warmupEpochs: 3,
  /**
   * Warmup floor in images, not optimizer steps: Ultralytics' "at least 100 iterations" are
   * iterations of its batch 16, i.e. 1,600 images. Counted in Kestrel's optimizer steps of the
   * effective batch (64) the same floor was 6,400 images: 100 of a NEU-DET run's 230 steps.
   */
  warmupMinImages: 1600,
  /**
   * Warmup never takes more than this share of the run. Below 30 epochs three epochs of warmup
   * would be most of a short run spent at a small LR (NEU-DET, 10 epochs: mAP50 0.02 until the
   * sixth epoch with 43% warmup); AdamW with gradient clipping needs far less to be stable.
   */
  maxWarmupFraction: 0.1,
  /** LR at step 0 as a share of the peak: "near zero (factor ~1e-6)". */
  warmupStartFactor: 1e-6,
  /** SGD bias LR at step 0 and momentum at step 0 (Ultralytics warmup_bias_lr, warmup_momentum). */
  sgdWarmupBiasLr: 0.1,
  sgdWarmupMomentum: 0.8,
  /** Cosine ends at lr x this at the last step. */
  finalFactor: 0.01,
  /** Peak LR this much below the strictly scaled value when E is above the nominal batch (10-15%). */
  largeBatchDerate: 0.125,
  /** Regularisation switched on when E > maxEffectiveBatch. */
  largeBatchLabelSmoothing: 0.1,
} as const;

/**
 * Fine-tuning from an earlier run (issue 12): the network starts from weights that already
 * detect, so the first updates must refine them, not wash them out.
 */
export const FINETUNE_RULES = {
  /**
   * Peak LR x this (the planned from-scratch LR, after scaling and clamping). The usual advice
   * for continuing from one's own weights is 0.1-0.3 x lr0 (Ultralytics users; the classic
   * "a tenth" of transfer learning). Kestrel takes the top of that range, 0.3: its fine-tunes
   * usually add images or classes, whose fresh head rows must still learn within a short run,
   * while the shared layers already sit at a low loss and move little. AdamW at E 64 then gets
   * 3e-4, the bottom of its from-scratch safe range; SGD 0.003. The safe range for warnings is
   * scaled by the same factor. The README's NEU-DET table is the measurement to revisit it by.
   */
  lrFactor: 0.3,
  /**
   * Warmup epochs instead of 3 (the 1,600-image floor and the 10% cap still apply): warmup
   * protects a random network's first steps and fills the optimizer's moments; a trained one
   * only needs the moments filled, which one epoch does.
   */
  warmupEpochs: 1,
} as const;

/**
 * Memory model m(b) = fixed + perImage x b, per backend.
 *
 * backwardFactor multiplies describeModel's activationBytesPerImage (the float32 outputs of
 * one forward pass) to get what a training step holds per image: the tape's saved inputs,
 * the pre-norm and pre-activation tensors describeModel does not count, gradients in flight
 * and allocator slack. wasm/cpu: fitted to Kestrel's own step with the fused Conv block and its
 * copy kernels (`npm run bench -- memory`, AdamW, batches 8 and 16): per image YOLOv8n measured
 * 55.0 MiB at 224 px over describeModel's 10.8 MiB of activations ((55.0 - 0.6 input) / 10.8 =
 * 5.04), YOLOv8s 4.56: 5.1 (never below n; s over-predicted ~12%). With the element-wise SIMD
 * kernels (the default now) a step holds ~7% less (4.75), so this errs on the safe side there. The
 * fixed part measured 81 MiB (n) and 298 MiB (s): weights, gradients and AdamW state (16 B/param)
 * plus ~12 B/param the step also holds (the EMA's shadow weights, update temporaries), so
 * extraBytesPerParam 12. (The prototype of issue 3, without the fused block, held 214 MiB per
 * image at 256 px: a factor of 15.)
 * tfjs-node / tfjs-node-gpu: not measured yet. Their kernels are TensorFlow's own (no wasm
 * heap high-water mark, no home-made gradient kernels), so they are set between PyTorch's
 * ~3-4x and the wasm prototype's 15x at 8. CUDA's context, cuBLAS/cuDNN handles and
 * workspaces take a few hundred MiB of the card before the first tensor: 512 MiB.
 * A measured MemoryCalibration replaces all of this (issue 6 measures it).
 */
export const MEMORY_MODEL: Record<BackendId, { backwardFactor: number; overheadBytes: number; extraBytesPerParam: number }> = {
  'tfjs-node-gpu': { backwardFactor: 8, overheadBytes: 512 * 1024 ** 2, extraBytesPerParam: 0 },
  'tfjs-node': { backwardFactor: 8, overheadBytes: 128 * 1024 ** 2, extraBytesPerParam: 0 },
  // webgpu (issue 13): fitted to the one real GPU measured (an H200 through Dawn and Vulkan,
  // `npm run bench -- device`, bench/results/device-h200.json, AdamW, batch 64): what nvidia-smi
  // reported for scales n and s at 320 and 640 px needs a backward factor of 4.47-4.73 over
  // describeModel's activations with the fixed part below (the first guess, 6.5, predicted
  // 37-43% too much). 4.8 keeps every point on the safe side by 1-7%. Dawn's device, pipelines
  // and staging buffers: ~256 MiB. tf.profile's tensor peak (what the CLI's calibration measures)
  // was 92-95% of nvidia-smi's figure there: tfjs's buffer pool keeps freed buffers for reuse.
  webgpu: { backwardFactor: 4.8, overheadBytes: 256 * 1024 ** 2, extraBytesPerParam: 12 },
  wasm: { backwardFactor: 5.1, overheadBytes: 16 * 1024 ** 2, extraBytesPerParam: 12 },
  cpu: { backwardFactor: 5.1, overheadBytes: 16 * 1024 ** 2, extraBytesPerParam: 12 },
};

/** Bytes per parameter every optimizer needs: float32 weights and their gradients. */
export const WEIGHT_AND_GRAD_BYTES = 8;

/**
 * Version of what Kestrel's training step holds in memory. A stored calibration made with another
 * version (or with none: those predate the field) is not used and is measured again: an engine
 * update that changes the step's memory would otherwise plan from a stale measurement. Bump it
 * with any such change. {@link stepMemoryVersion} tells the two wasm step variants apart.
 */
export const STEP_MEMORY_VERSION = 3;

/**
 * The version a calibration is stored and looked up under: the element-wise SIMD kernels (on by
 * default; KESTREL_SIMD_KERNELS=0 turns them off) hold ~7% less per image than the plain step, so a
 * measurement of one must not plan the other.
 */
export function stepMemoryVersion(elementwiseKernels: boolean): number {
  return elementwiseKernels ? STEP_MEMORY_VERSION + 1000 : STEP_MEMORY_VERSION;
}
