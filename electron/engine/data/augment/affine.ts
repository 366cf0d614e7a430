import { PAD_VALUE } from '../letterbox';
import { keepBoxes, type Sample } from './sample';

/** Smallest box side (px) that survives an augmentation, as in Ultralytics. */
export const MIN_BOX_SIDE = 2;
/** Smallest share of a box's (scaled) area that must stay visible, as in Ultralytics. */
export const MIN_AREA_RATIO = 0.1;
/** Largest aspect ratio of a surviving box. */
export const MAX_ASPECT = 100;

/**
 * Scales a sample by `scale` about its centre and places that centre at (tx, ty) of a new
 * outSize x outSize image; pixels bilinear, outside filled with gray 114. Rotation and shear
 * stay at zero (the YOLO defaults), so boxes transform exactly rather than approximately.
 * Boxes are clipped to the output and dropped by {@link boxCandidates}.
 */
export function warpScaleTranslate(s: Sample, outSize: number, scale: number, tx: number, ty: number): Sample {
  const cx = s.width / 2;
  const cy = s.height / 2;
  const out = new Uint8Array(outSize * outSize * 3).fill(PAD_VALUE);
  // Per-column and per-row source positions: the map is separable, so precompute both axes.
  const xs = axisMap(outSize, s.width, scale, tx, cx);
  const ys = axisMap(outSize, s.height, scale, ty, cy);
  const src = s.data;
  const w = s.width;
  // Fixed-point weights (8 bits) keep the inner loop in integer arithmetic.
  for (let y = 0; y < outSize; y++) {
    const y0 = ys.i0[y] as number;
    if (y0 < 0) continue;
    const wy = ys.w[y] as number;
    const r0 = y0 * w * 3;
    const r1 = (ys.i1[y] as number) * w * 3;
    let o = (y * outSize + xs.first) * 3;
    for (let x = xs.first; x < xs.last; x++, o += 3) {
      const a = (xs.i0[x] as number) * 3;
      const b = (xs.i1[x] as number) * 3;
      const wx = xs.w[x] as number;
      for (let k = 0; k < 3; k++) {
        const p = src[r0 + a + k] as number;
        const q = src[r1 + a + k] as number;
        const top = (p << 8) + ((src[r0 + b + k] as number) - p) * wx;
        const bot = (q << 8) + ((src[r1 + b + k] as number) - q) * wx;
        out[o + k] = ((top << 8) + (bot - top) * wy + 32768) >> 16;
      }
    }
  }
  const n = s.cls.length;
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n * 4; i += 2) {
    boxes[i] = ((s.boxes[i] as number) - cx) * scale + tx;
    boxes[i + 1] = ((s.boxes[i + 1] as number) - cy) * scale + ty;
  }
  const before = s.boxes;
  const clipped = clipBoxes(boxes, outSize, outSize);
  const keep = boxCandidates(before, clipped, scale);
  const contentX = (s.content.x - cx) * scale + tx;
  const contentY = (s.content.y - cy) * scale + ty;
  const moved: Sample = {
    data: out,
    width: outSize,
    height: outSize,
    boxes: clipped,
    cls: s.cls,
    ignore: s.ignore,
    content: clipRect(contentX, contentY, s.content.width * scale, s.content.height * scale, outSize),
  };
  return keepBoxes(moved, keep);
}

function axisMap(outLen: number, inLen: number, scale: number, t: number, c: number): { i0: Int32Array; i1: Int32Array; w: Int32Array; first: number; last: number } {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const w = new Int32Array(outLen);
  let first = outLen;
  let last = 0;
  for (let o = 0; o < outLen; o++) {
    // Continuous coordinates: pixel o spans [o, o + 1]; sample at its centre.
    const f = (o + 0.5 - t) / scale + c - 0.5;
    if (f < -0.5 || f > inLen - 0.5) {
      i0[o] = -1;
      continue;
    }
    first = Math.min(first, o);
    last = o + 1;
    const fl = Math.floor(f);
    i0[o] = Math.max(0, fl);
    i1[o] = Math.min(inLen - 1, fl + 1);
    w[o] = fl < 0 ? 0 : Math.round((f - fl) * 256);
  }
  return { i0, i1, w, first, last };
}

function clipRect(x: number, y: number, w: number, h: number, size: number): Sample['content'] {
  const x1 = Math.max(0, Math.round(x));
  const y1 = Math.max(0, Math.round(y));
  const x2 = Math.min(size, Math.round(x + w));
  const y2 = Math.min(size, Math.round(y + h));
  return { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) };
}

/** Clips flat x1y1x2y2 boxes to [0, w] x [0, h] (new array). */
export function clipBoxes(boxes: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = Math.min(Math.max(boxes[i] as number, 0), w);
    out[i + 1] = Math.min(Math.max(boxes[i + 1] as number, 0), h);
    out[i + 2] = Math.min(Math.max(boxes[i + 2] as number, 0), w);
    out[i + 3] = Math.min(Math.max(boxes[i + 3] as number, 0), h);
  }
  return out;
}

/**
 * Which transformed boxes to keep (Ultralytics' box_candidates): both sides over 2 px, at
 * least 10% of the scaled original area still visible, aspect ratio under 100.
 */
export function boxCandidates(before: Float32Array, after: Float32Array, scale: number): boolean[] {
  const keep: boolean[] = [];
  for (let i = 0; i < before.length; i += 4) {
    const w1 = (before[i + 2] as number) - (before[i] as number);
    const h1 = (before[i + 3] as number) - (before[i + 1] as number);
    const w2 = (after[i + 2] as number) - (after[i] as number);
    const h2 = (after[i + 3] as number) - (after[i + 1] as number);
    const ar = Math.max(w2 / (h2 + 1e-16), h2 / (w2 + 1e-16));
    keep.push(
      w2 > MIN_BOX_SIDE && h2 > MIN_BOX_SIDE && (w2 * h2) / (w1 * h1 * scale * scale + 1e-16) > MIN_AREA_RATIO && ar < MAX_ASPECT,
    );
  }
  return keep;
}
