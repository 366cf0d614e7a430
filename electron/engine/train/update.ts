/**
 * The optimizer step, in two halves: each micro-batch's forward and backward pass adds its
 * gradients to the accumulator (its loss scaled to its images, as Ultralytics scales the YOLO
 * loss to the batch, so the summed gradients equal one update over the effective batch), then
 * one update clips the summed gradients, applies them with lrAt(step) and moves the EMA. Non-
 * finite losses or gradients skip the update with a warning; a streak of them throws NanStreak.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { TrainBatch } from '../data/batch';
import { assertFiniteLoss, toOutOfMemory } from '../backend/index';
import { bnMomentumFor } from '../model/index';
import { lrAt } from '../plan/schedule';
import type { TrainState } from '../runs/checkpoint';
import type { SessionContext } from './context';
import { clipByGlobalNorm } from './optim';
import type { Session } from './setup';
import { computeGradientsAsync, type StepLoss } from './step';

/** Gradient clipping: max global L2 norm (Ultralytics' 10). */
export const CLIP_NORM = 10;
/** Non-finite updates in a row before going back to the last checkpoint with a lower LR. */
export const NAN_STREAK_LIMIT = 3;

/** Raised inside a session so the run goes back to its last checkpoint with a lower LR. */
export class NanStreak extends Error {
  constructor(readonly step: number) {
    super(`${NAN_STREAK_LIMIT} non-finite updates in a row at step ${step}`);
  }
}

/** The micro-batches of the update in progress, and the run of skipped updates before it. */
export interface UpdateGroup {
  micro: number;
  images: number;
  /** The non-finite loss or gradient norm that spoils this update (null: none). */
  bad: number | null;
  nanStreak: number;
}

/** An empty update group. */
export function newUpdateGroup(): UpdateGroup {
  return { micro: 0, images: 0, bad: null, nanStreak: 0 };
}

/**
 * Forward, loss and backward of one micro-batch, its gradients added to the session's
 * accumulator and its loss to the epoch's sums. `poison` makes its loss non-finite (an
 * injected fault). The first micro-batch of a session measures the memory peak.
 */
export async function accumulateMicroBatch(ctx: SessionContext, s: Session, st: TrainState, group: UpdateGroup, batch: TrainBatch, poison: boolean): Promise<StepLoss> {
  const bnMomentum = bnMomentumFor(batch.size, st.imagesSeen, ctx.plan.parentRun === undefined);
  const compute = () =>
    computeGradientsAsync(s.det, batch, { anchors: s.anchors, loss: { scale: batch.size, labelSmoothing: ctx.plan.regularization.labelSmoothing }, readLoss: true, bnMomentum });
  let res: Awaited<ReturnType<typeof compute>> | undefined;
  try {
    if (ctx.measuredPeakBytes === null) {
      const info = await tf.profile(async () => {
        res = await compute();
        return Object.values(res.grads);
      });
      ctx.measuredPeakBytes = info.peakBytes;
    } else {
      res = await compute();
    }
  } catch (err) {
    throw toOutOfMemory(err);
  }
  const { grads, loss } = res!;
  const total = poison ? Number.NaN : loss!.total;
  try {
    assertFiniteLoss(total, st.step);
    s.accum.add(grads);
    const l = st.epochLoss;
    l.total += loss!.box + loss!.cls + loss!.dfl;
    l.box += loss!.box;
    l.cls += loss!.cls;
    l.dfl += loss!.dfl;
    l.batches += 1;
  } catch (err) {
    tf.dispose(Object.values(grads));
    if (!(err instanceof KestrelError && err.code === 'LOSS_NOT_FINITE')) throw err;
    group.bad = total;
  }
  group.micro++;
  group.images += batch.size;
  st.imagesSeen += batch.size;
  ctx.imagesThisProcess += batch.size;
  return loss!;
}

/**
 * One optimizer update from the accumulated micro-batches: clip to CLIP_NORM, apply with the
 * schedule's LR (times the run's LR factor), update the EMA; or skip it when something was not
 * finite. Advances the schedule position and returns the LR it used.
 */
export async function applyUpdate(ctx: SessionContext, s: Session, st: TrainState, group: UpdateGroup, epoch: number): Promise<number> {
  const h = lrAt(ctx.plan.schedule, st.step);
  const hyper = { lr: h.lr * st.lrFactor, biasLr: h.biasLr * st.lrFactor, momentum: h.momentum, weightDecay: ctx.plan.weightDecay };
  let gradNorm = Number.NaN;
  let skipped = group.bad !== null;
  if (!skipped) {
    const summed = s.accum.take();
    const clipped = clipByGlobalNorm(summed, CLIP_NORM);
    tf.dispose(Object.values(summed));
    gradNorm = (await clipped.norm.data())[0] as number; // sync point: one scalar per update
    if (Number.isFinite(gradNorm)) s.opt.apply(clipped.grads, hyper);
    else {
      skipped = true;
      group.bad = gradNorm;
    }
    tf.dispose([...Object.values(clipped.grads), clipped.norm]);
    if (!skipped) s.ema.update(s.det.state());
  } else {
    s.accum.reset();
  }
  ctx.onStep?.({ step: st.step, epoch, lr: hyper.lr, biasLr: hyper.biasLr, momentum: hyper.momentum, skipped, gradNorm, microBatches: group.micro, images: group.images });
  if (skipped) {
    group.nanStreak++;
    ctx.sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_NAN_SKIPPED', { step: st.step, value: String(group.bad) }) });
    if (group.nanStreak >= NAN_STREAK_LIMIT) throw new NanStreak(st.step);
  } else {
    group.nanStreak = 0;
  }
  st.step++;
  group.micro = 0;
  group.images = 0;
  group.bad = null;
  return hyper.lr;
}
