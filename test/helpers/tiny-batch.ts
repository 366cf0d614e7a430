/**
 * Tiny synthetic training batches for the detector, step and backend tests: grey images (0.3)
 * with boxes painted in, and their targets in the loader's flat layout (TrainBatch's fields).
 */

/** The side of every tiny batch's images. */
export const TINY_IMGSZ = 64;

/** One target box: its image, class and corners in pixels; `paint` fills it with that value (absent: a target with nothing painted). */
export interface TinyBox {
  image: number;
  cls: number;
  box: readonly [number, number, number, number];
  paint?: number;
}

/** Two bright boxes: image 0 class 0 and image 1 class 1. */
export const TWO_BOXES: readonly TinyBox[] = [
  { image: 0, cls: 0, box: [8, 8, 40, 30], paint: 0.9 },
  { image: 1, cls: 1, box: [30, 20, 60, 60], paint: 0.9 },
];

/**
 * TWO_BOXES plus a class-0 target over the whole of image 1 (nothing painted): with it, anchors
 * of every level become positives, so every head gets a gradient.
 */
export const THREE_BOXES: readonly TinyBox[] = [...TWO_BOXES, { image: 1, cls: 0, box: [1, 1, 63, 63] }];

/** `size` grey images of `imgsz` px with `boxes` painted in, and their targets. */
export function tinyBatch(boxes: readonly TinyBox[] = TWO_BOXES, opts: { size?: number; imgsz?: number } = {}) {
  const size = opts.size ?? 2;
  const imgsz = opts.imgsz ?? TINY_IMGSZ;
  const images = new Float32Array(size * imgsz * imgsz * 3).fill(0.3);
  for (const { image, box, paint } of boxes) {
    if (paint === undefined) continue;
    const [x1, y1, x2, y2] = box;
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) for (let c = 0; c < 3; c++) images[((image * imgsz + y) * imgsz + x) * 3 + c] = paint;
  }
  return {
    size,
    imgsz,
    images,
    batchIndex: Int32Array.from(boxes, (b) => b.image),
    cls: Int32Array.from(boxes, (b) => b.cls),
    boxes: Float32Array.from(boxes.flatMap((b) => [...b.box])),
  };
}
