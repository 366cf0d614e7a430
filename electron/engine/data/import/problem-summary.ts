// Groups dataset problems by code for the sentences and text reports that must name them
// (a failed import, `kestrel dataset check` without --json), worst first, a few files each.
import { relative } from 'node:path';
import type { DatasetProblem } from '../../../shared/schemas/dataset';

/** One code's problems: how many, and the first few places. */
export interface ProblemGroup {
  code: string;
  severity: DatasetProblem['severity'];
  count: number;
  /** What to do, from the first problem of the code. */
  fix: string;
  /** The first problems of the code (at most `perCode`). */
  first: DatasetProblem[];
}

const ORDER: Record<DatasetProblem['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Groups problems by code: errors first, then the most frequent. */
export function groupProblems(problems: readonly DatasetProblem[], perCode = 3): ProblemGroup[] {
  const by = new Map<string, DatasetProblem[]>();
  for (const p of problems) {
    const list = by.get(p.code);
    if (list) list.push(p);
    else by.set(p.code, [p]);
  }
  const groups: ProblemGroup[] = [];
  for (const [code, list] of by) {
    const head = list[0];
    if (!head) continue;
    groups.push({ code, severity: head.severity, count: list.length, fix: head.fix, first: list.slice(0, perCode) });
  }
  return groups.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || b.count - a.count || a.code.localeCompare(b.code));
}

/** A place for a message: the file relative to the root (with its line), or "(dataset)". */
export function problemPlace(root: string, p: Pick<DatasetProblem, 'file' | 'line'>): string {
  const f = p.file === null ? '(dataset)' : relative(root, p.file) || p.file;
  return p.line !== null ? `${f}:${p.line}` : f;
}

/** One line naming the problems, for an error sentence: "DS_FILE_EMPTY 2x (images/a.jpg, ...)". */
export function problemsInOneLine(root: string, problems: readonly DatasetProblem[], maxCodes = 4): string {
  const groups = groupProblems(problems, 2);
  const parts = groups.slice(0, maxCodes).map((g) => `${g.code} ${g.count}x (${g.first.map((p) => problemPlace(root, p)).join(', ')}${g.count > g.first.length ? ', ...' : ''})`);
  if (groups.length > maxCodes) parts.push(`and ${groups.length - maxCodes} more kinds`);
  return parts.join('; ');
}

/** The problems as text lines, grouped by code with what to do and the first files. */
export function formatProblemGroups(root: string, problems: readonly DatasetProblem[], perCode = 5): string[] {
  const out: string[] = [];
  for (const g of groupProblems(problems, perCode)) {
    out.push(`${g.code} (${g.severity}, ${g.count}x)`);
    out.push(`  what to do: ${g.fix}`);
    for (const p of g.first) out.push(`  ${problemPlace(root, p)}  ${p.message}`);
    if (g.count > g.first.length) out.push(`  ... and ${g.count - g.first.length} more`);
  }
  return out;
}
