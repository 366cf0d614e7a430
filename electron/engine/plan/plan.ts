import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { DatasetSummary } from '../../shared/schemas/dataset';
import type { BackendId, HardwareProfile } from '../../shared/schemas/hardware';
import type { ModelFigures, ModelScale, ModelSpec, NormKind } from '../../shared/schemas/model';
import { FineTunePlanInputSchema, type FineTunePlanInput } from '../../shared/schemas/finetune';
import {
  PlanOverridesSchema,
  type MemoryCalibration,
  type OptimizerKind,
  type PlanDevice,
  type PlanOverrides,
  type TilePlan,
  type TrainingPlan,
} from '../../shared/schemas/plan';
import { describeModel } from '../model/describe';
import { FINETUNE_RULES, OPTIMIZER_RULES, RULES, SCHEDULE_RULES, STEP_MEMORY_VERSION } from './constants';
import { chooseDevice, type DeviceChoice } from './device';
import { gib, mib, sig } from './format';
import { lrInSafeRange, planLr, strictLr, weightDecayFor } from './lr';
import { calibrationDeviceKey, estimateMemoryLine, findCalibration, maxBatchWithin, predictBytes, type MemoryLine } from './memory';
import { buildSchedule, planWarmup, warmupOverrideWarning, warmupStepsFor } from './schedule';

/** The network to plan for; the norm is the planner's decision (or an override). */
export interface PlanModel {
  scale: ModelScale;
  imgsz: number;
  numClasses: number;
}

/** Settings of the planner that are not user overrides. */
export interface PlanOptions {
  /** Measured memory lines; one matching the plan's network, backend and device replaces the estimate. */
  calibrations?: MemoryCalibration[];
  /** Default share of the device's free memory (GPU 0.8, CPU 0.5); overrides.memoryFraction wins. */
  memoryFraction?: number;
  /** Step memory version a calibration must carry (stepMemoryVersion); default STEP_MEMORY_VERSION. */
  stepMemoryVersion?: number;
  /** Start from an earlier run's weights: a lower peak LR, a shorter warmup, its EMA and norm statistics carried. */
  fineTune?: FineTunePlanInput;
  /**
   * Training on tiles, decided beforehand (engine/plan/tiles.ts: planTrainTiles) since the
   * sample count (`dataset.trainImages`) depends on it: recorded as `tiles`, its reasons
   * (the decision, the tile counts) listed after the device's, its warnings (tiles turned off
   * where they are needed) among the plan's.
   */
  tiling?: { tiles: TilePlan | null; reasons: Reason[]; warnings?: Reason[] };
  /**
   * Start from Kestrel's pretrained weights (engine/model/pretrained.ts): recorded as
   * `pretrained`, said first among the reasons; the LR and warmup stay those of a new run.
   */
  pretrained?: { name: string; images: number };
}

interface MemoryContext {
  backend: BackendId;
  deviceKey: string;
  calibrations: readonly MemoryCalibration[];
  stepMemoryVersion: number;
}

/** Model figures and memory line of one spec under one optimizer. */
function memoryFor(spec: ModelSpec, optimizer: OptimizerKind, ctx: MemoryContext): { figures: ModelFigures; line: MemoryLine } {
  const figures = describeModel(spec);
  const line = findCalibration(ctx.calibrations, spec, ctx.backend, ctx.deviceKey, optimizer, figures.params, ctx.stepMemoryVersion) ?? estimateMemoryLine(figures, optimizer, ctx.backend);
  return { figures, line };
}

/** The part of a plan that depends on the optimizer (its state changes the memory line). */
interface CorePlan {
  optimizer: OptimizerKind;
  spec: ModelSpec;
  figures: ModelFigures;
  line: MemoryLine;
  maxBatch: number;
  batch: number;
  accumulation: number;
  effectiveBatch: number;
  batchesPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  reasons: Reason[];
  warnings: Reason[];
}

interface CoreInput {
  hw: HardwareProfile;
  model: PlanModel;
  imgsz: number;
  trainImages: number;
  epochs: number;
  devices: number;
  budgetBytes: number;
  ov: PlanOverrides;
  ctx: MemoryContext;
  choice: DeviceChoice;
}

