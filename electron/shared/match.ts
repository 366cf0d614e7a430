/**
 * Matching detections to ground truth at one confidence: the figures behind the results
 * gallery's ranking and the confidence slider. Pure, so the app and the renderer share it.
 */

/** A box with corners in pixels. */
export interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
/** A ground-truth box; `ignore` boxes (difficult/crowd) are neither misses nor matchable errors. */
export type TruthBox = Corners & { cls: number; ignore?: boolean | undefined };
/** A detection with its score. */
export type DetBox = Corners & { cls: number; score: number };

/** Intersection over union of two boxes (0 for empty ones). */
export function iou(a: Corners, b: Corners): number {
  const iw = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const ih = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** How a detection fared in greedy matching: it hit a truth, hit an ignored one (difficult/crowd), or hit nothing. */
export type GreedyMatch = 'hit' | 'ignored' | 'false-alarm';

/**
 * The truth a detection takes in greedy matching (detections taken best first): the unused one
 * with the highest IoU at or above `iouThr` (the first of equals), or -1 when none. Marks nothing.
 */
export function bestUnusedTruth(d: Corners, truths: readonly Corners[], used: Uint8Array, iouThr: number): number {
  let best = -1;
  let bestIou = iouThr;
  for (let j = 0; j < truths.length; j++) {
    if (used[j]) continue;
    const v = iou(d, truths[j]!);
    if (v >= bestIou) {
      bestIou = v;
      best = j;
    }
  }
  return best;
}

/**
 * One step of greedy matching: the detection takes its {@link bestUnusedTruth} and marks it in
 * `used`. A detection on an `ignore` truth is neither a hit nor a false alarm.
 */
export function matchDetection(d: Corners, truths: readonly (Corners & { ignore?: boolean | undefined })[], used: Uint8Array, iouThr: number): GreedyMatch {
  const best = bestUnusedTruth(d, truths, used, iouThr);
  if (best < 0) return 'false-alarm';
  used[best] = 1;
  return truths[best]!.ignore ? 'ignored' : 'hit';
}

/** Counts of one image at a confidence: hits, false alarms and misses. */
export interface MatchCounts {
  tp: number;
  fp: number;
  fn: number;
}

/**
 * Greedy matching, highest score first, within a class, at IoU >= `iouThr`: each truth takes
 * at most one detection. A detection on an `ignore` box counts as neither hit nor false alarm.
 */
export function matchImage(truths: TruthBox[], dets: DetBox[], conf: number, iouThr = 0.5): MatchCounts {
  const used = new Set<number>();
  let tp = 0;
  let fp = 0;
  const kept = dets.filter((d) => d.score >= conf).sort((a, b) => b.score - a.score);
  for (const d of kept) {
    let best = -1;
    let bestIou = iouThr;
    for (let i = 0; i < truths.length; i++) {
      const t = truths[i]!;
      if (used.has(i) || t.cls !== d.cls) continue;
      const v = iou(t, d);
      if (v >= bestIou) {
        bestIou = v;
        best = i;
      }
    }
    if (best < 0) fp++;
    else {
      used.add(best);
      if (!truths[best]!.ignore) tp++;
    }
  }
  const fn = truths.filter((t, i) => !t.ignore && !used.has(i)).length;
  return { tp, fp, fn };
}

/** Precision, recall and F1 over many images at each confidence of `confs`. */
export function confidenceSweep(
  images: { truths: TruthBox[]; detections: DetBox[] }[],
  confs: number[],
  iouThr = 0.5,
): { conf: number[]; precision: number[]; recall: number[]; f1: number[] } {
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  for (const c of confs) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const img of images) {
      const m = matchImage(img.truths, img.detections, c, iouThr);
      tp += m.tp;
      fp += m.fp;
      fn += m.fn;
    }
    const p = tp + fp > 0 ? tp / (tp + fp) : 1;
    const r = tp + fn > 0 ? tp / (tp + fn) : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  return { conf: [...confs], precision, recall, f1 };
}
