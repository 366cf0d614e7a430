/**
 * The end of an epoch: validate the EMA weights when due, keep the best (weights/best, its
 * evaluation and the validation predictions), save weights/last at the start of the next
 * epoch, append the metrics row, report the epoch, and decide on early stopping.
 */
import { reportSkipped } from './skipped';
import type { EpochMetrics, Loss } from '../../shared/schemas/events';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import { reason } from '../../shared/reason';
import { saveCheckpoint, type TrainState } from '../runs/checkpoint';
import { writeJsonAtomic } from '../runs/atomic';
import { appendMetricsRow } from '../runs/run-dir';
import type { SessionContext } from './context';
import { fitness, validationDue } from './fitness';
import type { Session } from './setup';
import { validate, type ImagePredictions } from './validate';
import { validateTiled } from './validate-tiled';

/** What the end of an epoch found. */
export interface EpochEnd {
  /** The validation metrics (null when validation was not due). */
  metrics: EpochMetrics | null;
  /** Early stopping ends the run before its last epoch. */
  earlyStop: boolean;
}

const meanLoss = (l: TrainState['epochLoss']): Loss => {
  const n = Math.max(1, l.batches);
  return { total: l.total / n, parts: { box: l.box / n, cls: l.cls / n, dfl: l.dfl / n } };
};

/** Validates the EMA weights when due; null otherwise. */
async function validateEma(ctx: SessionContext, s: Session, epoch: number): Promise<{ evaluation: EvaluationResult; images: ImagePredictions[] } | null> {
  const evalDet = s.evalDet;
  if (!s.valLoader || !evalDet || !validationDue(epoch, ctx.plan.epochs, ctx.valEvery)) return null;
  await s.step.withEma(async (ema) => evalDet.setState(ema));
  const onSkipped = (list: Parameters<typeof reportSkipped>[1]) => reportSkipped(ctx, list);
  // A run on tiles is evaluated on whole images with tiled inference, as predict --tile runs it.
  const tiles = ctx.plan.tiles;
  const out = tiles
    ? await validateTiled(evalDet, ctx.val, ctx.classNames, tiles, { imgsz: ctx.plan.modelSpec.imgsz, batch: ctx.cfg.valBatch ?? 8, onSkipped })
    : await validate(evalDet, s.valLoader, ctx.val, ctx.classNames, { onSkipped });
  ctx.valMs += out.durationMs;
  return out;
}

/** Ends epoch `epoch` (begun at `epochT0`, last LR `lr`): validation, best, checkpoint, metrics, event. */
export async function endEpoch(ctx: SessionContext, s: Session, st: TrainState, epoch: number, lr: number, epochT0: number): Promise<EpochEnd> {
  const { cfg, paths, sink } = ctx;
  const epochs = ctx.plan.epochs;
  const val = await validateEma(ctx, s, epoch);
  const evaluation = val?.evaluation ?? null;
  const metrics: EpochMetrics | null = evaluation
    ? { map50: evaluation.map50, map50_95: evaluation.map50_95, precision: evaluation.precision, recall: evaluation.recall, fitness: fitness(evaluation) }
    : null;
  const fit = metrics ? (metrics.fitness ?? fitness(metrics)) : 0;
  // Without validation images the last weights count as the best.
  const isBest = metrics ? st.best === null || fit > st.best.fitness : !s.valLoader;
  if (isBest) {
    st.best = { fitness: fit, epoch, metrics: metrics ?? { map50: 0, map50_95: 0 } };
    await s.step.withEma((ema) => saveCheckpoint(paths.best, s.meta(epoch, metrics), { model: s.step.model, ema }));
    sink.emit({ type: 'checkpoint-saved', t: Date.now(), epoch, kind: 'best', path: paths.best });
    if (val) {
      ctx.bestEvaluation = val.evaluation;
      // Kept beside the best weights so a resumed process (whose own epochs may never beat
      // this one) can still report the best model's full evaluation.
      await writeJsonAtomic(`${paths.best}/evaluation.json`, val.evaluation);
      await writeJsonAtomic(`${paths.dir}/val-predictions.json`, { classNames: ctx.classNames, images: val.images.slice(0, 500) });
    }
  }
  if (metrics) st.staleEpochs = isBest ? 0 : st.staleEpochs + 1;
  const trainLoss = meanLoss(st.epochLoss);
  const epochMs = Date.now() - epochT0;
  const ips = ctx.trainMs > 0 ? (ctx.imagesThisProcess * 1000) / ctx.trainMs : 0;
  // The epoch's row goes in before the checkpoint that moves past it: a process killed between
  // the two leaves a row that the resume removes (trimMetricsRows) and writes again, never a gap.
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
    lr,
    images_per_sec: ips,
    epoch_seconds: epochMs / 1000,
  });
  // The next position is the start of the next epoch: save it before reporting the epoch.
  st.epoch = epoch + 1;
  st.batchInEpoch = 0;
  await s.saveLast(epoch);
  sink.emit({ type: 'epoch-end', t: Date.now(), epoch, epochs, trainLoss, valLoss: null, metrics, best: isBest, lr, durationMs: epochMs });
  const earlyStop = st.staleEpochs >= cfg.patience && epoch + 1 < epochs;
  if (earlyStop) {
    const best = st.best!;
    sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_EARLY_STOP', { patience: cfg.patience, best: Number(best.fitness.toFixed(4)), bestEpoch: best.epoch + 1 }) });
  }
  return { metrics, earlyStop };
}
