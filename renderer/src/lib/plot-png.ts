/**
 * Charts for the run folder: a uPlot line chart drawn off-screen at a fixed size, flattened
 * on white with its title, and returned as a PNG data URL (the report's plots/*.png; main
 * checks and saves them). uPlot draws the axes, ticks and lines; nothing is hand-drawn here.
 */
import uPlot from 'uplot';

/** One line of a plot. */
export interface PngSeries {
  label: string;
  color: string;
}

/** What a plot shows. */
export interface PngPlot {
  title: string;
  xLabel: string;
  yLabel?: string;
  /** x values, then one array per series. */
  data: (number | null)[][];
  series: PngSeries[];
  yRange?: [number, number];
  xRange?: [number, number];
}

const W = 800;
const H = 480;
const TITLE_H = 40;
const LEGEND_H = 30;

/** Renders `p` to a PNG data URL (800 x 550 CSS pixels). */
export async function plotToPng(p: PngPlot): Promise<string> {
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  host.className = 'offscreen-plot';
  document.body.appendChild(host);
  try {
    const opts: uPlot.Options = {
      width: W,
      height: H,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, ...(p.xRange ? { range: p.xRange } : {}) }, y: p.yRange ? { range: p.yRange } : { auto: true } },
      axes: [
        { label: p.xLabel, stroke: '#333', grid: { stroke: '#e5e5e5' }, font: '14px sans-serif', labelFont: '14px sans-serif' },
        { label: p.yLabel ?? '', stroke: '#333', grid: { stroke: '#e5e5e5' }, size: 64, font: '14px sans-serif', labelFont: '14px sans-serif' },
      ],
      series: [{}, ...p.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: (p.data[0]?.length ?? 0) <= 2 } }))],
    };
    const u = new uPlot(opts, p.data as uPlot.AlignedData, host);
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const out = document.createElement('canvas');
    out.width = W;
    out.height = H + TITLE_H + LEGEND_H;
    const ctx = out.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = '#111';
    ctx.font = '600 18px sans-serif';
    ctx.fillText(p.title, 16, 26);
    ctx.drawImage(u.ctx.canvas, 0, TITLE_H);
    // The legend: one swatch and name per series, left to right.
    ctx.font = '14px sans-serif';
    let x = 16;
    const y = TITLE_H + H + 20;
    for (const s of p.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(x, y - 10, 18, 4);
      ctx.fillStyle = '#111';
      ctx.fillText(s.label, x + 24, y - 4);
      x += 24 + ctx.measureText(s.label).width + 24;
    }
    u.destroy();
    return out.toDataURL('image/png');
  } finally {
    host.remove();
  }
}
