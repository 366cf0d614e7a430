import type { Box } from '../../shared/schemas/dataset';
import type { EvalTruth } from '../../shared/schemas/evaluation';

/**
 * A dataset image's boxes as evaluation sees them: VOC `difficult` and COCO `iscrowd` both
 * become `ignore`, so neither format's special boxes count as misses or false positives.
 */
export function truthsFromBoxes(boxes: readonly Box[]): EvalTruth[] {
  return boxes.map((b) => {
    const t: EvalTruth = { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, cls: b.cls };
    if (b.difficult === true || b.crowd === true) t.ignore = true;
    return t;
  });
}
