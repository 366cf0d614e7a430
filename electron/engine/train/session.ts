import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { EpochMetrics, Loss } from '../../shared/schemas/events';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import type { TrainingPlan } from '../../shared/schemas/plan';
import type { TrainConfig, TrainFaults } from '../../shared/schemas/train-config';
import { assertFiniteLoss, outOfMemoryError, toOutOfMemory } from '../backend/index';
import { defaultAugmentOptions, type AugmentOptions } from '../data/augment/index';
import { createLoader, type Loader } from '../data/loader/index';
import { anchorsFor } from '../eval/index';
import { createDetector, type Detector } from '../model/detector';
import { lrAt } from '../plan/schedule';
import { saveCheckpoint, type ModelMeta, type TrainState } from '../runs/checkpoint';
import { writeJsonAtomic } from '../runs/atomic';
import { appendMetricsRow, type RunPaths } from '../runs/run-dir';
import { GradientAccumulator } from './accumulate';
import { ModelEma } from './ema';
import type { EventSink } from './events';
import { processRestarts } from './faults';
import { fitness, validationDue } from './fitness';
import { clipByGlobalNorm, createOptimizer, type Optimizer } from './optim';
import { computeGradients } from './step';
import { validate, type ImagePredictions } from './validate';

/** Gradient clipping: max global L2 norm (Ultralytics' 10). */
export const CLIP_NORM = 10;
/** Non-finite updates in a row before going back to the last checkpoint with a lower LR. */
export const NAN_STREAK_LIMIT = 3;

/** One optimizer step as it happened (for onStep watchers: tests, benchmarks). */
export interface StepRecord {
  /** Schedule position of this update (0-based). */
  step: number;
  epoch: number;
  lr: number;
  biasLr: number;
  momentum: number;
  /** True when the update was skipped (non-finite loss or gradient). */
  skipped: boolean;
  /** Global gradient norm before clipping (NaN when skipped before it was computed). */
  gradNorm: number;
  microBatches: number;
  images: number;
}

/**
 * The loss multiplier of one micro-batch. Ultralytics scales the YOLO loss to its batch
 * (loss x images, so its LRs and weight decay carry over); a micro-batch is 1/accumulation of
 * the effective batch, whose loss is that scale times the accumulation, divided by the
 * accumulation steps. Summed over the micro-batches, the gradients equal one update over the
 * whole effective batch (test/engine/train/accumulation.test.ts).
 */
export function microBatchLossScale(microBatchImages: number, accumulation: number): number {
  const effectiveBatchScale = microBatchImages * accumulation;
  return effectiveBatchScale / accumulation;
}

/** Raised inside a session so the run goes back to its last checkpoint with a lower LR. */
export class NanStreak extends Error {
  constructor(readonly step: number) {
    super(`${NAN_STREAK_LIMIT} non-finite updates in a row at step ${step}`);
  }
}

/** What a session needs that does not change between restarts. */
export interface SessionContext {
  cfg: TrainConfig;
  paths: RunPaths;
  plan: TrainingPlan;
  classNames: string[];
  train: ImageRecord[];
  val: ImageRecord[];
  valEvery: number;
  sink: EventSink;
  faults: TrainFaults;
  backend: string;
  device: string;
  signal: AbortSignal | undefined;
  onStep: ((s: StepRecord) => void) | undefined;
  /** Set once a session emitted train-start (restarts emit `recovered` instead). */
  started: boolean;
  resumed: boolean;
  /** Across sessions: time and images of this process. */
  trainMs: number;
  valMs: number;
  imagesThisProcess: number;
  /** The best epoch's evaluation, once this process saw it. */
  bestEvaluation: EvaluationResult | null;
  /** Injected NaN steps already fired (each fires once per process, so a recovery can succeed). */
  nanFired: Set<number>;
  /** Peak bytes measured on the first step of the last session. */
  measuredPeakBytes: number | null;
}

/** Where a session starts: a checkpoint's tensors and state, or nothing (fresh weights). */
export interface SessionStart {
  state: TrainState;
  raw: Map<string, tf.Tensor> | null;
  ema: Map<string, tf.Tensor> | null;
  optimizer: Record<string, tf.Tensor> | null;
}

