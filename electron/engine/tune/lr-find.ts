/**
 * The LR range test, in-process: plans the run for this machine (the planned batch layout and
 * optimizer), then runs up to a few hundred optimizer steps of the real training step (the
 * engine's computeGradientsAsync, accumulation, clipping and optimizer) with an exponentially
 * rising LR, records the smoothed loss per step, stops when it diverges, chooses the LR
 * (lr-choice.ts) and writes lr-find.json into the run folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { BackendId } from '../../shared/schemas/hardware';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import type { ModelScale } from '../../shared/schemas/model';
import type { TrainingPlan } from '../../shared/schemas/plan';
import type { LrFindPoint, LrFindResult } from '../../shared/schemas/tune';
import { toOutOfMemory } from '../backend/index';
import { createLoader } from '../data/loader/index';
import { anchorsFor } from '../eval/index';
import { createDetector } from '../model/detector';
import { writeJsonAtomic } from '../runs/atomic';
import { GradientAccumulator } from '../train/accumulate';
import { augmentFor } from '../train/context';
import { clipByGlobalNorm, createOptimizer } from '../train/optim';
import { computeGradientsAsync } from '../train/step';
import { CLIP_NORM } from '../train/update';
import { planForTune } from './planned';
import { LR_FIND_DEFAULTS, chooseLr, rangeLr, smoothNext, smoothingBeta, stopReason, type Smoother } from './lr-choice';

/** Options of {@link runLrFind}. */
export interface LrFindOptions {
  datasetPath: string;
  model: { scale: ModelScale; imgsz: number };
  /** The run folder lr-find.json goes to (created when missing). */
  runDir: string;
  steps?: number;
  lrMin?: number;
  lrMax?: number;
  divergeFactor?: number;
  seed?: number;
  /** Epochs the plan is made for (the optimizer choice depends on the run's length). Default 100. */
  epochs?: number;
  overrides?: UserOverrides;
  augment?: 'default' | 'light' | 'none';
  workers?: number;
  backend?: BackendId;
  /** Cap training images (tests). */
  maxTrainImages?: number;
  signal?: AbortSignal;
  /** Each step as it is measured. */
  onPoint?: (p: LrFindPoint) => void;
}

/**
 * Runs the LR range test and writes `<runDir>/lr-find.json`. Plans like `kestrel train` (stored
 * memory calibrations are used; none is measured), trains fresh weights for `steps` optimizer
 * steps at the planned layout with the LR rising from lrMin to lrMax, stops early when the
 * smoothed loss passes divergeFactor x its best or stops being finite, and chooses the LR.
 */
export async function runLrFind(opts: LrFindOptions): Promise<LrFindResult> {
  const t0 = Date.now();
  const steps = opts.steps ?? LR_FIND_DEFAULTS.steps;
  const lrMin = opts.lrMin ?? LR_FIND_DEFAULTS.lrMin;
  const lrMax = opts.lrMax ?? LR_FIND_DEFAULTS.lrMax;
  const divergeFactor = opts.divergeFactor ?? LR_FIND_DEFAULTS.divergeFactor;
  const seed = opts.seed ?? 0;
  if (steps < LR_FIND_DEFAULTS.minSteps) throw new KestrelError('TUNE_TOO_FEW_STEPS', reason('TUNE_TOO_FEW_STEPS', { min: LR_FIND_DEFAULTS.minSteps, steps }).message);
  const { backend, train, plan } = await planForTune({
    datasetPath: opts.datasetPath,
    model: opts.model,
    epochs: opts.epochs ?? opts.overrides?.epochs ?? 100,
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.maxTrainImages ? { maxTrainImages: opts.maxTrainImages } : {}),
  });
  await mkdir(opts.runDir, { recursive: true });
  const beta = smoothingBeta(steps);
  const { curve, stopped } = await rangeTest(plan, train, { steps, lrMin, lrMax, divergeFactor, seed, beta, augment: opts.augment ?? 'default', workers: opts.workers, signal: opts.signal, onPoint: opts.onPoint });
  const choice = chooseLr(curve, { optimizer: plan.optimizer, plannedLr: plan.lr });
  const result: LrFindResult = {
    version: 1,
    createdAt: new Date().toISOString(),
    datasetPath: opts.datasetPath,
    model: { scale: opts.model.scale, imgsz: opts.model.imgsz },
    plan: { optimizer: plan.optimizer, lr: plan.lr, perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation, effectiveBatch: plan.effectiveBatch, weightDecay: plan.weightDecay },
    settings: { steps, lrMin, lrMax, beta, divergeFactor, seed },
    curve,
    stopped,
    choice,
    overrides: { lr: choice.lr },
    seconds: (Date.now() - t0) / 1000,
    backend: backend.id,
  };
  await writeJsonAtomic(join(opts.runDir, 'lr-find.json'), result);
  return result;
}

