/**
 * The LR range test's pure decisions: the exponentially rising LR of each step, the smoothed
 * loss, when the test stops (the loss diverged), and which LR it chooses from the curve and why
 * (Smith's rule: a tenth of the LR at the lowest smoothed loss, clamped to the optimizer's safe
 * range; a flat curve keeps the plan's LR; a curve that rises from the start takes the safe minimum).
 */
import { reason, type Reason } from '../../shared/reason';
import type { LrChoice, LrChoiceRule, LrFindPoint } from '../../shared/schemas/tune';
import type { OptimizerKind } from '../../shared/schemas/plan';
import { OPTIMIZER_RULES } from '../plan/constants';

/** Defaults of the LR range test. */
export const LR_FIND_DEFAULTS = {
  steps: 200,
  lrMin: 1e-6,
  lrMax: 1e-1,
  /** Stop once the smoothed loss exceeds this multiple of its best. */
  divergeFactor: 4,
  /** Fewer steps than this cannot show a curve. */
  minSteps: 8,
  /** A curve whose smoothed loss moves less than this share is flat. */
  flatChange: 0.05,
} as const;

/** The LR of step `step` of `steps`: lrMin at the first, lrMax at the last, evenly spaced in log. */
export function rangeLr(step: number, steps: number, lrMin: number, lrMax: number): number {
  if (steps <= 1) return lrMin;
  return lrMin * (lrMax / lrMin) ** (Math.min(Math.max(0, step), steps - 1) / (steps - 1));
}

/**
 * The smoothing of the loss: an exponential moving average over about a twentieth of the
 * steps (beta 0.95 at 100 steps, 0.975 at 200), never lighter than 0.8 nor heavier than 0.98.
 */
export function smoothingBeta(steps: number): number {
  return Math.min(0.98, Math.max(0.8, 1 - 5 / Math.max(1, steps)));
}

/** The running average of the loss (carry `avg` from step to step, starting at 0). */
export interface Smoother {
  avg: number;
  count: number;
}

/** Adds one loss to the moving average and returns the bias-corrected smoothed loss. */
export function smoothNext(s: Smoother, loss: number, beta: number): number {
  s.avg = beta * s.avg + (1 - beta) * loss;
  s.count++;
  return s.avg / (1 - beta ** s.count);
}

/** Smooths a whole series (tests and re-analysis of a saved curve). */
export function smoothSeries(losses: readonly number[], beta: number): number[] {
  const s: Smoother = { avg: 0, count: 0 };
  return losses.map((l) => smoothNext(s, l, beta));
}

/** Why the test should stop after this point (null: go on). */
export function stopReason(p: LrFindPoint, best: number, divergeFactor: number): Reason | null {
  const lr = fmtLr(p.lr);
  if (!Number.isFinite(p.loss) || !Number.isFinite(p.smooth)) return reason('TUNE_LR_NOT_FINITE_STOP', { step: p.step, lr });
  // A few points in, so the first noisy losses cannot stop it.
  if (p.step >= 3 && best > 0 && p.smooth > divergeFactor * best) {
    return reason('TUNE_LR_DIVERGED_STOP', { step: p.step, lr, loss: round3(p.smooth), best: round3(best), factor: divergeFactor });
  }
  return null;
}

/** What the choice needs besides the curve. */
export interface ChooseOptions {
  optimizer: OptimizerKind;
  /** The plan's LR: kept when the curve says nothing. */
  plannedLr: number;
  /** The optimizer's safe range (default: OPTIMIZER_RULES). */
  safeMin?: number;
  safeMax?: number;
}