/** How a session ended (errors and recoveries throw). */
export interface SessionOutcome {
  status: 'completed' | 'stopped' | 'early-stopped';
  state: TrainState;
  lastMetrics: EpochMetrics | null;
}

/** The augmentation recipe of a run. */
export function augmentFor(kind: TrainConfig['augment'], epochs: number, regularization?: TrainingPlan['regularization']): AugmentOptions | null {
  if (kind === 'none') return null;
  // CutMix as the plan decides (on for large effective batches): half of the images get a patch.
  const cutmix = regularization?.cutmix ? 0.5 : 0;
  if (kind === 'light') return defaultAugmentOptions({ epochs, mosaic: 0, scale: 0.25, translate: 0.05, cutmix });
  return defaultAugmentOptions({ epochs, cutmix });
}

/** A fresh loop state at the start of a run. */
export function initialState(plan: TrainingPlan, seed: number): TrainState {
  return {
    version: 1,
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    optimizer: plan.optimizer,
    optimizerStep: 0,
    emaUpdates: 0,
    layout: { perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation },
    lrFactor: 1,
    seed,
    best: null,
    staleEpochs: 0,
    epochLoss: { total: 0, box: 0, cls: 0, dfl: 0, batches: 0 },
    imagesSeen: 0,
    elapsedMs: 0,
    savedAt: new Date().toISOString(),
  };
}

const meanLoss = (l: TrainState['epochLoss']): Loss => {
  const n = Math.max(1, l.batches);
  return { total: l.total / n, parts: { box: l.box / n, cls: l.cls / n, dfl: l.dfl / n } };
};

/**
 * Runs epochs from `start` to the end of the plan (or a stop, or early stopping), following the
 * plan exactly: micro-batches of the per-device batch, each loss scaled to the effective batch
 * and divided by the accumulation steps, gradients summed, one clipped optimizer update per
 * `accumulation` micro-batches with lrAt(step) (LR, bias LR, momentum) at every update, the EMA
 * after each update, validation of the EMA weights, best/last checkpoints.
 *
 * Throws OUT_OF_MEMORY (KestrelError) and NanStreak for the caller to recover from.
 */
