import type { Corners } from '../../shared/match';

/**
 * A function of two corner boxes given as plain numbers: a's x1, y1, x2, y2, then b's. The IoU
 * here and the loss's CIoU (loss/iou.ts) share it. Plain numbers rather than tensors or objects:
 * evaluation, NMS and the assigner compare a few boxes at a time in tight loops, where a device
 * round trip or an object per box would cost more than the arithmetic.
 */
export type CornerPairFn<T> = (ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number) => T;

/** IoU of two corner boxes (x1, y1, x2, y2). Degenerate boxes have zero area, so IoU 0. */
export const iou: CornerPairFn<number> = (ax1, ay1, ax2, ay2, bx1, by1, bx2, by2) => {
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  if (iw <= 0) return 0;
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1) + Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
};

/** A box given by its corners (one type with the renderer's matching); Detection and ground-truth boxes both fit. */
export type { Corners };

/** IoU of two corner boxes given as objects. */
export function boxIou(a: Corners, b: Corners): number {
  return iou(a.x1, a.y1, a.x2, a.y2, b.x1, b.y1, b.x2, b.y2);
}
