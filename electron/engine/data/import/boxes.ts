import type { Box } from '../../../shared/schemas/dataset';
import { finding, type Finding } from './problems';

/** A box on its way in: corners, class, flags, and where it was written (line or annotation id). */
export interface DraftBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: number;
  difficult?: boolean;
  crowd?: boolean;
  /** 1-based line of the label file, where the format has lines. */
  line: number | null;
  /** A name for the box in messages ("line 3", "annotation 17"). */
  ref: string;
}

/** Slack for coordinates just past the border (rounding in labelling tools): clipped, not reported. */
export const NORM_TOLERANCE = 1e-3;

/** Pixel slack: VOC tools disagree on 0- or 1-based corners, so one pixel past the edge is fine. */
export function pixelTolerance(side: number): number {
  return Math.max(1, side * NORM_TOLERANCE);
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * Checks boxes in pixels against the image: outside it (beyond one pixel of slack) or zero
 * area after clipping -> skipped and reported; exact duplicates -> kept and reported, since a
 * copy only weighs the object twice, and dropping it would change counts the user knows.
 */
export function validatePixelBoxes(
  boxes: readonly DraftBox[],
  width: number,
  height: number,
  checkOutside: boolean,
): { kept: Box[]; findings: Finding[] } {
  const kept: Box[] = [];
  const findings: Finding[] = [];
  const seen = new Map<string, DraftBox>();
  const tx = pixelTolerance(width);
  const ty = pixelTolerance(height);
  for (const b of boxes) {
    if (checkOutside && (b.x1 < -tx || b.y1 < -ty || b.x2 > width + tx || b.y2 > height + ty)) {
      const r = (v: number): number => Math.round(v * 10) / 10;
      findings.push(finding('DS_BOX_OUTSIDE_IMAGE', b.line, { x1: r(b.x1), y1: r(b.y1), x2: r(b.x2), y2: r(b.y2), width, height, ref: b.ref }));
      continue;
    }
    const x1 = clamp(b.x1, 0, width);
    const y1 = clamp(b.y1, 0, height);
    const x2 = clamp(b.x2, 0, width);
    const y2 = clamp(b.y2, 0, height);
    if (!(x2 > x1) || !(y2 > y1)) {
      findings.push(finding('DS_BOX_ZERO_AREA', b.line, { ref: b.ref }));
      continue;
    }
    const key = `${b.cls}|${x1.toFixed(2)}|${y1.toFixed(2)}|${x2.toFixed(2)}|${y2.toFixed(2)}`;
    const prev = seen.get(key);
    if (prev) findings.push(finding('DS_BOX_DUPLICATE', b.line, { other: prev.ref, ref: b.ref }));
    else seen.set(key, b);
    const box: Box = { x1, y1, x2, y2, cls: b.cls };
    if (b.difficult) box.difficult = true;
    if (b.crowd) box.crowd = true;
    kept.push(box);
  }
  return { kept, findings };
}