export async function runSession(ctx: SessionContext, start: SessionStart): Promise<SessionOutcome> {
  const { cfg, plan, paths, sink } = ctx;
  const st: TrainState = structuredClone(start.state);
  const layout = st.layout;
  const acc = layout.accumulation;
  const spec = plan.modelSpec;
  const epochs = plan.epochs;
  const det = createDetector(spec, { seed: cfg.seed });
  let evalDet: Detector | null = null;
  let opt: Optimizer | null = null;
  let ema: ModelEma | null = null;
  const loaders: Loader[] = [];
  const accum = new GradientAccumulator();
  try {
    opt = createOptimizer(plan.optimizer, det.params());
    if (start.raw) det.setState(start.raw);
    if (start.optimizer) opt.setState({ kind: plan.optimizer, step: st.optimizerStep, slots: start.optimizer });
    ema = new ModelEma(start.ema ?? det.state(), { updates: st.emaUpdates });
    const workers = cfg.workers;
    const trainLoader = createLoader({
      records: ctx.train,
      imgsz: spec.imgsz,
      batchSize: layout.perDeviceBatch,
      augment: augmentFor(cfg.augment, epochs, plan.regularization),
      seed: cfg.seed,
      shuffle: true,
      cache: cfg.cache,
      ...(workers !== undefined ? { workers } : {}),
    });
    loaders.push(trainLoader);
    const valRecords = ctx.val;
    const valLoader =
      valRecords.length > 0
        ? createLoader({
            records: valRecords,
            imgsz: spec.imgsz,
            batchSize: cfg.valBatch ?? Math.min(16, 2 * layout.perDeviceBatch),
            augment: null,
            seed: cfg.seed,
            shuffle: false,
            cache: cfg.cache,
            ...(workers !== undefined ? { workers } : {}),
          })
        : null;
    if (valLoader) loaders.push(valLoader);
    if (valLoader) evalDet = createDetector(spec, { seed: cfg.seed });
    const batches = trainLoader.batchesPerEpoch;
    const anchors = anchorsFor(spec.imgsz);

    if (!ctx.started) {
      ctx.started = true;
      sink.emit({
        type: 'train-start',
        t: Date.now(),
        runDir: paths.dir,
        epochs,
        startEpoch: st.epoch,
        batchesPerEpoch: batches,
        totalSteps: plan.totalSteps,
        trainImages: ctx.train.length,
        valImages: valRecords.length,
        backend: ctx.backend,
        device: ctx.device,
        resumed: ctx.resumed,
      });
    }

    const meta = (epoch: number, metrics: EpochMetrics | null): ModelMeta => ({
      format: 'kestrel-detector',
      version: 1,
      spec,
      classNames: ctx.classNames,
      imgsz: spec.imgsz,
      epoch,
      step: st.step,
      metrics,
      savedAt: new Date().toISOString(),
    });
    const sessionT0 = Date.now();
    const elapsedAtStart = st.elapsedMs;
    const saveLast = async (epochForMeta: number): Promise<void> => {
      st.optimizerStep = opt!.step;
      st.emaUpdates = ema!.updates;
      st.elapsedMs = elapsedAtStart + (Date.now() - sessionT0);
      st.savedAt = new Date().toISOString();
      const optState = opt!.getState();
      try {
        await saveCheckpoint(paths.last, meta(epochForMeta, st.best?.metrics ?? null), { model: det, ema: ema!.shadow, raw: det.state(), optimizer: optState.slots }, st);
      } finally {
        tf.dispose(Object.values(optState.slots));
      }
      sink.emit({ type: 'checkpoint-saved', t: Date.now(), epoch: epochForMeta, kind: 'last', path: paths.last });
    };

    let lastCkptAt = Date.now();
    let stepsSinceCkpt = 0;
    let nanStreak = 0;
    let lastMetrics: EpochMetrics | null = null;
    const totalImages = epochs * ctx.train.length;

    for (let epoch = st.epoch; epoch < epochs; epoch++) {
      const startBatch = epoch === st.epoch ? st.batchInEpoch : 0;
      if (startBatch === 0) st.epochLoss = { total: 0, box: 0, cls: 0, dfl: 0, batches: 0 };
      st.epoch = epoch;
      st.batchInEpoch = startBatch;
      sink.emit({ type: 'epoch-start', t: Date.now(), epoch, epochs });
      const epochT0 = Date.now();
      let b = startBatch;
      let groupImages = 0;
      let groupMicro = 0;
      let groupBad: number | null = null;
      let lastLr = lrAt(plan.schedule, st.step).lr * st.lrFactor;

      for await (const batch of trainLoader.epoch(epoch, { startBatch })) {
        if (groupMicro === 0 && ctx.signal?.aborted) {
          st.batchInEpoch = b;
          await saveLast(epoch);
          ctx.trainMs += Date.now() - epochT0;
          return { status: 'stopped', state: st, lastMetrics };
        }
        if (groupMicro === 0 && ctx.faults.crashAtStep === st.step && processRestarts() === 0) {
          // Fault injection: die like a native crash, mid-epoch, with no chance to clean up.
          process.kill(process.pid, 'SIGKILL');
        }
        if (ctx.faults.oomAtStep === st.step && layout.perDeviceBatch > (ctx.faults.oomWhileBatchAbove ?? 1)) {
          throw outOfMemoryError('injected fault', { injected: true, step: st.step });
        }
        const first = ctx.measuredPeakBytes === null;
        let res: ReturnType<typeof computeGradients> | undefined;
        try {
          const lossScale = microBatchLossScale(batch.size, acc);
          const compute = () => computeGradients(det, batch, { anchors, loss: { scale: lossScale, labelSmoothing: plan.regularization.labelSmoothing }, readLoss: true });
          if (first) {
            const info = await tf.profile(() => {
              res = compute();
              return Object.values(res.grads);
            });
            ctx.measuredPeakBytes = info.peakBytes;
          } else {
            res = compute();
          }
        } catch (err) {
          throw toOutOfMemory(err);
        }
        const r = res!;
        const loss = r.loss!;
        let total = loss.total;
        if (ctx.faults.nanAtSteps?.includes(st.step) && !ctx.nanFired.has(st.step)) {
          ctx.nanFired.add(st.step);
          total = Number.NaN;
        }
        try {
          assertFiniteLoss(total, st.step);
          accum.add(r.grads);
          st.epochLoss.total += loss.box + loss.cls + loss.dfl;
          st.epochLoss.box += loss.box;
          st.epochLoss.cls += loss.cls;
          st.epochLoss.dfl += loss.dfl;
          st.epochLoss.batches += 1;
        } catch (err) {
          tf.dispose(Object.values(r.grads));
          if (!(err instanceof KestrelError && err.code === 'LOSS_NOT_FINITE')) throw err;
          groupBad = total;
        }
        b++;
        groupMicro++;
        groupImages += batch.size;
        st.imagesSeen += batch.size;
        ctx.imagesThisProcess += batch.size;

        if (b % acc === 0 || b === batches) {
          const h = lrAt(plan.schedule, st.step);
          const hyper = { lr: h.lr * st.lrFactor, biasLr: h.biasLr * st.lrFactor, momentum: h.momentum, weightDecay: plan.weightDecay };
          let gradNorm = Number.NaN;
          let skipped = groupBad !== null;
          if (!skipped) {
            const summed = accum.take();
            const clipped = clipByGlobalNorm(summed, CLIP_NORM);
            tf.dispose(Object.values(summed));
            gradNorm = clipped.norm.dataSync()[0] as number; // sync point: one scalar per update
            if (Number.isFinite(gradNorm)) opt.apply(clipped.grads, hyper);
            else {
              skipped = true;
              groupBad = gradNorm;
            }
            tf.dispose([...Object.values(clipped.grads), clipped.norm]);
            if (!skipped) ema.update(det.state());
          } else {
            accum.reset();
          }
          ctx.onStep?.({ step: st.step, epoch, lr: hyper.lr, biasLr: hyper.biasLr, momentum: hyper.momentum, skipped, gradNorm, microBatches: groupMicro, images: groupImages });
          if (skipped) {
            nanStreak++;
            sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_NAN_SKIPPED', { step: st.step, value: String(groupBad) }) });
            if (nanStreak >= NAN_STREAK_LIMIT) throw new NanStreak(st.step);
          } else {
            nanStreak = 0;
          }
          lastLr = hyper.lr;
          st.step++;
          st.batchInEpoch = b;
          stepsSinceCkpt++;
          groupMicro = 0;
          groupImages = 0;
          groupBad = null;
          const bySteps = cfg.checkpointEverySteps > 0 && stepsSinceCkpt >= cfg.checkpointEverySteps;
          const byTime = cfg.checkpointEverySeconds > 0 && Date.now() - lastCkptAt >= cfg.checkpointEverySeconds * 1000;
          if ((bySteps || byTime) && b < batches) {
            await saveLast(epoch);
            lastCkptAt = Date.now();
            stepsSinceCkpt = 0;
          }
        }

        const trainMsNow = ctx.trainMs + (Date.now() - epochT0);
        const ips = trainMsNow > 0 ? (ctx.imagesThisProcess * 1000) / trainMsNow : 0;
        const left = totalImages - (epoch * ctx.train.length + Math.min(ctx.train.length, b * layout.perDeviceBatch));
        sink.emit({
          type: 'batch-end',
          t: Date.now(),
          epoch,
          batch: b,
          batches,
          step: st.step,
          loss: { total: loss.box + loss.cls + loss.dfl, parts: { box: loss.box, cls: loss.cls, dfl: loss.dfl } },
          lr: lastLr,
          imagesPerSec: ips,
          memoryBytes: Math.max(ctx.measuredPeakBytes ?? 0, tf.memory().numBytes),
          etaSeconds: ips > 0 ? Math.max(0, left) / ips : null,
        });
      }
      ctx.trainMs += Date.now() - epochT0;

      // Validation of the EMA weights.
      let metrics: EpochMetrics | null = null;
      let evaluation: EvaluationResult | null = null;
      let valImages: ImagePredictions[] = [];
      if (valLoader && evalDet && validationDue(epoch, epochs, ctx.valEvery)) {
        evalDet.setState(ema.shadow);
        const out = await validate(evalDet, valLoader, valRecords, ctx.classNames);
        ctx.valMs += out.durationMs;
        evaluation = out.evaluation;
        valImages = out.images;
        metrics = {
          map50: evaluation.map50,
          map50_95: evaluation.map50_95,
          precision: evaluation.precision,
          recall: evaluation.recall,
          fitness: fitness(evaluation),
        };
        lastMetrics = metrics;
      }
      const validated = metrics !== null;
      const fit = metrics ? (metrics.fitness ?? fitness(metrics)) : 0;
      const isBest = validated ? st.best === null || fit > st.best.fitness : !valLoader;
      if (isBest) {
        st.best = { fitness: fit, epoch, metrics: metrics ?? { map50: 0, map50_95: 0 } };
        await saveCheckpoint(paths.best, meta(epoch, metrics), { model: det, ema: ema.shadow });
        sink.emit({ type: 'checkpoint-saved', t: Date.now(), epoch, kind: 'best', path: paths.best });
        if (evaluation) {
          ctx.bestEvaluation = evaluation;
          // Kept beside the best weights so a resumed process (whose own epochs may never beat
          // this one) can still report the best model's full evaluation.
          await writeJsonAtomic(`${paths.best}/evaluation.json`, evaluation);
          await writeJsonAtomic(`${paths.dir}/val-predictions.json`, { classNames: ctx.classNames, images: valImages.slice(0, 500) });
        }
      }
      if (validated) st.staleEpochs = isBest ? 0 : st.staleEpochs + 1;
      const trainLoss = meanLoss(st.epochLoss);
      const epochMs = Date.now() - epochT0;
      // The next position is the start of the next epoch: save it before reporting the epoch.
      st.epoch = epoch + 1;
      st.batchInEpoch = 0;
      const ended = epoch + 1 >= epochs || st.staleEpochs >= cfg.patience;
      await saveLast(epoch);
      lastCkptAt = Date.now();
      stepsSinceCkpt = 0;
      const ips = ctx.trainMs > 0 ? (ctx.imagesThisProcess * 1000) / ctx.trainMs : 0;
      await appendMetricsRow(paths.metrics, {
        epoch,
        train_box: trainLoss.parts.box ?? null,
        train_cls: trainLoss.parts.cls ?? null,
        train_dfl: trainLoss.parts.dfl ?? null,
        train_total: trainLoss.total,
        map50: metrics?.map50 ?? null,
        map50_95: metrics?.map50_95 ?? null,
        precision: metrics?.precision ?? null,
        recall: metrics?.recall ?? null,
        fitness: metrics ? fit : null,
        lr: lastLr,
        images_per_sec: ips,
        epoch_seconds: epochMs / 1000,
      });
      sink.emit({ type: 'epoch-end', t: Date.now(), epoch, epochs, trainLoss, valLoss: null, metrics, best: isBest, lr: lastLr, durationMs: epochMs });
      if (!ended) continue;
      if (epoch + 1 < epochs) {
        const best = st.best!;
        sink.emit({
          type: 'warning',
          t: Date.now(),
          reason: reason('TRAIN_EARLY_STOP', { patience: cfg.patience, best: Number(best.fitness.toFixed(4)), bestEpoch: best.epoch + 1 }),
        });
        return { status: 'early-stopped', state: st, lastMetrics };
      }
    }
    return { status: 'completed', state: st, lastMetrics };
  } finally {
    accum.reset();
    for (const l of loaders) await l.close().catch(() => undefined);
    ema?.dispose();
    opt?.dispose();
    evalDet?.dispose();
    det.dispose();
  }
}
