/**
 * Reading a run's metrics.csv (one line per epoch, written by the trainer) into columns, so a
 * reopened run draws its loss, LR and mAP curves even when its events were thinned or lost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** metrics.csv as columns: the header's names, one number (or null for an empty cell) per epoch. */
export interface MetricsColumns {
  columns: Record<string, (number | null)[]>;
}

/** Parses the CSV text; lines with the wrong number of cells (a torn last line) are skipped. */
export function parseMetricsCsv(text: string): MetricsColumns {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const columns: Record<string, (number | null)[]> = {};
  if (header.length === 0 || header[0] === '') return { columns };
  for (const h of header) columns[h] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (cells.length !== header.length) continue;
    header.forEach((h, i) => {
      const c = cells[i]!.trim();
      const v = c === '' ? null : Number(c);
      columns[h]!.push(v !== null && Number.isFinite(v) ? v : null);
    });
  }
  return { columns };
}

/** The run's metrics.csv as columns, or null when it has none. */
export async function readMetricsCsv(runDir: string): Promise<MetricsColumns | null> {
  try {
    return parseMetricsCsv(await readFile(join(runDir, 'metrics.csv'), 'utf8'));
  } catch (_err) {
    return null;
  }
}
