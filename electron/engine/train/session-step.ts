/**
 * Where a session's training step runs: the model, optimizer, gradient accumulator and EMA, and
 * the two halves of an optimizer step on them (update.ts drives them). In this process (here,
 * {@link inProcessStep}), or on a step host outside it: the app's hidden WebGPU renderer, reached
 * over a MessagePort (electron/worker/host-step.ts, on electron/gpu-host's protocol). The loop,
 * the schedule, the loader, validation and checkpoints stay in the training process either way;
 * weights come back only when validation or a checkpoint needs them.
 *
 * setup.ts's openSession is the one place that picks: the host's factory when train() was given
 * one (TrainOptions.stepHost) and chose it (host-choice.ts: forced, or measured faster), else this
 * process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import type { TrainBatch } from '../data/batch';
import { assertFiniteLoss, toOutOfMemory, type BackendReport, type StepWorkload } from '../backend/index';
import { anchorsFor } from '../eval/index';
import type { LossOptions } from '../loss/index';
import { createDetector, type Detector } from '../model/detector';
import type { TrainState } from '../runs/checkpoint';
import { GradientAccumulator } from './accumulate';
import type { SessionContext, SessionStart } from './context';
import { ModelEma } from './ema';
import { clipByGlobalNorm, createOptimizer, type StepHyper } from './optim';
import { computeGradientsAsync, type StepLoss } from './step';

/** One micro-batch's step options. */
export interface MicroOptions {
  /** The loss options (scale to the micro-batch's images, label smoothing). */
  loss: LossOptions;
  /** BatchNorm momentum of the training forward (bnMomentumFor). */
  bnMomentum: number;
  /** An injected fault: the loss counts as non-finite (its gradients are dropped, the update skipped). */
  poison: boolean;
  /** Measure the step's peak memory (the first step of a session; in this process only). */
  measurePeak: boolean;
  /** The schedule position, for the error a non-finite loss raises. */
  step: number;
}

/** What one micro-batch gave. */
export interface MicroOutcome {
  /** Its loss parts as read. */
  loss: StepLoss;
  /** The non-finite loss that spoils the update in progress (null: its gradients were added). */
  bad: number | null;
  /** Peak bytes of the step, when measured. */
  peakBytes?: number;
}

/** What one optimizer update did. */
export interface UpdateOutcome {
  /** Global L2 norm of the summed gradients before clipping (NaN when skipped before it was taken). */
  gradNorm: number;
  skipped: boolean;
}

/** What weights/last holds, lent for the duration of a callback. */
export interface TrainWeights {
  ema: Map<string, tf.Tensor>;
  raw: Map<string, tf.Tensor>;
  optimizer: Record<string, tf.Tensor>;
  optimizerStep: number;
  emaUpdates: number;
}

/** A session's training step, wherever it runs. */
export interface SessionStep {
  /** The network checkpoints are written for (spec, names, shapes); its own weights may be stale. */
  readonly model: Detector;
  /** Forward, loss and gradients of one micro-batch, added to the update in progress (OUT_OF_MEMORY thrown). */
  micro(batch: TrainBatch, opts: MicroOptions): Promise<MicroOutcome>;
  /** One update from the micro-batches so far (clip to `clipNorm`, apply, EMA); `skip` drops them instead. */
  update(hyper: StepHyper, opts: { clipNorm: number; skip: boolean }): Promise<UpdateOutcome>;
  /** Lends the EMA weights (validation, weights/best) to `use`. */
  withEma<T>(use: (ema: Map<string, tf.Tensor>) => Promise<T>): Promise<T>;
  /** Lends what weights/last holds to `use`. */
  withTrainState<T>(use: (w: TrainWeights) => Promise<T>): Promise<T>;
  /** Frees the model (here, or on the host). */
  dispose(): Promise<void>;
}

/** What a step is opened from: the run's context, where the session starts, and its loop state. */
export interface SessionStepInput {
  ctx: SessionContext;
  start: SessionStart;
  st: TrainState;
}

/** Opens a session's step (the model built from `start`). */
export type SessionStepFactory = (input: SessionStepInput) => Promise<SessionStep>;

/**
 * The backend a session's steps run on, as the ladder reports one: the plan is made for it.
 * `measured`: the training speeds the choice was made from, when it was timed.
 */
export type HostBackend = Pick<BackendReport, 'id' | 'passedOver' | 'memoryLimitBytes' | 'reason' | 'adapter' | 'measured'>;

