/**
 * Opening and closing a training session: its step (detector, optimizer and EMA from where the
 * session starts, in this process or on a step host), the training and validation loaders, the
 * train-start event (once per process), and saving the `last` checkpoint at the loop's position.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics } from '../../shared/schemas/events';
import { createLoader, type Loader } from '../data/loader/index';
import { createDetector, type Detector } from '../model/detector';
import { saveCheckpoint, type ModelMeta, type TrainState } from '../runs/checkpoint';
import { augmentFor, type SessionContext, type SessionStart } from './context';
import { inProcessStep, type SessionStep, type SessionStepFactory } from './session-step';

/** The live parts of one session (created by {@link openSession}, released by `close`). */
export interface Session {
  /** The model, optimizer, accumulator and EMA, and the step on them: here or on a step host. */
  step: SessionStep;
  trainLoader: Loader;
  /** Null without validation images. */
  valLoader: Loader | null;
  /** The network validation loads the EMA weights into (null without validation images). */
  evalDet: Detector | null;
  /** Micro-batches per epoch at this session's layout. */
  batches: number;
  /** What a checkpoint of `epoch` says about the model. */
  meta(epoch: number, metrics: EpochMetrics | null): ModelMeta;
  /** Saves weights/last at the loop's position `st` and announces it. */
  saveLast(epoch: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds a session's step (model, optimizer, EMA: in this process, or on the step host
 * `ctx.hostStep` opens: the one place that decides) and its loaders from `start`, over the loop
 * state `st`.
 */
export async function openSession(ctx: SessionContext, start: SessionStart, st: TrainState): Promise<Session> {
  const { cfg, plan, paths, sink } = ctx;
  const spec = plan.modelSpec;
  const open: SessionStepFactory = ctx.hostStep ?? inProcessStep;
  const step = await open({ ctx, start, st });
  // The step holds its own copies now (variables, the EMA's clones, the optimizer's slots): the
  // start's tensors go here rather than at the session's end, so a resumed, fine-tuned or
  // pretrained start trains in the memory a fresh start was measured at (disposing twice is a no-op).
  tf.dispose([...(start.raw?.values() ?? []), ...(start.ema?.values() ?? []), ...Object.values(start.optimizer ?? {})]);
  const parts: Array<{ dispose(): void }> = [];
  const loaders: Loader[] = [];
  try {
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
    const saveLast = (epoch: number): Promise<void> =>
      step.withTrainState(async (w) => {
        st.optimizerStep = w.optimizerStep;
        st.emaUpdates = w.emaUpdates;
        st.elapsedMs = elapsedAtStart + (Date.now() - sessionT0);
        st.savedAt = new Date().toISOString();
        await saveCheckpoint(paths.last, meta(epoch, st.best?.metrics ?? null), { model: step.model, ema: w.ema, raw: w.raw, optimizer: w.optimizer }, st);
        sink.emit({ type: 'checkpoint-saved', t: Date.now(), epoch, kind: 'last', path: paths.last });
      });
    const session: Session = {
      step,
      trainLoader,
      valLoader,
      evalDet,
      batches: trainLoader.batchesPerEpoch,
      meta,
      saveLast,
      close: () => closeAll(step, loaders, parts),
    };
    announceStart(ctx, st, session.batches);
    return session;
  } catch (err) {
    await closeAll(step, loaders, parts);
    throw err;
  }
}

async function closeAll(step: SessionStep, loaders: Loader[], parts: Array<{ dispose(): void }>): Promise<void> {
  for (const l of loaders) await l.close().catch(() => undefined);
  for (const p of parts.reverse()) p.dispose();
  await step.dispose();
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