/**
 * Per-device batch, norm, accumulation and effective batch for one optimizer.
 * `batchCap` limits the batch further (used to keep the optimizer decision consistent).
 */
function planCore(inp: CoreInput, optimizer: OptimizerKind, batchCap = Infinity): CorePlan {
  const { ov, devices, budgetBytes, trainImages } = inp;
  const reasons: Reason[] = [];
  const warnings: Reason[] = [];
  const N = devices;

  // Target effective batch: the override, else nominal 64, lowered for a small dataset so an
  // epoch still has about 8 optimizer steps (never below 16).
  const sizeOverridden = ov.batch !== undefined || ov.accumulation !== undefined || ov.effectiveBatch !== undefined;
  const wantedForData = Math.max(RULES.floorEffectiveBatch, Math.floor(trainImages / RULES.minStepsPerEpoch));
  const smallData = !sizeOverridden && wantedForData < RULES.nominalBatch;
  const targetE = ov.effectiveBatch ?? (smallData ? wantedForData : RULES.nominalBatch);
  // Per-device cap: the target over the devices; at least 4 by default so many devices do not
  // push the batch into GroupNorm territory on their own.
  const cap = Math.min(
    batchCap,
    ov.effectiveBatch !== undefined || smallData ? Math.max(1, Math.floor(targetE / N)) : Math.max(RULES.minBatchNormBatch, Math.ceil(targetE / N)),
  );

  let spec: ModelSpec = { scale: inp.model.scale, imgsz: inp.imgsz, numClasses: inp.model.numClasses, norm: ov.norm ?? 'batch' };
  let { figures, line } = memoryFor(spec, optimizer, inp.ctx);
  let maxBatch = maxBatchWithin(line, budgetBytes);
  let batch = ov.batch ?? Math.min(maxBatch, cap);

  if (ov.norm === undefined && batch < RULES.minBatchNormBatch) {
    // Accumulation does not fix batch norm (statistics still come from the small batch).
    spec = { ...spec, norm: 'group' };
    ({ figures, line } = memoryFor(spec, optimizer, inp.ctx));
    maxBatch = maxBatchWithin(line, budgetBytes);
    // Dropping the running statistics frees a few KiB; never enough to make a BatchNorm batch fit.
    if (ov.batch === undefined) batch = Math.min(maxBatch, cap, RULES.minBatchNormBatch - 1);
  }
  if (batch < 1) throw doesNotFit(inp, spec, line);

  if (ov.batch !== undefined) reasons.push(reason('PLAN_BATCH_OVERRIDE', { batch, maxBatch }));
  else if (batch === maxBatch && maxBatch < cap) reasons.push(reason('PLAN_BATCH_FITS', { batch, predictedGiB: gib(predictBytes(line, batch)), budgetGiB: gib(budgetBytes) }));
  else reasons.push(reason('PLAN_BATCH_CAPPED', { batch, target: targetE, devices: N, maxBatch }));

  if (spec.norm === 'group' && ov.norm === undefined) reasons.push(reason('PLAN_GROUPNORM', { batch, min: RULES.minBatchNormBatch }));
  else if (ov.norm !== undefined) reasons.push(reason('PLAN_NORM_OVERRIDE', { norm: ov.norm === 'group' ? 'GroupNorm' : 'BatchNorm' }));

  let accumulation: number;
  const perStep = batch * N;
  if (ov.accumulation !== undefined) {
    accumulation = ov.accumulation;
    reasons.push(reason('PLAN_ACCUMULATION_OVERRIDE', { accumulation }));
  } else if (ov.effectiveBatch !== undefined) {
    accumulation = Math.max(1, Math.round(ov.effectiveBatch / perStep));
    reasons.push(reason('PLAN_ACCUMULATION_FOR_E', { accumulation, batch, devices: N, target: ov.effectiveBatch }));
  } else if (smallData) {
    accumulation = Math.max(1, Math.floor(targetE / perStep), Math.ceil(RULES.floorEffectiveBatch / perStep));
    reasons.push(reason('PLAN_ACCUMULATION_FOR_E', { accumulation, batch, devices: N, target: targetE }));
  } else {
    accumulation = Math.max(1, Math.round(RULES.nominalBatch / perStep));
    reasons.push(reason('PLAN_ACCUMULATION', { accumulation, batch, devices: N, nominal: RULES.nominalBatch, effectiveBatch: perStep * accumulation }));
  }
  const effectiveBatch = perStep * accumulation;
  if (ov.effectiveBatch !== undefined && effectiveBatch !== ov.effectiveBatch) {
    warnings.push(reason('PLAN_WARN_EFFECTIVE_BATCH_INEXACT', { wanted: ov.effectiveBatch, effectiveBatch, batch, devices: N, accumulation }));
  }

  const batchesPerEpoch = Math.max(1, Math.ceil(trainImages / perStep));
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / accumulation);
  if (smallData) reasons.push(reason('PLAN_SMALL_DATASET', { trainImages, effectiveBatch, stepsPerEpoch, minSteps: RULES.minStepsPerEpoch, floor: RULES.floorEffectiveBatch }));
  const totalSteps = stepsPerEpoch * inp.epochs;
  return { optimizer, spec, figures, line, maxBatch, batch, accumulation, effectiveBatch, batchesPerEpoch, stepsPerEpoch, totalSteps, reasons, warnings };
}

