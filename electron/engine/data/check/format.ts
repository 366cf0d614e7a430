import { relative } from 'node:path';
import type { DatasetProblem } from '../../../shared/schemas/dataset';
import type { DatasetReport } from '../../../shared/schemas/dataset-report';

/** At most this many files are listed per problem code in the text report. */
export const FILES_PER_CODE = 20;

function table(rows: (string | number)[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((v, c) => (c === 0 ? String(v).padEnd(widths[c] ?? 0) : String(v).padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const pct = (v: number): string => `${Math.round(v * 1000) / 10}%`;
const SEVERITY_ORDER: Record<DatasetProblem['severity'], number> = { error: 0, warning: 1, info: 2 };

/**
 * The check report as text for a terminal: counts per split and class, the box-size
 * histogram, the small-object verdict, then problems grouped by code, worst first, each
 * with what to do and the files (with line numbers) it was found in.
 */
export function formatReport(r: DatasetReport): string {
  const out: string[] = [];
  const rel = (f: string | null): string => (f === null ? '(dataset)' : relative(r.root, f) || f);
  out.push(`Dataset ${r.root}`);
  out.push(
    `Format ${r.format}, ${r.classNames.length} classes, ${r.hasOwnValSplit ? 'validation split given by the dataset' : 'no validation split (Kestrel will make one)'}`,
  );
  out.push(
    `Images: ${r.totals.found} found, ${r.totals.usable} usable, ${r.totals.skipped} skipped; ${r.totals.boxes} boxes; ${r.totals.background} background images`,
  );
  out.push('');
  out.push(
    ...table([
      ['split', 'images', 'boxes', 'background'],
      ...(['train', 'val', 'test'] as const).map((s) => [s, r.splits[s].images, r.splits[s].boxes, r.splits[s].background]),
    ]),
  );
  out.push('');
  out.push(...table([['class', 'train', 'val', 'test', 'images'], ...r.classes.map((c) => [`${c.cls} ${c.name}`, c.boxes.train, c.boxes.val, c.boxes.test, c.images])]));
  out.push('');
  out.push('Box size (sqrt(area) / longer image side):');
  const maxCount = Math.max(1, ...r.boxSizes.map((b) => b.count));
  for (const b of r.boxSizes) {
    const label = `${pct(b.lo)}-${pct(b.hi)}`.padEnd(12);
    out.push(`  ${label} ${String(b.count).padStart(6)}  ${'#'.repeat(Math.round((b.count / maxCount) * 40))}`.trimEnd());
  }
  const s = r.smallObjects;
  out.push(
    s.warn
      ? `Small objects: ${pct(s.fraction)} of boxes below ${s.minPx} px at input size ${s.imgsz}; suggested input size ${s.suggestedImgsz ?? s.imgsz}.`
      : `Small objects: ${pct(s.fraction)} of boxes below ${s.minPx} px at input size ${s.imgsz}: fine.`,
  );
  out.push('');
  out.push(`Problems: ${r.errors} errors, ${r.warnings} warnings, ${r.problems.length - r.errors - r.warnings} notes`);
  const byCode = new Map<string, DatasetProblem[]>();
  for (const p of r.problems) byCode.set(p.code, [...(byCode.get(p.code) ?? []), p]);
  const codes = [...byCode.entries()].sort(
    (a, b) => SEVERITY_ORDER[a[1][0]?.severity ?? 'info'] - SEVERITY_ORDER[b[1][0]?.severity ?? 'info'] || b[1].length - a[1].length,
  );
  for (const [code, list] of codes) {
    const first = list[0];
    if (!first) continue;
    out.push('');
    out.push(`${code} (${first.severity}, ${list.length}x)`);
    out.push(`  what to do: ${first.fix}`);
    for (const p of list.slice(0, FILES_PER_CODE)) out.push(`  ${rel(p.file)}${p.line !== null ? `:${p.line}` : ''}  ${p.message}`);
    if (list.length > FILES_PER_CODE) out.push(`  ... and ${list.length - FILES_PER_CODE} more (use --json for all)`);
  }
  return out.join('\n');
}
