import type { Rng } from '../rng';
import type { Sample } from './sample';
import { MIN_BOX_SIDE } from './affine';

/** Share of a box that a region must cover for the box to count as inside (Ultralytics' 0.1). */
const IOA_THRESHOLD = 0.1;

/** Intersection of box i of `boxes` with a rectangle, over the box's own area. */
function ioa(boxes: Float32Array, i: number, rx1: number, ry1: number, rx2: number, ry2: number): number {
  const x1 = boxes[i * 4] as number;
  const y1 = boxes[i * 4 + 1] as number;
  const x2 = boxes[i * 4 + 2] as number;
  const y2 = boxes[i * 4 + 3] as number;
  const iw = Math.max(0, Math.min(x2, rx2) - Math.max(x1, rx1));
  const ih = Math.max(0, Math.min(y2, ry2) - Math.max(y1, ry1));
  return (iw * ih) / Math.max((x2 - x1) * (y2 - y1), 1e-9);
}

/** Whether box i clipped to the rectangle keeps both sides over the minimum. */
function clippedLargeEnough(boxes: Float32Array, i: number, rx1: number, ry1: number, rx2: number, ry2: number): boolean {
  const w = Math.min(boxes[i * 4 + 2] as number, rx2) - Math.max(boxes[i * 4] as number, rx1);
  const h = Math.min(boxes[i * 4 + 3] as number, ry2) - Math.max(boxes[i * 4 + 1] as number, ry1);
  return w > MIN_BOX_SIDE && h > MIN_BOX_SIDE;
}

/**
 * Pastes a random rectangle of `b` into `a` (same size) with the boxes of `b` it holds.
 *
 * Like Ultralytics, the rectangle is chosen so it hides at most 10% of any box of `a` (a few
 * tries, else no change), so `a`'s labels stay true, and so that every box of `b` it cuts
 * keeps at least 10% of its area and 2 px per side: those are clipped to the rectangle and
 * kept, so no unlabelled piece of a defect is pasted.
 */
export function cutmix(a: Sample, b: Sample, rng: Rng): Sample {
  const W = a.width;
  const H = a.height;
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(0.1, 0.5);
    const aspect = rng.uniform(0.5, 2);
    const rw = Math.min(W, Math.round(Math.sqrt(area * W * H * aspect)));
    const rh = Math.min(H, Math.round(Math.sqrt((area * W * H) / aspect)));
    const rx1 = rng.int(W - rw + 1);
    const ry1 = rng.int(H - rh + 1);
    const rx2 = rx1 + rw;
    const ry2 = ry1 + rh;
    let bad = false;
    for (let i = 0; i < a.cls.length && !bad; i++) bad = ioa(a.boxes, i, rx1, ry1, rx2, ry2) > IOA_THRESHOLD;
    // A piece of a `b` box too small to label would paste an unlabelled defect: avoid it too.
    for (let i = 0; i < b.cls.length && !bad; i++) {
      const share = ioa(b.boxes, i, rx1, ry1, rx2, ry2);
      bad = share > 0 && (share < IOA_THRESHOLD || !clippedLargeEnough(b.boxes, i, rx1, ry1, rx2, ry2));
    }
    if (bad) continue;
    const data = a.data.slice();
    for (let y = ry1; y < ry2; y++) {
      const o = (y * W + rx1) * 3;
      data.set(b.data.subarray(o, o + rw * 3), o);
    }
    const boxes = Array.from(a.boxes);
    const cls = Array.from(a.cls);
    const ignore = Array.from(a.ignore);
    for (let i = 0; i < b.cls.length; i++) {
      if (ioa(b.boxes, i, rx1, ry1, rx2, ry2) < IOA_THRESHOLD) continue;
      boxes.push(
        Math.max(b.boxes[i * 4] as number, rx1),
        Math.max(b.boxes[i * 4 + 1] as number, ry1),
        Math.min(b.boxes[i * 4 + 2] as number, rx2),
        Math.min(b.boxes[i * 4 + 3] as number, ry2),
      );
      cls.push(b.cls[i] as number);
      ignore.push(b.ignore[i] as number);
    }
    return { ...a, data, boxes: Float32Array.from(boxes), cls: Int32Array.from(cls), ignore: Uint8Array.from(ignore) };
  }
  return a;
}
