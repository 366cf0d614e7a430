/**
 * Colours of annotated images: a box palette that stands out on green PCBs and grey steel,
 * and label text chosen by WCAG contrast. Pure; the rules are unit-tested.
 */

/** An sRGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/** WCAG 2 relative luminance of an sRGB colour (0 black .. 1 white). */
export function relativeLuminance([r, g, b]: Rgb): number {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two colours (1 .. 21). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [255, 255, 255];

/**
 * Black or white, whichever contrasts more with `bg`. For every background one of them
 * reaches at least 4.58:1 (the worst case is a background of luminance ~0.18), so label text
 * always meets WCAG AA (4.5:1).
 */
export function textColorOn(bg: Rgb): Rgb {
  return contrastRatio(bg, BLACK) >= contrastRatio(bg, WHITE) ? BLACK : WHITE;
}

/**
 * Typical factory backgrounds the palette is checked against: solder-mask green (dark and
 * light), bare and brushed steel greys, a dark rubber/black part and a white ceramic.
 */
export const REFERENCE_BACKGROUNDS: Readonly<Record<string, Rgb>> = Object.freeze({
  'pcb-green-dark': [22, 74, 38],
  'pcb-green': [46, 125, 50],
  'steel-grey-dark': [90, 94, 98],
  'steel-grey': [138, 141, 143],
  'steel-grey-light': [190, 192, 194],
  black: [20, 20, 20],
  white: [240, 240, 240],
});

/**
 * Box colours, one per class in turn. Saturated hues away from solder-mask green, each drawn
 * with a dark outline: on dark or green backgrounds the colour itself stands out, on light
 * or grey ones the outline does (checked by paletteContrast).
 */
export const BOX_PALETTE: readonly Rgb[] = Object.freeze([
  [255, 80, 80], // red
  [255, 221, 0], // yellow
  [255, 56, 255], // magenta
  [0, 229, 255], // cyan
  [255, 140, 0], // orange
  [255, 255, 255], // white
  [175, 120, 255], // violet
  [255, 160, 200], // pink
  [80, 160, 255], // blue
  [200, 255, 60], // lime (kept late: closest to green)
] as const);

/** Outline drawn around every box and label, dark so light colours hold on light backgrounds. */
export const OUTLINE: Rgb = [0, 0, 0];

/** The colour of class `cls`. */
export function classColor(cls: number): Rgb {
  return BOX_PALETTE[((cls % BOX_PALETTE.length) + BOX_PALETTE.length) % BOX_PALETTE.length]!;
}

/**
 * The weaker of a box colour's and its outline's contrast against a background, taking the
 * better of the two: what a viewer sees of a box outlined in OUTLINE. WCAG asks 3:1 for
 * graphical objects.
 */
export function boxVisibility(color: Rgb, bg: Rgb, outline: Rgb = OUTLINE): number {
  return Math.max(contrastRatio(color, bg), contrastRatio(outline, bg));
}

/** `#rrggbb` of a colour, for SVG and Pango markup. */
export function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}