/** The PLAN_DOES_NOT_FIT error, naming the changes that would fit (smaller input, smaller scale, CPU). */
function doesNotFit(inp: CoreInput, spec: ModelSpec, line: MemoryLine): KestrelError {
  const fitsAt = (s: ModelSpec, choice: DeviceChoice, budget: number): boolean => {
    const ctx: MemoryContext = { ...inp.ctx, backend: choice.backend, deviceKey: calibrationDeviceKey(choice.device) };
    return maxBatchWithin(memoryFor(s, 'sgd', ctx).line, budget) >= 1;
  };
  const fixes: string[] = [];
  let smallerImgsz = 0;
  for (let z = spec.imgsz - 32; z >= 64; z -= 32) {
    if (fitsAt({ ...spec, imgsz: z }, inp.choice, inp.budgetBytes)) {
      smallerImgsz = z;
      break;
    }
  }
  if (smallerImgsz) fixes.push(`a smaller input size (--imgsz ${smallerImgsz} fits)`);
  const scales: ModelScale[] = ['n', 's', 'm'];
  const smallerScale = scales.slice(0, scales.indexOf(spec.scale)).reverse().find((sc) => fitsAt({ ...spec, scale: sc }, inp.choice, inp.budgetBytes));
  if (smallerScale) fixes.push(`a smaller model scale (--model ${smallerScale} fits)`);
  let cpuFits = false;
  if (inp.choice.device.kind === 'gpu') {
    const cpu = chooseDevice(inp.hw, { device: 'cpu' });
    cpuFits = fitsAt(spec, cpu, cpu.budgetBytes);
    if (cpuFits) fixes.push('training on the CPU (--device cpu), much slower');
  }
  if (inp.ov.memoryFraction === undefined || inp.ov.memoryFraction < 1) fixes.push('a larger memory share (--memory-fraction) after closing other programs that hold memory');
  const need = predictBytes(line, 1);
  const r = reason('PLAN_DOES_NOT_FIT', {
    scale: spec.scale,
    imgsz: spec.imgsz,
    device: inp.choice.device.name,
    budgetGiB: gib(inp.budgetBytes),
    needGiB: gib(need),
    fix: fixes.join('; or '),
  });
  return new KestrelError('PLAN_DOES_NOT_FIT', r.message, { ...r.params, smallerImgsz: smallerImgsz || null, smallerScale: smallerScale ?? null, cpuFits });
}

