/**
 * What a predict run writes, the pure parts: YOLO label lines, the CSV summary, unique output
 * names, the progress line, plus the one I/O helper that claims a fresh output folder.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Detection } from '../../shared/schemas/evaluation';
import type { Verdict } from './verdict';

/**
 * YOLO label lines for detections on a `width` x `height` image: `cls xc yc w h`, normalised
 * to 0..1, six decimals; no score, so a reviewed file can become a training label as is.
 */
export function yoloLabelText(dets: readonly Detection[], width: number, height: number): string {
  const f = (v: number): string => Math.min(1, Math.max(0, v)).toFixed(6);
  return dets
    .map((d) => `${d.cls} ${f((d.x1 + d.x2) / 2 / width)} ${f((d.y1 + d.y2) / 2 / height)} ${f((d.x2 - d.x1) / width)} ${f((d.y2 - d.y1) / height)}\n`)
    .join('');
}

/** One row of summary.csv: an image predicted, or one that was skipped (with its error code). */
export interface CsvRow {
  file: string;
  width: number | null;
  height: number | null;
  verdict: Verdict | 'SKIPPED';
  /** Detections per class index, at the thresholds. */
  counts: readonly number[];
  maxScore: number | null;
  ms: number | null;
  error: string | null;
}

/** Quotes a CSV field when it must (RFC 4180); formula-like cells are prefixed so spreadsheets do not run them. */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** summary.csv: file, size, verdict, detections, one column per class, best score, time, error. */
export function csvSummary(rows: readonly CsvRow[], classNames: readonly string[]): string {
  const head = ['file', 'width', 'height', 'verdict', 'detections', ...classNames, 'max_score', 'ms', 'error'];
  const lines = [head.map(csvField).join(',')];
  for (const r of rows) {
    const total = r.counts.reduce((a, b) => a + b, 0);
    lines.push(
      [
        r.file,
        r.width ?? '',
        r.height ?? '',
        r.verdict,
        r.verdict === 'SKIPPED' ? '' : total,
        ...classNames.map((_, c) => (r.verdict === 'SKIPPED' ? '' : (r.counts[c] ?? 0))),
        r.maxScore === null ? '' : r.maxScore.toFixed(4),
        r.ms === null ? '' : Math.round(r.ms),
        r.error ?? '',
      ]
        .map((v) => csvField(String(v)))
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Output base names per input file: the file's stem, with -2, -3... when stems repeat. */
export function uniqueStems(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const stem = basename(f, extname(f)).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'image';
    const key = stem.toLowerCase();
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

/** The progress line: bar, count, share, speed and time left. */
export function formatProgress(done: number, total: number, elapsedMs: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : NaN;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(frac * 100)}%  ${rate.toFixed(1)} img/s  ETA ${formatDuration(eta)}`;
}

/** 75 -> "1m15s"; NaN -> "--". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/**
 * Whether to print progress now. A terminal redraws its line at most 5 times a second; a log
 * (not a TTY) gets a line at every 10% or every 10 seconds, and at the end.
 */
export function progressDue(tty: boolean, done: number, total: number, nowMs: number, last: { ms: number; done: number }): boolean {
  if (done >= total) return true;
  if (tty) return nowMs - last.ms >= 200;
  const step = Math.max(1, Math.ceil(total / 10));
  return Math.floor(done / step) > Math.floor(last.done / step) || nowMs - last.ms >= 10_000;
}

/**
 * Claims a fresh output folder, never reusing one with files: `dir` itself when it is missing
 * or empty (a folder the user made for it), else the first dir-2, dir-3, ... that does not
 * exist yet (mkdir without `recursive` is the claim, so two runs at once cannot share one).
 */
export async function claimOutputDir(dir: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? dir : `${dir}-${i}`;
    try {
      await mkdir(join(candidate, '..'), { recursive: true });
      await mkdir(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (i === 1 && (await readdir(candidate)).length === 0) return candidate;
    }
  }
}

/** The default folder of the n-th predict run of a run: runs/NAME/predict/1, 2, ... */
export async function nextPredictDir(runDir: string): Promise<string> {
  const root = join(runDir, 'predict');
  await mkdir(root, { recursive: true });
  const taken = new Set(await readdir(root));
  let n = 1;
  while (taken.has(String(n))) n++;
  return claimOutputDir(join(root, String(n)));
}
