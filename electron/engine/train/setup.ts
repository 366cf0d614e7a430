/**
 * Opening and closing a training session: the detector, optimizer and EMA from where the
 * session starts, the training and validation loaders, the train-start event (once per
 * process), and saving the `last` checkpoint at the loop's current position.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics } from '../../shared/schemas/events';
import { createLoader, type Loader } from '../data/loader/index';
import { anchorsFor } from '../eval/index';
import { createDetector, type Detector } from '../model/detector';
import { saveCheckpoint, type ModelMeta, type TrainState } from '../runs/checkpoint';
import { GradientAccumulator } from './accumulate';
import { augmentFor, type SessionContext, type SessionStart } from './context';
import { ModelEma } from './ema';
import { createOptimizer, type Optimizer } from './optim';

/** The live parts of one session (created by {@link openSession}, released by `close`). */
export interface Session {
  det: Detector;
  opt: Optimizer;
  ema: ModelEma;
  accum: GradientAccumulator;
  trainLoader: Loader;
  /** Null without validation images. */
  valLoader: Loader | null;
  /** The network validation loads the EMA weights into (null without validation images). */
  evalDet: Detector | null;
  anchors: ReturnType<typeof anchorsFor>;
  /** Micro-batches per epoch at this session's layout. */
  batches: number;
  /** What a checkpoint of `epoch` says about the model. */
  meta(epoch: number, metrics: EpochMetrics | null): ModelMeta;
  /** Saves weights/last at the loop's position `st` and announces it. */
  saveLast(epoch: number): Promise<void>;
  close(): Promise<void>;
}

/** Builds a session's model, optimizer, EMA and loaders from `start`, over the loop state `st`. */
export async function openSession(ctx: SessionContext, start: SessionStart, st: TrainState): Promise<Session> {
  const { cfg, plan, paths, sink } = ctx;
  const spec = plan.modelSpec;
  const det = createDetector(spec, { seed: cfg.seed });
  const parts: Array<{ dispose(): void }> = [det];
  const loaders: Loader[] = [];
  try {
    const opt = createOptimizer(plan.optimizer, det.params());
    parts.push(opt);
    if (start.raw) det.setState(start.raw);
    if (start.optimizer) opt.setState({ kind: plan.optimizer, step: st.optimizerStep, slots: start.optimizer });
    const ema = new ModelEma(start.ema ?? det.state(), { updates: st.emaUpdates });
    parts.push(ema);
    const loaderOf = (records: SessionContext['train'], batchSize: number, train: boolean): Loader => {
      const l = createLoader({
        records,
        imgsz: spec.imgsz,
        batchSize,
        augment: train ? augmentFor(cfg.augment, plan.epochs, plan.regularization) : null,
        seed: cfg.seed,
        shuffle: train,
        cache: cfg.cache,
        ...(cfg.workers !== undefined ? { workers: cfg.workers } : {}),
      });
      loaders.push(l);
      return l;
    };
    const trainLoader = loaderOf(ctx.train, st.layout.perDeviceBatch, true);
    const valLoader = ctx.val.length > 0 ? loaderOf(ctx.val, cfg.valBatch ?? Math.min(16, 2 * st.layout.perDeviceBatch), false) : null;
    const evalDet = valLoader ? createDetector(spec, { seed: cfg.seed }) : null;
    if (evalDet) parts.push(evalDet);
    const accum = new GradientAccumulator();
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
    const saveLast = async (epoch: number): Promise<void> => {
      st.optimizerStep = opt.step;
      st.emaUpdates = ema.updates;
      st.elapsedMs = elapsedAtStart + (Date.now() - sessionT0);
      st.savedAt = new Date().toISOString();
      const optState = opt.getState();
      try {
        await saveCheckpoint(paths.last, meta(epoch, st.best?.metrics ?? null), { model: det, ema: ema.shadow, raw: det.state(), optimizer: optState.slots }, st);
      } finally {
        tf.dispose(Object.values(optState.slots));
      }
      sink.emit({ type: 'checkpoint-saved', t: Date.now(), epoch, kind: 'last', path: paths.last });
    };
    const session: Session = {
      det,
      opt,
      ema,
      accum,
      trainLoader,
      valLoader,
      evalDet,
      anchors: anchorsFor(spec.imgsz),
      batches: trainLoader.batchesPerEpoch,
      meta,
      saveLast,
      close: async () => {
        accum.reset();
        await closeAll(loaders, parts);
      },
    };
    announceStart(ctx, st, session.batches);
    return session;
  } catch (err) {
    await closeAll(loaders, parts);
    throw err;
  }
}

async function closeAll(loaders: Loader[], parts: Array<{ dispose(): void }>): Promise<void> {
  for (const l of loaders) await l.close().catch(() => undefined);
  for (const p of parts.reverse()) p.dispose();
}

/** The train-start event, once per process (a restarted session announces a `recovered` instead). */
function announceStart(ctx: SessionContext, st: TrainState, batches: number): void {
  if (ctx.started) return;
  ctx.started = true;
  ctx.sink.emit({
    type: 'train-start',
    t: Date.now(),
    runDir: ctx.paths.dir,
    epochs: ctx.plan.epochs,
    startEpoch: st.epoch,
    batchesPerEpoch: batches,
    totalSteps: ctx.plan.totalSteps,
    trainImages: ctx.train.length,
    valImages: ctx.val.length,
    backend: ctx.backend,
    device: ctx.device,
    resumed: ctx.resumed,
  });
}
