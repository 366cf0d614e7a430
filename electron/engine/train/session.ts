/**
 * The training loop of one session, from where it starts to the end of the plan (or a stop,
 * or early stopping): epochs of micro-batches at the per-device batch, one optimizer update
 * per `accumulation` micro-batches (update.ts: accumulate, clip, apply, EMA), mid-epoch
 * checkpoints when due, and the epoch end (epoch-end.ts: validate, best, checkpoints, metrics).
 * Throws OUT_OF_MEMORY (KestrelError) and NanStreak for the caller (index.ts) to recover from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics } from '../../shared/schemas/events';
import { lrAt } from '../plan/schedule';
import type { TrainState } from '../runs/checkpoint';
import type { SessionContext, SessionOutcome, SessionStart } from './context';
import { endEpoch } from './epoch-end';
import { reportSkipped } from './skipped';
import { injectFaults } from './faults';
import { openSession, type Session } from './setup';
import type { StepLoss } from './step';
import { accumulateMicroBatch, applyUpdate, newUpdateGroup } from './update';

/** Runs the session's epochs from `start` (whose state it does not change) to the end of the plan. */
export async function runSession(ctx: SessionContext, start: SessionStart): Promise<SessionOutcome> {
  const st: TrainState = structuredClone(start.state);
  const s = await openSession(ctx, start, st);
  const { cfg, plan, sink } = ctx;
  const acc = st.layout.accumulation;
  const group = newUpdateGroup();
  let lastMetrics: EpochMetrics | null = null;
  let lastCkptAt = Date.now();
  let stepsSinceCkpt = 0;
  try {
    for (let epoch = st.epoch; epoch < plan.epochs; epoch++) {
      const startBatch = epoch === st.epoch ? st.batchInEpoch : 0;
      if (startBatch === 0) st.epochLoss = { total: 0, box: 0, cls: 0, dfl: 0, batches: 0 };
      st.epoch = epoch;
      st.batchInEpoch = startBatch;
      sink.emit({ type: 'epoch-start', t: Date.now(), epoch, epochs: plan.epochs });
      const epochT0 = Date.now();
      let b = startBatch;
      let lr = lrAt(plan.schedule, st.step).lr * st.lrFactor;

      for await (const batch of s.trainLoader.epoch(epoch, { startBatch })) {
        if (batch.skipped) await reportSkipped(ctx, batch.skipped);
        if (group.micro === 0 && ctx.signal?.aborted) {
          st.batchInEpoch = b;
          await s.saveLast(epoch);
          ctx.trainMs += Date.now() - epochT0;
          return { status: 'stopped', state: st, lastMetrics };
        }
        const poison = injectFaults(ctx.faults, ctx.nanFired, { step: st.step, perDeviceBatch: st.layout.perDeviceBatch, firstOfStep: group.micro === 0 });
        const loss = await accumulateMicroBatch(ctx, s, st, group, batch, poison);
        b++;
        if (b % acc === 0 || b === s.batches) {
          lr = await applyUpdate(ctx, s, st, group, epoch);
          st.batchInEpoch = b;
          stepsSinceCkpt++;
          const bySteps = cfg.checkpointEverySteps > 0 && stepsSinceCkpt >= cfg.checkpointEverySteps;
          const byTime = cfg.checkpointEverySeconds > 0 && Date.now() - lastCkptAt >= cfg.checkpointEverySeconds * 1000;
          if ((bySteps || byTime) && b < s.batches) {
            await s.saveLast(epoch);
            lastCkptAt = Date.now();
            stepsSinceCkpt = 0;
          }
        }
        emitBatchEnd(ctx, s, st, { epoch, b, loss, lr, epochT0 });
      }
      ctx.trainMs += Date.now() - epochT0;

      const end = await endEpoch(ctx, s, st, epoch, lr, epochT0);
      lastCkptAt = Date.now();
      stepsSinceCkpt = 0;
      if (end.metrics) lastMetrics = end.metrics;
      if (end.earlyStop) return { status: 'early-stopped', state: st, lastMetrics };
    }
    return { status: 'completed', state: st, lastMetrics };
  } finally {
    await s.close();
  }
}

/** The batch-end event: the micro-batch's loss, the LR, throughput, memory and the time left. */
function emitBatchEnd(ctx: SessionContext, s: Session, st: TrainState, at: { epoch: number; b: number; loss: StepLoss; lr: number; epochT0: number }): void {
  const trainMsNow = ctx.trainMs + (Date.now() - at.epochT0);
  const ips = trainMsNow > 0 ? (ctx.imagesThisProcess * 1000) / trainMsNow : 0;
  const n = ctx.train.length;
  const left = ctx.plan.epochs * n - (at.epoch * n + Math.min(n, at.b * st.layout.perDeviceBatch));
  const { box, cls, dfl } = at.loss;
  ctx.sink.emit({
    type: 'batch-end',
    t: Date.now(),
    epoch: at.epoch,
    batch: at.b,
    batches: s.batches,
    step: st.step,
    loss: { total: box + cls + dfl, parts: { box, cls, dfl } },
    lr: at.lr,
    imagesPerSec: ips,
    memoryBytes: Math.max(ctx.measuredPeakBytes ?? 0, tf.memory().numBytes),
    etaSeconds: ips > 0 ? Math.max(0, left) / ips : null,
  });
}
