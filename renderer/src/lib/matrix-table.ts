/**
 * Rows of the labelled tables MatrixTable.svelte draws (the confusion matrix of Results, the
 * run comparison of Past runs): plain data, built by pure functions unit-tested in
 * test/renderer/matrix-table.test.ts.
 */

/** One cell: its text, an optional shade (0-9) and mark (the diagonal, the best value of a row). */
export interface MatrixCell {
  text: string;
  heat?: number;
  mark?: 'diag' | 'best';
}

/** One row: its label and cells; a group row starts a new block (per-class figures). */
export interface MatrixRow {
  label: string;
  cells: MatrixCell[];
  group?: boolean;
}

/** Shade 0-9 of a count against the largest one (at least 1, so an empty matrix stays pale). */
export function heatOf(v: number, max: number): number {
  return Math.min(9, Math.max(0, Math.round((v / Math.max(1, max)) * 9)));
}

/**
 * The confusion matrix as rows: one per predicted class plus the background row (missed
 * defects), cells shaded by count, the diagonal of real classes marked. `labels` names the
 * rows (the last one the background row's label).
 */
export function confusionRows(matrix: readonly (readonly number[])[], labels: readonly string[], classes: number): MatrixRow[] {
  const max = Math.max(1, ...matrix.flat());
  return matrix.map((row, i) => ({
    label: labels[i] ?? String(i),
    cells: row.map((v, j) => ({ text: String(v), heat: heatOf(v, max), ...(i === j && i < classes ? { mark: 'diag' as const } : {}) })),
  }));
}