/**
 * A training-step host outside this process (the app's hidden WebGPU renderer): train() plans
 * for its backend and opens every session's step on it; this process keeps the loader, the
 * loop, validation and checkpoints.
 */
export interface StepHost {
  /** The host's backend (waits until the host is reachable; throws its coded error when it is not). */
  backend(): Promise<HostBackend>;
  /** Opens a session's step on the host (a restarted session opens a new one). */
  open: SessionStepFactory;
  /**
   * Images/s of the ladder's timed training step on the host's backend (engine/backend/measure.ts):
   * what train() compares with this process's backend before it plans (train/host-choice.ts).
   */
  timeStep(workload: StepWorkload): Promise<number>;
}

/**
 * The network of a session as it starts: fresh weights from the run's seed, with the start's
 * raw weights (a checkpoint, or a fine-tune's parent) set on it. Caller disposes.
 */
export function startingDetector(input: SessionStepInput): Detector {
  const det = createDetector(input.ctx.plan.modelSpec, { seed: input.ctx.cfg.seed });
  try {
    if (input.start.raw) det.setState(input.start.raw);
  } catch (err) {
    det.dispose();
    throw err;
  }
  return det;
}

/** The step in this process, on the backend this process initialised. */
export const inProcessStep: SessionStepFactory = async (input) => {
  const { ctx, start, st } = input;
  const det = startingDetector(input);
  const parts: Array<{ dispose(): void }> = [det];
  try {
    const opt = createOptimizer(ctx.plan.optimizer, det.params());
    parts.push(opt);
    if (start.optimizer) opt.setState({ kind: ctx.plan.optimizer, step: st.optimizerStep, slots: start.optimizer });
    const ema = new ModelEma(start.ema ?? det.state(), { updates: st.emaUpdates });
    parts.push(ema);
    const accum = new GradientAccumulator();
    const anchors = anchorsFor(ctx.plan.modelSpec.imgsz);
    return {
      model: det,
      async micro(batch, o) {
        const compute = () => computeGradientsAsync(det, batch, { anchors, loss: o.loss, readLoss: true, bnMomentum: o.bnMomentum });
        let res: Awaited<ReturnType<typeof compute>> | undefined;
        let peakBytes: number | undefined;
        try {
          if (o.measurePeak) {
            const info = await tf.profile(async () => {
              res = await compute();
              return Object.values(res.grads);
            });
            peakBytes = info.peakBytes;
          } else {
            res = await compute();
          }
        } catch (err) {
          throw toOutOfMemory(err);
        }
        const { grads, loss } = res!;
        const total = o.poison ? Number.NaN : loss!.total;
        const measured = peakBytes === undefined ? {} : { peakBytes };
        try {
          assertFiniteLoss(total, o.step);
          accum.add(grads);
          return { loss: loss!, bad: null, ...measured };
        } catch (err) {
          tf.dispose(Object.values(grads));
          if (!(err instanceof KestrelError && err.code === 'LOSS_NOT_FINITE')) throw err;
          return { loss: loss!, bad: total, ...measured };
        }
      },
      async update(hyper, o) {
        if (o.skip) {
          accum.reset();
          return { gradNorm: Number.NaN, skipped: true };
        }
        const summed = accum.take();
        const clipped = clipByGlobalNorm(summed, o.clipNorm);
        tf.dispose(Object.values(summed));
        let gradNorm: number;
        try {
          gradNorm = (await clipped.norm.data())[0] as number; // sync point: one scalar per update
          if (Number.isFinite(gradNorm)) opt.apply(clipped.grads, hyper);
        } finally {
          tf.dispose([...Object.values(clipped.grads), clipped.norm]);
        }
        const skipped = !Number.isFinite(gradNorm);
        if (!skipped) ema.update(det.state());
        return { gradNorm, skipped };
      },
      withEma: (use) => use(ema.shadow),
      async withTrainState(use) {
        const optState = opt.getState();
        try {
          return await use({ ema: ema.shadow, raw: det.state(), optimizer: optState.slots, optimizerStep: opt.step, emaUpdates: ema.updates });
        } finally {
          tf.dispose(Object.values(optState.slots));
        }
      },
      async dispose() {
        accum.reset();
        for (const p of parts.reverse()) p.dispose();
      },
    };
  } catch (err) {
    for (const p of parts.reverse()) p.dispose();
    throw err;
  }
};
