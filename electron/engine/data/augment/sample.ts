/**
 * One image with its boxes as augmentations pass it along: RGB bytes, boxes as flat corners
 * in this image's pixels, and per-box class and ignore flags (kept in step when boxes drop).
 */
export interface Sample {
  data: Uint8Array;
  width: number;
  height: number;
  /** x1, y1, x2, y2 per box, in pixels of this image. */
  boxes: Float32Array;
  cls: Int32Array;
  ignore: Uint8Array;
  /** The part that holds real pixels (not letterbox padding); mosaic places only this part. */
  content: { x: number; y: number; width: number; height: number };
}

/** Number of boxes of a sample. */
export function boxCount(s: Pick<Sample, 'cls'>): number {
  return s.cls.length;
}

/** Keeps the boxes whose flag is set (boxes, cls and ignore stay aligned). */
export function keepBoxes(s: Sample, keep: readonly boolean[]): Sample {
  const n = keep.filter(Boolean).length;
  const boxes = new Float32Array(n * 4);
  const cls = new Int32Array(n);
  const ignore = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    boxes.set(s.boxes.subarray(i * 4, i * 4 + 4), j * 4);
    cls[j] = s.cls[i] as number;
    ignore[j] = s.ignore[i] as number;
    j++;
  }
  return { ...s, boxes, cls, ignore };
}
