/**
 * The optimizer step, in two halves: each micro-batch's forward and backward pass adds its
 * gradients to the accumulator (its loss scaled to its images, as Ultralytics scales the YOLO
 * loss to the batch, so the summed gradients equal one update over the effective batch), then
 * one update clips the summed gradients, applies them with lrAt(step) and moves the EMA. Non-
 * finite losses or gradients skip the update with a warning; a streak of them throws NanStreak.
 * The tensors live in the session's step (session-step.ts: this process or a step host); this
 * file keeps the bookkeeping: the epoch's losses, the update group, the schedule, the warnings.
 */
import { reason } from '../../shared/reason';
import type { TrainBatch } from '../data/batch';
import { bnMomentumFor } from '../model/index';
import { lrAt } from '../plan/schedule';
import type { TrainState } from '../runs/checkpoint';
import type { SessionContext } from './context';
import type { Session } from './setup';
import type { StepLoss } from './step';

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
 * Forward, loss and backward of one micro-batch on the session's step (session-step.ts), its
 * gradients added to the update in progress and its loss to the epoch's sums. `poison` makes its
 * loss non-finite (an injected fault). The first micro-batch of a session measures the memory peak.
 */
export async function accumulateMicroBatch(ctx: SessionContext, s: Session, st: TrainState, group: UpdateGroup, batch: TrainBatch, poison: boolean): Promise<StepLoss> {
  const bnMomentum = bnMomentumFor(batch.size, st.imagesSeen, ctx.plan.parentRun === undefined);
  const loss = { scale: batch.size, labelSmoothing: ctx.plan.regularization.labelSmoothing };
  const out = await s.step.micro(batch, { loss, bnMomentum, poison, measurePeak: ctx.measuredPeakBytes === null, step: st.step });
  if (out.peakBytes !== undefined) ctx.measuredPeakBytes = out.peakBytes;
  if (out.bad === null) {
    const l = st.epochLoss;
    l.total += out.loss.box + out.loss.cls + out.loss.dfl;
    l.box += out.loss.box;
    l.cls += out.loss.cls;
    l.dfl += out.loss.dfl;
    l.batches += 1;
  } else {
    group.bad = out.bad;
  }
  group.micro++;
  group.images += batch.size;
  st.imagesSeen += batch.size;
  ctx.imagesThisProcess += batch.size;
  return out.loss;
}

/**
 * One optimizer update from the accumulated micro-batches: clip to CLIP_NORM, apply with the
 * schedule's LR (times the run's LR factor), update the EMA; or skip it when something was not
 * finite. Advances the schedule position and returns the LR it used.
 */
export async function applyUpdate(ctx: SessionContext, s: Session, st: TrainState, group: UpdateGroup, epoch: number): Promise<number> {
  const h = lrAt(ctx.plan.schedule, st.step);
  const hyper = { lr: h.lr * st.lrFactor, biasLr: h.biasLr * st.lrFactor, momentum: h.momentum, weightDecay: ctx.plan.weightDecay };
  const { gradNorm, skipped } = await s.step.update(hyper, { clipNorm: CLIP_NORM, skip: group.bad !== null });
  if (skipped && group.bad === null) group.bad = gradNorm;
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
