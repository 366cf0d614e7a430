import type { Detection } from '../../shared/schemas/evaluation';
import { iou } from './boxes';

/**
 * Class-aware greedy NMS: keeps the highest-scoring box, drops later boxes of the SAME class
 * whose IoU with a kept one exceeds `iouThreshold`, and stops at `maxDetections` kept.
 *
 * Plain TypeScript on purpose: after the confidence pre-filter and top-k on the device there
 * are at most a few thousand candidates per image, and each is compared only against the
 * kept boxes of its own class (at most `maxDetections`), so this is cheaper than a per-class
 * round trip through tf.image.nonMaxSuppression.
 *
 * @param boxes   corners, 4 numbers per candidate (x1, y1, x2, y2)
 * @param scores  one score per candidate
 * @param classes one class index per candidate
 * @param sorted  true when candidates already come in descending score order (top-k output),
 *                which saves the sort
 * @returns indices of the kept candidates, in descending score order
 */
export function nmsClassAware(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  classes: ArrayLike<number>,
  iouThreshold: number,
  maxDetections: number,
  sorted = false,
): number[] {
  const n = scores.length;
  let order: ArrayLike<number>;
  if (sorted) {
    order = { length: n } as ArrayLike<number>;
  } else {
    const idx = Array.from({ length: n }, (_, i) => i);
    // Stable sort: equal scores keep their input order, so results are reproducible.
    idx.sort((a, b) => (scores[b] as number) - (scores[a] as number));
    order = idx;
  }
  const keep: number[] = [];
  // Kept boxes per class, flattened corners, so the inner loop touches only numbers.
  const keptByClass = new Map<number, number[]>();
  for (let r = 0; r < n && keep.length < maxDetections; r++) {
    const i = sorted ? r : (order[r] as number);
    const c = classes[i] as number;
    const x1 = boxes[4 * i] as number;
    const y1 = boxes[4 * i + 1] as number;
    const x2 = boxes[4 * i + 2] as number;
    const y2 = boxes[4 * i + 3] as number;
    let kept = keptByClass.get(c);
    if (kept === undefined) {
      kept = [];
      keptByClass.set(c, kept);
    }
    let suppressed = false;
    for (let k = 0; k < kept.length; k += 4) {
      if (iou(x1, y1, x2, y2, kept[k] as number, kept[k + 1] as number, kept[k + 2] as number, kept[k + 3] as number) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    kept.push(x1, y1, x2, y2);
    keep.push(i);
  }
  return keep;
}

/**
 * Candidate `i` of the flat arrays NMS reads (4 corners per candidate, one score and one class
 * each) as a Detection: how both decoders (TF.js and an exported model's output0) hand the kept
 * candidates on.
 */
export function candidateDetection(boxes: ArrayLike<number>, scores: ArrayLike<number>, classes: ArrayLike<number>, i: number): Detection {
  return {
    x1: boxes[4 * i] as number,
    y1: boxes[4 * i + 1] as number,
    x2: boxes[4 * i + 2] as number,
    y2: boxes[4 * i + 3] as number,
    score: scores[i] as number,
    cls: classes[i] as number,
  };
}