/** An LR shown in a reason: three significant digits. */
export function fmtLr(x: number): number {
  return Number(x.toPrecision(3));
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Chooses the LR from a range test's curve (pure), read through a centred moving average of the
 * raw losses (no lag); the first tenth of the points is skipped. Rules, in order: a flat curve keeps the planned LR; a curve whose
 * lowest point is at its very start took every LR too high and gets the safe minimum; else a
 * tenth of the lowest-loss LR ("no-minimum" when that point is the last one: the loss was still
 * falling). The steepest descent point is reported beside it. The result is clamped to the
 * optimizer's safe range, with a reason when it was.
 */
export function chooseLr(curve: readonly LrFindPoint[], opts: ChooseOptions): LrChoice {
  const safeMin = opts.safeMin ?? OPTIMIZER_RULES[opts.optimizer].safeMin;
  const safeMax = opts.safeMax ?? OPTIMIZER_RULES[opts.optimizer].safeMax;
  const finite = curve.filter((p) => Number.isFinite(p.smooth) && Number.isFinite(p.loss));
  // The choice reads a centred average of the raw losses: the running average the test stops by
  // lags by about steps / 20 points, which would put the minimum half a decade too high.
  const centred = trendOf(finite.map((p) => p.loss));
  const skip = Math.floor(finite.length * 0.1);
  const pts = finite.map((p, i) => ({ ...p, smooth: centred[i]! })).slice(skip);
  const reasons: Reason[] = [];
  let rule: LrChoiceRule;
  let raw: number;
  let minLossLr: number | null = null;
  let steepestLr: number | null = null;
  if (pts.length < 3) {
    rule = 'flat';
    raw = opts.plannedLr;
    reasons.push(reason('TUNE_LR_FLAT', { fromLr: fmtLr(curve[0]?.lr ?? 0), toLr: fmtLr(curve.at(-1)?.lr ?? 0), changePercent: 0, planned: fmtLr(opts.plannedLr) }));
  } else {
    let minIdx = 0;
    for (let i = 1; i < pts.length; i++) if (pts[i]!.smooth < pts[minIdx]!.smooth) minIdx = i;
    const smooth = pts.map((p) => p.smooth);
    const hi = Math.max(...smooth);
    const lo = smooth[minIdx]!;
    const change = (hi - lo) / Math.max(Math.abs(hi), 1e-12);
    minLossLr = pts[minIdx]!.lr;
    steepestLr = steepest(pts, minIdx);
    const first = pts[0]!;
    const last = pts.at(-1)!;
    const earlyEdge = Math.max(1, Math.floor(pts.length * 0.05));
    if (change < LR_FIND_DEFAULTS.flatChange) {
      rule = 'flat';
      raw = opts.plannedLr;
      reasons.push(reason('TUNE_LR_FLAT', { fromLr: fmtLr(first.lr), toLr: fmtLr(last.lr), changePercent: Math.round(change * 1000) / 10, planned: fmtLr(opts.plannedLr) }));
    } else if (minIdx < earlyEdge && last.smooth > lo * (1 + LR_FIND_DEFAULTS.flatChange)) {
      rule = 'diverged-early';
      raw = safeMin;
      reasons.push(reason('TUNE_LR_DIVERGED_EARLY', { fromLr: fmtLr(first.lr), chosen: fmtLr(safeMin) }));
    } else if (minIdx === pts.length - 1) {
      rule = 'no-minimum';
      raw = minLossLr / 10;
      reasons.push(reason('TUNE_LR_NO_MINIMUM', { toLr: fmtLr(last.lr), chosen: fmtLr(raw) }));
    } else {
      rule = 'min-div-10';
      raw = minLossLr / 10;
      reasons.push(reason('TUNE_LR_MIN_DIV10', { steepLr: fmtLr(steepestLr ?? minLossLr), minLr: fmtLr(minLossLr), chosen: fmtLr(raw) }));
    }
  }
  const lr = Math.min(safeMax, Math.max(safeMin, raw));
  const clamped = lr !== raw;
  if (clamped) reasons.push(reason('TUNE_LR_CLAMPED', { raw: fmtLr(raw), optimizer: opts.optimizer === 'sgd' ? 'SGD' : 'AdamW', safeMin: fmtLr(safeMin), safeMax: fmtLr(safeMax), chosen: fmtLr(lr) }));
  reasons.push(reason('TUNE_LR_VS_PLAN', { chosen: fmtLr(lr), planned: fmtLr(opts.plannedLr), ratio: Number((lr / opts.plannedLr).toPrecision(2)) }));
  return { lr, raw, rule, clamped, minLossLr, steepestLr, reasons };
}

/** The lag-free trend the choice reads: a centred mean over about a twentieth of the points. */
export function trendOf(losses: readonly number[]): number[] {
  return centredSmooth(losses, Math.max(1, Math.round(losses.length / 40)));
}

/** Mean of each point's neighbours within `half` points on either side (fewer at the ends). */
export function centredSmooth(values: readonly number[], half: number): number[] {
  const prefix = [0];
  for (const v of values) prefix.push(prefix.at(-1)! + v);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, i + half + 1);
    return (prefix[hi]! - prefix[lo]!) / (hi - lo);
  });
}

/**
 * The LR where the smoothed loss falls fastest per decade of LR, up to the minimum: central
 * differences over a window of about a twentieth of the points, so noise does not pick a spike.
 */
function steepest(pts: readonly LrFindPoint[], minIdx: number): number | null {
  const w = Math.max(1, Math.round(pts.length / 20));
  let best: number | null = null;
  let bestSlope = 0;
  for (let i = w; i + w < pts.length && i <= minIdx; i++) {
    const a = pts[i - w]!;
    const b = pts[i + w]!;
    const dx = Math.log10(b.lr) - Math.log10(a.lr);
    if (dx <= 0) continue;
    const slope = (b.smooth - a.smooth) / dx;
    if (slope < bestSlope) {
      bestSlope = slope;
      best = pts[i]!.lr;
    }
  }
  return best;
}
