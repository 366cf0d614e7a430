/**
 * Colours of classes, chart series and boxes, and the contrast rules behind them: label text
 * is black or white, whichever reads better (WCAG contrast >= 4.5:1 on every fill), and
 * ground truth has its own colour that is no class's and stands out on green PCBs and grey steel.
 */

/** Distinct, colour-blind-friendly colours for classes and chart series (Okabe-Ito, then Tableau). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8c564b', '#F0E442', '#7f7f7f', '#17becf'];

/**
 * Ground-truth boxes: pure magenta, a hue no class uses, drawn over a black halo so it
 * shows on green circuit boards, grey steel and white backgrounds alike.
 */
export const TRUTH_COLOR = '#FF00FF';
/** The halo drawn under every box line. */
export const HALO_COLOR = '#000000';

/** The colour of class `i`. */
export function classColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** `#rrggbb` to [r, g, b] in 0..255. */
export function parseHex(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  const n = Number.parseInt(full, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG relative luminance of a colour. */
export function luminance(hex: string): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = parseHex(hex);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Black or white text, whichever contrasts more with `bg` (always >= 4.58:1). */
export function textColorOn(bg: string): '#000000' | '#ffffff' {
  return contrast(bg, '#000000') >= contrast(bg, '#ffffff') ? '#000000' : '#ffffff';
}
