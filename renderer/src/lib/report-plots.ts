/**
 * "Save report": draws the run's curves (loss, mAP, LR from metrics.csv; PR from the final
 * evaluation) with uPlot into PNGs, has main save them into the run's plots/ folder, then has
 * main write report.html beside them. Returns the report's path. The confusion matrix is a heat
 * map, not a curve: main draws it (plots/confusion.png, electron/app/report.ts) when it writes
 * the report, from the same counts and saved thresholds as the Results view.
 */
import { call } from './api';
import { PALETTE } from './colors';
import { t } from './i18n.svelte';
import { plotToPng, type PngPlot } from './plot-png';
import type { Res } from '../../../electron/shared/ipc-contract';

type PlotName = 'loss' | 'map' | 'pr' | 'lr';

/** The plots a run can draw from its metrics.csv columns and its evaluation. */
export function plotsOf(metrics: Record<string, (number | null)[]> | null, results: Pick<Res<'results:get'>, 'evaluation'>): { name: PlotName; plot: PngPlot }[] {
  const out: { name: PlotName; plot: PngPlot }[] = [];
  const epochs = metrics?.['epoch']?.map((e) => (e === null ? null : e + 1));
  if (metrics && epochs && epochs.length) {
    const loss = ['train_box', 'train_cls', 'train_dfl'].filter((k) => metrics[k]);
    if (loss.length) out.push({ name: 'loss', plot: { title: t('train.lossChart'), xLabel: t('train.epochAxis'), data: [epochs, ...loss.map((k) => metrics[k]!)], series: loss.map((k, i) => ({ label: k.replace('train_', ''), color: PALETTE[i]! })) } });
    if (metrics['map50']) out.push({ name: 'map', plot: { title: t('train.mapChart'), xLabel: t('train.epochAxis'), yRange: [0, 1], data: [epochs, metrics['map50'], metrics['map50_95'] ?? []], series: [{ label: 'mAP50', color: '#009E73' }, { label: 'mAP50-95', color: '#D55E00' }] } });
    if (metrics['lr']) out.push({ name: 'lr', plot: { title: t('train.lrChart'), xLabel: t('train.epochAxis'), data: [epochs, metrics['lr']], series: [{ label: t('train.lr'), color: '#1f6feb' }] } });
  }
  const ev = results.evaluation;
  if (ev && ev.prCurves.length) {
    out.push({ name: 'pr', plot: { title: t('results.pr'), xLabel: t('results.recall'), yLabel: t('results.precision'), xRange: [0, 1], yRange: [0, 1], data: [ev.prCurves[0]!.recall, ...ev.prCurves.map((c) => c.precision)], series: ev.prCurves.map((c, i) => ({ label: c.name, color: PALETTE[i % PALETTE.length]! })) } });
  }
  return out;
}

/** Draws and saves the plots, then the report; returns report.html's path. */
export async function saveReportWithPlots(runId: string, results: Pick<Res<'results:get'>, 'evaluation'>): Promise<string> {
  const detail = await call('runs:open', { runId }).catch(() => null);
  const plots = plotsOf(detail?.metrics?.columns ?? null, results);
  const pngs: { name: PlotName; png: string }[] = [];
  for (const p of plots) pngs.push({ name: p.name, png: await plotToPng(p.plot) });
  if (pngs.length) await call('report:savePlots', { runId, plots: pngs });
  return (await call('report:save', { runId })).path;
}
