/**
 * The Plan step's LR range test, as the view needs it (pure): which settings a result belongs
 * to, the chart's columns while the test runs and once it chose, and the LR "Use this LR" sets.
 */
import type { LrFindChart, LrFindPoint } from '../../../electron/shared/schemas/tune';
import type { UserOverrides } from '../../../electron/shared/schemas/user-choice';

/** What the test is run for. */
export interface LrFindSettings {
  datasetPath: string;
  model: { scale: string; imgsz: number };
  epochs: number;
  overrides: UserOverrides;
}

/**
 * The settings a result belongs to, as one string: another dataset, network, run length or
 * override (they change the planned batch, optimizer and weight decay the test trains at) makes
 * it stale. The LR override does not: the test sweeps the LR, and "Use this LR" sets it.
 */
export function lrFindKey(s: LrFindSettings): string {
  const rest: Record<string, unknown> = { ...s.overrides };
  delete rest['lr'];
  const overrides = Object.keys(rest)
    .sort()
    .filter((k) => rest[k] !== undefined)
    .map((k) => [k, rest[k]]);
  return JSON.stringify([s.datasetPath, s.model.scale, s.model.imgsz, s.epochs, overrides]);
}

/**
 * The chart's columns: the LR (for a log axis), the loss of each step, and its smoothed line
 * (the running average while the test runs; once it chose, the centred trend the choice read).
 */
export function lrFindColumns(live: readonly LrFindPoint[], chart: LrFindChart | null): number[][] {
  if (chart) return [chart.points.map((p) => 10 ** p.log10Lr), chart.points.map((p) => p.loss), chart.points.map((p) => p.trend)];
  return [live.map((p) => p.lr), live.map((p) => p.loss), live.map((p) => p.smooth)];
}

/** The LR "Use this LR" sets as the override: three significant digits, as `kestrel tune` writes it. */
export function usableLr(lr: number): number {
  return Number(lr.toPrecision(3));
}
