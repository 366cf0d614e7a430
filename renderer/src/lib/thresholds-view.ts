/**
 * What one set of per-class thresholds means on the validation images, computed in the
 * renderer so the sliders update the verdict, the tiles, the confusion matrix and the gallery
 * together without a round trip. The same counting as the predict engine's
 * summarizeAtThresholds (electron/engine/predict/verdict.ts; test/renderer/thresholds-view.test.ts
 * checks they agree): greedy matching per class at IoU 0.5, highest score first.
 */
import { matchDetection } from '../../../electron/shared/match';

/** A ground-truth box (pixels; `ignore`: difficult / crowd, neither missed nor a false alarm when hit). */
export interface TruthLike {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: number;
  ignore?: boolean | undefined;
}
/** A detection with its score. */
export interface DetLike {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: number;
  score: number;
}
/** One validation image: its truths and its (low-confidence) detections. */
export interface ValImageLike {
  truths: readonly TruthLike[];
  detections: readonly DetLike[];
}

/** The threshold of class `cls` (classes beyond the list use `fallback`). */
export function confOf(confs: readonly number[], cls: number, fallback: number): number {
  return confs[cls] ?? fallback;
}

/** The detections that reach their class's threshold. */
export function keptAt<D extends DetLike>(dets: readonly D[], confs: readonly number[], fallback: number): D[] {
  return dets.filter((d) => d.score >= confOf(confs, d.cls, fallback));
}

/** One class at the thresholds. */
export interface ClassCounts {
  found: number;
  missed: number;
  falseAlarms: number;
}

/** The verdict on the validation images, in the words a factory uses. */
export interface VerdictSummary {
  classes: ClassCounts[];
  found: number;
  missed: number;
  falseAlarms: number;
  badImages: number;
  goodImages: number;
  /** Bad parts passed (a defect, verdict OK). */
  escapes: number;
  /** Good parts rejected (no defect, verdict NG). */
  overkill: number;
}

/** Matches one class's kept detections to its truths; counts found, missed and false alarms into `out`. */
function matchClass(truths: readonly TruthLike[], kept: readonly DetLike[], out: ClassCounts, iouThr: number): void {
  const used = new Uint8Array(truths.length);
  for (const d of [...kept].sort((a, b) => b.score - a.score)) {
    const m = matchDetection(d, truths, used, iouThr);
    if (m === 'false-alarm') out.falseAlarms++;
    else if (m === 'hit') out.found++;
  }
  truths.forEach((t, j) => {
    if (!t.ignore && !used[j]) out.missed++;
  });
}

/** Counts of one image at the thresholds (the gallery's badges). */
export function imageCounts(img: ValImageLike, confs: readonly number[], fallback: number, iouThr = 0.5): ClassCounts & { verdict: 'OK' | 'NG'; bad: boolean } {
  const kept = keptAt(img.detections, confs, fallback);
  const out: ClassCounts = { found: 0, missed: 0, falseAlarms: 0 };
  const classes = new Set([...img.truths.map((t) => t.cls), ...kept.map((d) => d.cls)]);
  for (const c of classes) {
    matchClass(
      img.truths.filter((t) => t.cls === c),
      kept.filter((d) => d.cls === c),
      out,
      iouThr,
    );
  }
  return { ...out, verdict: kept.length > 0 ? 'NG' : 'OK', bad: img.truths.some((t) => !t.ignore) };
}

/** The verdict summary over all validation images at the thresholds. */
export function summarize(images: readonly ValImageLike[], classCount: number, confs: readonly number[], fallback: number, iouThr = 0.5): VerdictSummary {
  const classes: ClassCounts[] = Array.from({ length: classCount }, () => ({ found: 0, missed: 0, falseAlarms: 0 }));
  let badImages = 0;
  let goodImages = 0;
  let escapes = 0;
  let overkill = 0;
  for (const img of images) {
    const kept = keptAt(img.detections, confs, fallback);
    const bad = img.truths.some((t) => !t.ignore);
    const ng = kept.length > 0;
    if (bad) {
      badImages++;
      if (!ng) escapes++;
    } else {
      goodImages++;
      if (ng) overkill++;
    }
    const ids = new Set([...img.truths.map((t) => t.cls), ...kept.map((d) => d.cls)]);
    for (const c of ids) {
      const out = classes[c];
      if (!out) continue;
      matchClass(
        img.truths.filter((t) => t.cls === c),
        kept.filter((d) => d.cls === c),
        out,
        iouThr,
      );
    }
  }
  const sum = (k: keyof ClassCounts) => classes.reduce((a, c) => a + c[k], 0);
  return { classes, found: sum('found'), missed: sum('missed'), falseAlarms: sum('falseAlarms'), badImages, goodImages, escapes, overkill };
}

/**
 * Precision and recall from counts; null where they are undefined (no detections at all:
 * no "precision 1.000" for a model that finds nothing; no defects: no recall).
 */
export function ratesOf(c: ClassCounts): { precision: number | null; recall: number | null } {
  return {
    precision: c.found + c.falseAlarms > 0 ? c.found / (c.found + c.falseAlarms) : null,
    recall: c.found + c.missed > 0 ? c.found / (c.found + c.missed) : null,
  };
}

/** The confusion matrix at the thresholds: counted in shared code, so the report's PNG counts the same (electron/shared/confusion.ts). */
export { confusionAt } from '../../../electron/shared/confusion';

/** Error types the gallery filters by. */
export type GalleryFilter = 'all' | 'misses' | 'falseAlarms' | 'correct';

/** True when an image with these counts passes the gallery's error-type filter. */
export function passesFilter(c: ClassCounts, f: GalleryFilter): boolean {
  switch (f) {
    case 'all':
      return true;
    case 'misses':
      return c.missed > 0;
    case 'falseAlarms':
      return c.falseAlarms > 0;
    case 'correct':
      return c.missed === 0 && c.falseAlarms === 0;
  }
}

/** True when an image has a truth or a kept detection of class `cls` (the gallery's class filter; null: any). */
export function showsClass(img: ValImageLike, cls: number | null, confs: readonly number[], fallback: number): boolean {
  if (cls === null) return true;
  return img.truths.some((t) => t.cls === cls) || keptAt(img.detections, confs, fallback).some((d) => d.cls === cls);
}
