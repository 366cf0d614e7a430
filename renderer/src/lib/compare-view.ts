/**
 * Side-by-side comparison of runs (Past runs): one column per run, one row per setting,
 * per-class AP, threshold and training time. Plain TypeScript so the table is unit-tested
 * (test/renderer/compare-view.test.ts).
 */

/** What the comparison knows of one run. */
export interface CompareInput {
  id: string;
  title?: string | undefined;
  datasetPath: string | null;
  model: { scale: string; imgsz: number } | null;
  epochsDone: number;
  /** plan.json (any shape: older runs lack fields). */
  plan: Record<string, unknown> | null;
  /** metrics.csv columns (epoch_seconds gives the time). */
  metrics: Record<string, (number | null)[]> | null;
  map50: number | null;
  map50_95: number | null;
  perClass: { name: string; ap50: number; ap50_95: number }[];
  thresholds: { name: string; conf: number }[];
  /** The run it was fine-tuned from (null: from scratch). */
  parentRun?: string | null | undefined;
}

/** One row: a label (a message key and its params, or a class name) and a cell per run. */
export interface CompareRow {
  kind: 'setting' | 'ap' | 'threshold';
  /** Message key of the setting, or the class name for AP and threshold rows. */
  label: string;
  cells: (string | number | null)[];
  /** Index of the best cell (highest AP), for highlighting; null for settings. */
  best: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Training time in seconds from metrics.csv's epoch_seconds (null without it). */
export function trainSeconds(metrics: Record<string, (number | null)[]> | null): number | null {
  const col = metrics?.['epoch_seconds'];
  if (!col || col.length === 0) return null;
  return col.reduce<number>((a, v) => a + (v ?? 0), 0);
}

/** The last folder name of a path (the dataset column). */
export function baseName(p: string | null): string {
  if (!p) return '–';
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

function bestOf(cells: (number | null)[]): number | null {
  let best: number | null = null;
  cells.forEach((v, i) => {
    if (v !== null && (best === null || v > (cells[best] ?? -Infinity))) best = i;
  });
  return cells.filter((v) => v !== null).length > 1 ? best : null;
}

/** The comparison table: settings, then AP50-95 per class (union of classes by name), then thresholds per class. */
export function compareRows(runs: readonly CompareInput[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const setting = (label: string, f: (r: CompareInput) => string | number | null) => rows.push({ kind: 'setting', label, cells: runs.map(f), best: null });
  setting('compare.dataset', (r) => baseName(r.datasetPath));
  setting('compare.model', (r) => (r.model ? `${r.model.scale} · ${r.model.imgsz} px` : null));
  if (runs.some((r) => r.parentRun)) setting('compare.parent', (r) => r.parentRun ?? null);
  setting('compare.epochs', (r) => r.epochsDone);
  setting('compare.batch', (r) => {
    const b = num(r.plan?.['perDeviceBatch']);
    const a = num(r.plan?.['accumulation']);
    return b === null ? null : a !== null && a > 1 ? `${b} × ${a}` : b;
  });
  setting('compare.optimizer', (r) => (typeof r.plan?.['optimizer'] === 'string' ? (r.plan['optimizer'] === 'sgd' ? 'SGD' : 'AdamW') : null));
  setting('compare.lr', (r) => num(r.plan?.['lr']));
  setting('compare.time', (r) => trainSeconds(r.metrics));
  const map = runs.map((r) => r.map50_95);
  rows.push({ kind: 'setting', label: 'compare.map50', cells: runs.map((r) => r.map50), best: bestOf(runs.map((r) => r.map50)) });
  rows.push({ kind: 'setting', label: 'compare.map50_95', cells: map, best: bestOf(map) });
  const classes = [...new Set(runs.flatMap((r) => r.perClass.map((c) => c.name)))];
  for (const name of classes) {
    const cells = runs.map((r) => r.perClass.find((c) => c.name === name)?.ap50_95 ?? null);
    rows.push({ kind: 'ap', label: name, cells, best: bestOf(cells) });
  }
  const thrClasses = [...new Set(runs.flatMap((r) => r.thresholds.map((c) => c.name)))];
  for (const name of thrClasses) rows.push({ kind: 'threshold', label: name, cells: runs.map((r) => r.thresholds.find((c) => c.name === name)?.conf ?? null), best: null });
  return rows;
}