interface RangeSettings {
  steps: number;
  lrMin: number;
  lrMax: number;
  divergeFactor: number;
  seed: number;
  beta: number;
  augment: 'default' | 'light' | 'none';
  workers: number | undefined;
  signal: AbortSignal | undefined;
  onPoint: ((p: LrFindPoint) => void) | undefined;
}

/** The steps themselves: the training step of the engine, with the range test's LR. */
async function rangeTest(plan: TrainingPlan, records: Parameters<typeof createLoader>[0]['records'], s: RangeSettings): Promise<{ curve: LrFindPoint[]; stopped: Reason | null }> {
  const spec = plan.modelSpec;
  const det = createDetector(spec, { seed: s.seed });
  const opt = createOptimizer(plan.optimizer, det.params());
  const accum = new GradientAccumulator();
  const loader = createLoader({
    records,
    imgsz: spec.imgsz,
    batchSize: plan.perDeviceBatch,
    augment: augmentFor(s.augment, plan.epochs, plan.regularization),
    seed: s.seed,
    shuffle: true,
    cache: 'ram',
    ...(s.workers !== undefined ? { workers: s.workers } : {}),
  });
  const anchors = anchorsFor(spec.imgsz);
  const curve: LrFindPoint[] = [];
  const smoother: Smoother = { avg: 0, count: 0 };
  let best = Infinity;
  let stopped: Reason | null = null;
  let micro = 0;
  let lossSum = 0;
  try {
    for (let epoch = 0; curve.length < s.steps && stopped === null && !s.signal?.aborted; epoch++) {
      for await (const batch of loader.epoch(epoch)) {
        let res: Awaited<ReturnType<typeof computeGradientsAsync>>;
        try {
          res = await computeGradientsAsync(det, batch, { anchors, loss: { scale: batch.size, labelSmoothing: plan.regularization.labelSmoothing }, readLoss: true });
        } catch (err) {
          throw toOutOfMemory(err);
        }
        accum.add(res.grads);
        const l = res.loss!;
        lossSum += l.box + l.cls + l.dfl;
        if (++micro < plan.accumulation) continue;
        const step = curve.length;
        const lr = rangeLr(step, s.steps, s.lrMin, s.lrMax);
        const loss = lossSum / micro;
        micro = 0;
        lossSum = 0;
        const finite = await applyStep(opt, accum, { lr, biasLr: lr, momentum: plan.schedule.momentum, weightDecay: plan.weightDecay }, loss);
        const smooth = finite ? smoothNext(smoother, loss, s.beta) : Number.NaN;
        const point: LrFindPoint = { step, lr, loss, smooth };
        stopped = stopReason(point, best, s.divergeFactor);
        if (!finite || !Number.isFinite(smooth)) break;
        curve.push(point);
        s.onPoint?.(point);
        best = Math.min(best, smooth);
        if (stopped !== null || curve.length >= s.steps || s.signal?.aborted) break;
      }
    }
  } finally {
    accum.reset();
    await loader.close().catch(() => undefined);
    opt.dispose();
    det.dispose();
  }
  return { curve, stopped };
}

/** One update from the accumulated gradients, clipped as training clips them; false when anything was not finite. */
async function applyStep(opt: ReturnType<typeof createOptimizer>, accum: GradientAccumulator, hyper: { lr: number; biasLr: number; momentum: number; weightDecay: number }, loss: number): Promise<boolean> {
  const summed = accum.take();
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(summed));
    return false;
  }
  const clipped = clipByGlobalNorm(summed, CLIP_NORM);
  tf.dispose(Object.values(summed));
  try {
    const norm = (await clipped.norm.data())[0] as number;
    if (!Number.isFinite(norm)) return false;
    opt.apply(clipped.grads, hyper);
    return true;
  } finally {
    tf.dispose([...Object.values(clipped.grads), clipped.norm]);
  }
}