/** Data-parallel split of the effective batch over every trainable GPU, when there are several. */
function dataParallelPlan(
  choice: DeviceChoice,
  core: CorePlan,
  fraction: number,
): { plan: NonNullable<TrainingPlan['dataParallel']>; reason: Reason } | null {
  const fits = choice.gpus.map((g) => ({ g, fit: maxBatchWithin(core.line, g.freeBytes * fraction) })).filter((x) => x.fit >= 1);
  const K = fits.length;
  if (K < 2) return null;
  const fitMin = Math.min(...fits.map((x) => x.fit));
  const E = core.effectiveBatch;
  // The split closest to E (exact where E allows), preferring larger per-device batches.
  let batch = 1;
  let accumulation = Math.max(1, Math.round(E / K));
  let bestErr = Infinity;
  for (let d = Math.min(fitMin, Math.ceil(E / K)); d >= 1; d--) {
    const acc = Math.max(1, Math.round(E / (d * K)));
    const err = Math.abs(d * K * acc - E);
    if (err < bestErr) {
      bestErr = err;
      batch = d;
      accumulation = acc;
    }
  }
  const effectiveBatch = batch * K * accumulation;
  const syncBatchNorm = core.spec.norm === 'batch';
  return {
    plan: { devices: K, gpuIndices: fits.map((x) => x.g.gpu.index), perDeviceBatch: batch, accumulation, effectiveBatch, syncBatchNorm },
    reason: reason('PLAN_DATA_PARALLEL', { devices: K, batch, accumulation, effectiveBatch, planned: E }),
  };
}

function validate(overrides: PlanOverrides, model: PlanModel, trainImages: number): PlanOverrides {
  const parsed = PlanOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'overrides'}: ${i.message}`).join('; ');
    throw new KestrelError('PLAN_INVALID_OVERRIDE', `Invalid plan setting (${what}). Correct the value and plan again.`, { issues: what });
  }
  const imgsz = parsed.data.imgsz ?? model.imgsz;
  if (!Number.isInteger(imgsz) || imgsz < 32 || imgsz % 32 !== 0) {
    throw new KestrelError('PLAN_INVALID_OVERRIDE', `Input size ${imgsz} is not a positive multiple of 32. Use 320, 416, 512 or 640, for example.`, { imgsz });
  }
  if (!Number.isInteger(model.numClasses) || model.numClasses < 1) {
    throw new KestrelError('PLAN_INVALID_OVERRIDE', `The class count ${model.numClasses} is not a positive whole number. The dataset must name at least one class.`, { numClasses: model.numClasses });
  }
  if (!Number.isInteger(trainImages) || trainImages < 1) {
    throw new KestrelError('PLAN_NO_TRAIN_IMAGES', 'The dataset has no training images. Add labelled images to the training split, then plan again.', { trainImages });
  }
  return parsed.data;
}

/** Checks the fine-tune input (PLAN_INVALID_OVERRIDE when malformed); undefined for a run from scratch. */
function validateFineTune(input: FineTunePlanInput | undefined): FineTunePlanInput | undefined {
  if (input === undefined) return undefined;
  const parsed = FineTunePlanInputSchema.safeParse(input);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `fineTune.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new KestrelError('PLAN_INVALID_OVERRIDE', `Invalid fine-tune setting (${what}). Name the earlier run to start from.`, { issues: what });
  }
  return parsed.data;
}

/** Why a fine-tune's schedule and start differ: a shorter warmup (unless the engineer set one), the EMA and norm statistics carried. */
function fineTuneReasons(ft: FineTunePlanInput, norm: NormKind, warmupEpochs: number | null): Reason[] {
  const normName = (n: NormKind) => (n === 'group' ? 'GroupNorm' : 'BatchNorm');
  const out = [
    ...(warmupEpochs === null ? [] : [reason('PLAN_FINETUNE_WARMUP', { epochs: warmupEpochs, scratchEpochs: SCHEDULE_RULES.warmupEpochs })]),
    reason('PLAN_FINETUNE_EMA', { parentRun: ft.parentRun }),
  ];
  if (ft.parentNorm !== undefined && ft.parentNorm !== norm) out.push(reason('PLAN_FINETUNE_NORM_FRESH', { parentRun: ft.parentRun, parentNorm: normName(ft.parentNorm), norm: normName(norm) }));
  else if (norm === 'batch') out.push(reason('PLAN_FINETUNE_NORM', { parentRun: ft.parentRun }));
  return out;
}

