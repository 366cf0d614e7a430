/**
 * Detections from an exported model's `output0` ([4 + classes, anchors]: cx, cy, w, h in input
 * pixels, then class scores), in plain TypeScript: the decode Kestrel's display path does
 * (best class per anchor, per-class thresholds, class-aware NMS, at most 300), for runs on
 * ONNX Runtime and for checking exports against TF.js.
 */
import type { Detection } from '../../shared/schemas/evaluation';
import { candidateDetection, nmsClassAware } from '../eval/nms';

/** How output0 becomes detections. */
export interface OutputDecodeOptions {
  /** Confidence threshold per class, in class order. */
  confByClass: readonly number[];
  /** NMS IoU (same-class boxes overlapping a kept one by more are dropped). */
  iou: number;
  /** Most detections kept; default 300. */
  maxDetections?: number;
}

/**
 * output0 of one image (row-major [4 + nc, anchors]) -> detections in input pixels, best
 * first. Each anchor takes its best class; it counts when that score reaches the class's threshold.
 */
export function decodeOutput0(out: ArrayLike<number>, numClasses: number, anchors: number, o: OutputDecodeOptions): Detection[] {
  if (out.length !== (4 + numClasses) * anchors) throw new Error(`decodeOutput0: ${out.length} values, expected ${(4 + numClasses) * anchors}`);
  if (o.confByClass.length !== numClasses) throw new Error(`decodeOutput0: ${o.confByClass.length} thresholds for ${numClasses} classes`);
  const boxes: number[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  for (let a = 0; a < anchors; a++) {
    let best = 0;
    let score = out[4 * anchors + a] as number;
    for (let c = 1; c < numClasses; c++) {
      const s = out[(4 + c) * anchors + a] as number;
      if (s > score) {
        score = s;
        best = c;
      }
    }
    if (!(score >= (o.confByClass[best] as number))) continue;
    const cx = out[a] as number;
    const cy = out[anchors + a] as number;
    const w = out[2 * anchors + a] as number;
    const h = out[3 * anchors + a] as number;
    boxes.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
    scores.push(score);
    classes.push(best);
  }
  const keep = nmsClassAware(boxes, scores, classes, o.iou, o.maxDetections ?? 300);
  return keep.map((i) => candidateDetection(boxes, scores, classes, i));
}

/** The in-graph NMS output `detections` ([N, 6]: x1, y1, x2, y2, score, class) as Detection objects. */
export function detectionsFromRows(rows: ArrayLike<number>): Detection[] {
  if (rows.length % 6 !== 0) throw new Error(`detectionsFromRows: ${rows.length} values are not rows of 6`);
  const out: Detection[] = [];
  for (let i = 0; i < rows.length; i += 6) {
    out.push({
      x1: rows[i] as number,
      y1: rows[i + 1] as number,
      x2: rows[i + 2] as number,
      y2: rows[i + 3] as number,
      score: rows[i + 4] as number,
      cls: Math.round(rows[i + 5] as number),
    });
  }
  return out;
}

/** NHWC [H, W, 3] pixels -> NCHW [3, H, W], the layout the exported model takes. */
export function nhwcToNchw(img: ArrayLike<number>, h: number, w: number): Float32Array {
  if (img.length !== h * w * 3) throw new Error(`nhwcToNchw: ${img.length} values for ${h}x${w}x3`);
  const out = new Float32Array(img.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    out[p] = img[3 * p] as number;
    out[plane + p] = img[3 * p + 1] as number;
    out[2 * plane + p] = img[3 * p + 2] as number;
  }
  return out;
}
