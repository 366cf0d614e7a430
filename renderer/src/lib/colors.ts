/** Distinct, colour-blind-friendly colours for classes and chart series (Okabe-Ito, then Tableau). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8c564b', '#F0E442', '#7f7f7f', '#17becf'];

/** The colour of class `i`. */
export function classColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
