// Checks and compares edited boxes before any format writes them: pure, shared by the writers.
import type { EditBox } from '../../../shared/schemas/labels';
import { labelsError } from './errors';

/** Two coordinates closer than this (pixels) are the same: the editor sends back what it got. */
const SAME_PX = 1e-6;

/** True when an edited box has the same corners as the object it came from. */
export function sameCorners(a: Pick<EditBox, 'x1' | 'y1' | 'x2' | 'y2'>, b: Pick<EditBox, 'x1' | 'y1' | 'x2' | 'y2'>): boolean {
  return Math.abs(a.x1 - b.x1) < SAME_PX && Math.abs(a.y1 - b.y1) < SAME_PX && Math.abs(a.x2 - b.x2) < SAME_PX && Math.abs(a.y2 - b.y2) < SAME_PX;
}

/**
 * Clips boxes to the image and checks them: a box with no area inside the image, or a class
 * the dataset does not have, throws LABELS_BOX_INVALID / LABELS_CLASS_UNKNOWN (1-based index).
 */
export function checkBoxes(boxes: readonly EditBox[], width: number, height: number, classCount: number): EditBox[] {
  return boxes.map((b, i) => {
    const x1 = Math.max(0, Math.min(b.x1, b.x2));
    const x2 = Math.min(width, Math.max(b.x1, b.x2));
    const y1 = Math.max(0, Math.min(b.y1, b.y2));
    const y2 = Math.min(height, Math.max(b.y1, b.y2));
    if (!(x2 - x1 > 0 && y2 - y1 > 0)) throw labelsError('LABELS_BOX_INVALID', { index: i + 1 });
    if (b.cls >= classCount)
      throw labelsError('LABELS_CLASS_UNKNOWN', {
        index: i + 1,
        cls: b.cls,
        count: classCount,
      });
    // Untouched corners keep their exact values, so an unchanged box is recognised as such.
    return {
      ...b,
      x1: x1 === Math.min(b.x1, b.x2) ? b.x1 : x1,
      y1: y1 === Math.min(b.y1, b.y2) ? b.y1 : y1,
      x2,
      y2,
    };
  });
}

/** Line ending a text uses (CRLF when its first line break is one). */
export function eolOf(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}
