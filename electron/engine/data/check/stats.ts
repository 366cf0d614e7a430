import type { Dataset, ImageRecord } from '../../../shared/schemas/dataset';
import type { SmallObjects } from '../../../shared/schemas/dataset-report';

/** Every usable image of a dataset, all splits. */
export function allRecords(ds: Dataset): ImageRecord[] {
  return [...ds.splits.train, ...ds.splits.val, ...ds.splits.test];
}

/**
 * Box sizes relative to their image: sqrt(box area) / longer image side. The longer side is
 * what letterboxing scales to the input size, so size x imgsz is the box's size in the network.
 */
export function boxRelSizes(records: readonly ImageRecord[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    const side = Math.max(r.width, r.height);
    for (const b of r.boxes) out.push(Math.sqrt(Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1)) / side);
  }
  return out;
}

/** Edges of the box-size histogram: log-spaced, as defect sizes span orders of magnitude. */
export const SIZE_BIN_EDGES = [0, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, Infinity];

/** Counts sizes into [lo, hi) bins. */
export function sizeHistogram(sizes: readonly number[], edges: readonly number[] = SIZE_BIN_EDGES): { lo: number; hi: number; count: number }[] {
  const bins = edges.slice(0, -1).map((lo, i) => ({ lo, hi: edges[i + 1] ?? Infinity, count: 0 }));
  for (const s of sizes) {
    const bin = bins.find((b) => s >= b.lo && s < b.hi);
    if (bin) bin.count++;
  }
  // JSON has no Infinity; a box inside its image is at most 1 image side, so the open bin ends at 1.
  return bins.map((b) => (Number.isFinite(b.hi) ? b : { ...b, hi: 1 }));
}

/** The q-quantile (0..1) of values, linear between neighbours; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] ?? 0;
  const b = s[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

/** Boxes below this many pixels (sqrt of area) at the input size are hard for a stride-8 head. */
export const SMALL_OBJECT_PX = 8;
/** Warn when more than this fraction of boxes would be that small. */
export const SMALL_OBJECT_LIMIT = 0.1;
/** Largest input size Kestrel suggests; beyond it, tiling is the better answer. */
export const MAX_SUGGESTED_IMGSZ = 1280;

/**
 * Would many boxes shrink below ~8 px at the planned input size? If so, suggest the smallest
 * input size (multiple of 32, up to 1280) at which at most 10% of them do.
 */
export function smallObjectCheck(sizes: readonly number[], imgsz: number, minPx = SMALL_OBJECT_PX, limit = SMALL_OBJECT_LIMIT): SmallObjects {
  const fractionAt = (sz: number): number => (sizes.length === 0 ? 0 : sizes.filter((s) => s * sz < minPx).length / sizes.length);
  const fraction = fractionAt(imgsz);
  if (fraction <= limit) return { imgsz, minPx, fraction, suggestedImgsz: null, warn: false };
  let suggested = MAX_SUGGESTED_IMGSZ;
  for (let sz = Math.ceil((imgsz + 1) / 32) * 32; sz <= MAX_SUGGESTED_IMGSZ; sz += 32) {
    if (fractionAt(sz) <= limit) {
      suggested = sz;
      break;
    }
  }
  return { imgsz, minPx, fraction, suggestedImgsz: suggested, warn: true };
}