/**
 * Plans a training run for this machine: device and backend, memory budget, per-device batch
 * (largest that fits, GroupNorm below 4), accumulation to the nominal batch 64, optimizer, LR
 * with large-batch derating and safe-range checks, warmup + cosine schedule per optimizer step.
 * Every decision carries a reason and every risky value a warning; overrides are planned
 * around, never changed. Pure: no I/O, same inputs give the same plan.
 * With `options.fineTune` the run starts from an earlier run's weights: the peak LR is
 * FINETUNE_RULES.lrFactor x the from-scratch one, warmup 1 epoch, and the plan records `parentRun`.
 * Throws KestrelError PLAN_DOES_NOT_FIT (naming what to change), PLAN_INVALID_OVERRIDE,
 * PLAN_NO_TRAIN_IMAGES, PLAN_NO_GPU.
 */
export function planTraining(
  hardware: HardwareProfile,
  model: PlanModel,
  dataset: DatasetSummary | { trainImages: number },
  overrides: PlanOverrides = {},
  options: PlanOptions = {},
): TrainingPlan {
  const trainImages = dataset.trainImages;
  const ov = validate(overrides, model, trainImages);
  const fineTune = validateFineTune(options.fineTune);
  const imgsz = ov.imgsz ?? model.imgsz;
  const fractionOverride = ov.memoryFraction ?? options.memoryFraction;
  const choice = chooseDevice(hardware, { ...ov, memoryFraction: fractionOverride });
  const reasons: Reason[] = [...choice.reasons, ...(options.tiling?.reasons ?? [])];
  // A fine-tune says so first: every figure below is read in its light.
  if (fineTune) reasons.unshift(reason('PLAN_FINETUNE', { parentRun: fineTune.parentRun }));
  else if (options.pretrained) reasons.unshift(reason('PLAN_START_PRETRAINED', { ...options.pretrained }));
  const fraction = fractionOverride ?? (choice.device.kind === 'gpu' ? RULES.gpuMemoryFraction : RULES.cpuMemoryFraction);
  const devices = ov.devices ?? 1;

  // Several devices train in lock-step, so the smallest of them sets the per-device budget.
  let budgetBytes = choice.budgetBytes;
  const device: PlanDevice = choice.device;
  if (devices > 1) {
    if (choice.device.kind === 'gpu' && choice.gpus.length >= devices) {
      const used = choice.gpus.slice(0, devices);
      const smallest = used[used.length - 1]!;
      budgetBytes = smallest.freeBytes * fraction;
      reasons.push(reason('PLAN_MULTI_DEVICE_BUDGET', { devices, budgetGiB: gib(budgetBytes), index: smallest.gpu.index }));
    } else {
      reasons.push(reason('PLAN_DEVICES_ASSUMED', { devices, name: device.name, found: choice.device.kind === 'gpu' ? choice.gpus.length : 0 }));
    }
    reasons.push(reason('PLAN_LOCAL_ENGINE_ONE', { devices, name: device.name }));
  }

  const epochs = ov.epochs ?? RULES.defaultEpochs;
  const ctx: MemoryContext = { backend: choice.backend, deviceKey: calibrationDeviceKey(choice.device), calibrations: options.calibrations ?? [], stepMemoryVersion: options.stepMemoryVersion ?? STEP_MEMORY_VERSION };
  const inp: CoreInput = { hw: hardware, model, imgsz, trainImages, epochs, devices, budgetBytes, ov, ctx, choice };

  // Optimizer: AdamW for short runs, SGD for long ones. The run length depends on the batch,
  // which depends on the optimizer's state memory: plan with AdamW's (larger) state first, and
  // if the run is long, re-plan with SGD keeping the same decision.
  let core: CorePlan;
  const optReasons: Reason[] = [];
  if (ov.optimizer) {
    core = planCore(inp, ov.optimizer);
    optReasons.push(reason('PLAN_OPTIMIZER_OVERRIDE', { optimizer: ov.optimizer === 'sgd' ? 'SGD' : 'AdamW', totalSteps: core.totalSteps }));
  } else {
    core = planCore(inp, 'adamw');
    if (core.totalSteps >= RULES.adamwMaxSteps) {
      let sgd = planCore(inp, 'sgd');
      if (sgd.totalSteps < RULES.adamwMaxSteps) sgd = planCore(inp, 'sgd', core.batch);
      core = sgd;
      optReasons.push(reason('PLAN_OPTIMIZER_SGD', { totalSteps: core.totalSteps, threshold: RULES.adamwMaxSteps, momentum: OPTIMIZER_RULES.sgd.momentum }));
    } else {
      optReasons.push(reason('PLAN_OPTIMIZER_ADAMW', { totalSteps: core.totalSteps, threshold: RULES.adamwMaxSteps }));
    }
  }
  const optimizer = core.optimizer;
  const warnings: Reason[] = [...(options.tiling?.warnings ?? []), ...core.warnings];
  const predictedBytes = predictBytes(core.line, core.batch);

  reasons.push(
    core.line.source === 'calibration'
      ? reason('PLAN_MEMORY_CALIBRATED', { fixedMiB: mib(core.line.fixedBytes), perImageMiB: mib(core.line.perImageBytes), measuredAt: core.line.calibration?.measuredAt ?? '', points: core.line.calibration?.points.length ?? 0 })
      : reason('PLAN_MEMORY_ESTIMATE', { fixedMiB: mib(core.line.fixedBytes), perImageMiB: mib(core.line.perImageBytes), params: core.figures.params, activationMiB: sig(core.figures.activationBytesPerImage / 1024 ** 2), imgsz }),
  );
  reasons.push(...core.reasons);
  if (devices > 1) reasons.push(reason('PLAN_MULTI_DEVICE', { devices, batch: core.batch, accumulation: core.accumulation, effectiveBatch: core.effectiveBatch, sync: core.spec.norm === 'batch' ? 'yes' : 'no' }));
  reasons.push(reason(ov.epochs === undefined ? 'PLAN_EPOCHS_DEFAULT' : 'PLAN_EPOCHS_OVERRIDE', { epochs, stepsPerEpoch: core.stepsPerEpoch, totalSteps: core.totalSteps }));
  reasons.push(...optReasons);

  // Learning rate.
  const E = core.effectiveBatch;
  const strict = strictLr(optimizer, E);
  let lr: number;
  if (ov.lr !== undefined) {
    lr = ov.lr;
    reasons.push(reason('PLAN_LR_OVERRIDE', { lr, strict: sig(strict), effectiveBatch: E }));
    if (E > RULES.nominalBatch && lr >= strict * (1 - 1e-9)) {
      warnings.push(reason('PLAN_WARN_LR_ABOVE_LINEAR', { lr, strict: sig(strict), planned: planLr(optimizer, E).lr, effectiveBatch: E }));
    }
  } else {
    const p = planLr(optimizer, E);
    lr = p.lr;
    reasons.push(...p.reasons);
    if (fineTune) {
      lr = sig(p.lr * FINETUNE_RULES.lrFactor);
      reasons.push(reason('PLAN_FINETUNE_LR', { lr, scratchLr: p.lr, factor: FINETUNE_RULES.lrFactor, parentRun: fineTune.parentRun }));
    }
  }
  const rules = OPTIMIZER_RULES[optimizer];
  const plannedWeightDecay = weightDecayFor(optimizer, E);
  const weightDecay = ov.weightDecay ?? plannedWeightDecay;
  if (ov.weightDecay !== undefined) reasons.push(reason('PLAN_WEIGHT_DECAY_OVERRIDE', { weightDecay, planned: plannedWeightDecay, effectiveBatch: E }));
  else reasons.push(reason(optimizer === 'sgd' ? 'PLAN_WEIGHT_DECAY_SGD' : 'PLAN_WEIGHT_DECAY_ADAMW', { weightDecay, ref: rules.refWeightDecay, effectiveBatch: E, nominal: RULES.nominalBatch }));

  // Schedule: the warmup rule's length, or the engineer's (quoted against the rule's).
  const warmup = planWarmup(core.stepsPerEpoch, core.totalSteps, core.effectiveBatch, { fineTune: !!fineTune });
  const warmupSteps = ov.warmupEpochs === undefined ? warmup.steps : warmupStepsFor(ov.warmupEpochs, core.stepsPerEpoch, core.totalSteps);
  const schedule = buildSchedule(optimizer, lr, warmupSteps, core.totalSteps, { fineTune: !!fineTune });
  reasons.push(
    reason(optimizer === 'sgd' ? (fineTune ? 'PLAN_WARMUP_SGD_FINETUNE' : 'PLAN_WARMUP_SGD') : 'PLAN_WARMUP_ADAMW', {
      warmupSteps,
      lr,
      biasLr: SCHEDULE_RULES.sgdWarmupBiasLr,
      momentumFrom: SCHEDULE_RULES.sgdWarmupMomentum,
      momentum: rules.momentum,
    }),
  );
  const warmupFigures = {
    warmupSteps,
    epochs: fineTune ? FINETUNE_RULES.warmupEpochs : SCHEDULE_RULES.warmupEpochs,
    epochSteps: warmup.epochSteps,
    minImages: SCHEDULE_RULES.warmupMinImages,
    imageSteps: warmup.imageSteps,
    effectiveBatch: E,
    percent: SCHEDULE_RULES.maxWarmupFraction * 100,
    totalSteps: core.totalSteps,
    wantedSteps: warmup.wantedSteps,
  };
  if (ov.warmupEpochs === undefined) {
    const warmupRuleCode = { epochs: 'PLAN_WARMUP_RULE_EPOCHS', images: 'PLAN_WARMUP_RULE_IMAGES', cap: 'PLAN_WARMUP_RULE_CAP' } as const;
    reasons.push(reason(warmupRuleCode[warmup.rule], warmupFigures));
    if (warmup.rule === 'cap') warnings.push(reason('PLAN_WARN_SHORT_RUN', warmupFigures));
  } else {
    reasons.push(reason('PLAN_WARMUP_OVERRIDE', { warmupEpochs: ov.warmupEpochs, warmupSteps, stepsPerEpoch: core.stepsPerEpoch, planned: warmup.steps }));
    const w = warmupOverrideWarning(warmupSteps, core.totalSteps, warmup.steps);
    if (w) warnings.push(w);
  }
  if (fineTune) reasons.push(...fineTuneReasons(fineTune, core.spec.norm, ov.warmupEpochs === undefined ? warmupFigures.epochs : null));
  reasons.push(reason('PLAN_COSINE', { finalLr: sig(lr * SCHEDULE_RULES.finalFactor), percent: SCHEDULE_RULES.finalFactor * 100, totalSteps: core.totalSteps }));

  // Regularisation for very large effective batches.
  const large = E > RULES.maxEffectiveBatch;
  const regularization = {
    labelSmoothing: ov.labelSmoothing ?? (large ? SCHEDULE_RULES.largeBatchLabelSmoothing : 0),
    cutmix: ov.cutmix ?? large,
  };
  if (large && (ov.labelSmoothing === undefined || ov.cutmix === undefined)) {
    reasons.push(reason('PLAN_REGULARIZATION', { effectiveBatch: E, max: RULES.maxEffectiveBatch, labelSmoothing: regularization.labelSmoothing, cutmix: regularization.cutmix ? 'on' : 'off' }));
  }

  // Multi-GPU machines: how the same effective batch splits over every card.
  let dataParallel: TrainingPlan['dataParallel'] = null;
  if (devices === 1 && choice.gpus.length > 1) {
    const dp = dataParallelPlan(choice, core, fraction);
    if (dp) {
      dataParallel = dp.plan;
      reasons.push(dp.reason);
    }
  }

  // Warnings on the final numbers, whoever chose them.
  const batch = core.batch;
  if (batch === 1) warnings.push(reason('PLAN_WARN_BATCH_ONE', {}));
  if (batch < RULES.minBatchNormBatch && core.spec.norm === 'batch') warnings.push(reason('PLAN_WARN_SMALL_BATCH_BN', { batch, min: RULES.minBatchNormBatch }));
  if (lr >= 0.1) warnings.push(reason('PLAN_WARN_LR_HIGH', { lr }));
  if (fineTune) {
    // A fine-tune's safe range is the from-scratch one scaled like its LR.
    const f = FINETUNE_RULES.lrFactor;
    if (!lrInSafeRange(optimizer, lr / f)) {
      warnings.push(reason('PLAN_WARN_FINETUNE_LR_UNSAFE', { lr, min: sig(rules.safeMin * f), max: sig(rules.safeMax * f), factor: f, optimizer: optimizer === 'sgd' ? 'SGD' : 'AdamW', parentRun: fineTune.parentRun }));
    }
  } else if (!lrInSafeRange(optimizer, lr)) warnings.push(reason('PLAN_WARN_LR_UNSAFE', { lr, min: rules.safeMin, max: rules.safeMax, optimizer: optimizer === 'sgd' ? 'SGD' : 'AdamW' }));
  // Weight decay scales with E like the LR: outside what E 16-128 gives (the planner's own range) it is unsafe too.
  const wdMin = sig((rules.refWeightDecay * RULES.floorEffectiveBatch) / RULES.nominalBatch);
  const wdMax = sig((rules.refWeightDecay * RULES.maxEffectiveBatch) / RULES.nominalBatch);
  if (weightDecay < wdMin || weightDecay > wdMax) {
    const figures = { weightDecay, effectiveBatch: E, min: wdMin, max: wdMax, optimizer: optimizer === 'sgd' ? 'SGD' : 'AdamW' };
    warnings.push(ov.weightDecay === undefined ? reason('PLAN_WARN_WEIGHT_DECAY_UNSAFE', figures) : reason('PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE', { ...figures, planned: plannedWeightDecay }));
  }
  if (E < RULES.minEffectiveBatch) warnings.push(reason('PLAN_WARN_SMALL_E', { effectiveBatch: E, min: RULES.minEffectiveBatch }));
  if (large && regularization.labelSmoothing === 0 && !regularization.cutmix) warnings.push(reason('PLAN_WARN_LARGE_E_NO_REG', { effectiveBatch: E, max: RULES.maxEffectiveBatch }));
  if (predictedBytes > budgetBytes) warnings.push(reason('PLAN_WARN_OVER_BUDGET', { batch, predictedGiB: gib(predictedBytes), budgetGiB: gib(budgetBytes), maxBatch: core.maxBatch }));

  return {
    device,
    backend: choice.backend,
    devices,
    perDeviceBatch: batch,
    accumulation: core.accumulation,
    effectiveBatch: E,
    trainImages,
    batchesPerEpoch: core.batchesPerEpoch,
    stepsPerEpoch: core.stepsPerEpoch,
    totalSteps: core.totalSteps,
    epochs,
    optimizer,
    lr,
    momentum: rules.momentum,
    nesterov: rules.nesterov,
    weightDecay,
    warmupSteps,
    schedule,
    norm: core.spec.norm as NormKind,
    modelSpec: core.spec,
    figures: {
      params: core.figures.params,
      buffers: core.figures.buffers,
      gflopsPerImage: sig(core.figures.forwardFlopsPerImage / 1e9),
      activationBytesPerImage: core.figures.activationBytesPerImage,
    },
    regularization,
    memory: {
      budgetBytes: Math.floor(budgetBytes),
      predictedBytes: Math.ceil(predictedBytes),
      fixedBytes: Math.ceil(core.line.fixedBytes),
      perImageBytes: Math.ceil(core.line.perImageBytes),
      maxBatch: core.maxBatch,
      source: core.line.source,
      calibratedAt: core.line.calibration?.measuredAt ?? null,
    },
    dataParallel,
    overrides: ov,
    tiles: options.tiling?.tiles ?? null,
    ...(fineTune ? { parentRun: fineTune.parentRun } : options.pretrained ? { pretrained: options.pretrained.name } : {}),
    reasons,
    warnings,
  };
}
