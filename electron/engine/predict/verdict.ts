/**
 * The OK/NG verdict at per-class thresholds and what the chosen thresholds mean on the
 * validation images (defects found and missed, false alarms, image-level escapes and
 * overkill). Pure functions over plain data: predict, export and Results share them.
 */
import type { Detection, EvalTruth } from '../../shared/schemas/evaluation';
import { matchDetection } from '../../shared/match';

/** An image's verdict: NG when any detection reaches its class threshold, else OK. */
export type Verdict = 'OK' | 'NG';

/** Per-class thresholds by class index; classes beyond the list use `fallback`. */
export interface ClassConfs {
  byClass: readonly number[];
  fallback: number;
}

/** The threshold of class `cls`. */
export function confOf(confs: ClassConfs, cls: number): number {
  return confs.byClass[cls] ?? confs.fallback;
}

/** The detections that reach their class's threshold. */
export function keepAtThresholds<D extends Pick<Detection, 'cls' | 'score'>>(dets: readonly D[], confs: ClassConfs): D[] {
  return dets.filter((d) => d.score >= confOf(confs, d.cls));
}

/** NG when any detection reaches its class threshold, else OK. */
export function verdictOf(dets: readonly Pick<Detection, 'cls' | 'score'>[], confs: ClassConfs): Verdict {
  return dets.some((d) => d.score >= confOf(confs, d.cls)) ? 'NG' : 'OK';
}

/** One class's boxes at the thresholds. */
export interface ClassOutcome {
  name: string;
  /** Defects (truth boxes) found: matched by a kept detection of the class at IoU >= 0.5. */
  found: number;
  /** Defects nobody found. */
  missed: number;
  /** Kept detections matching no defect of their class. */
  falseAlarms: number;
}

/** What the thresholds mean on the validation images, in the words a factory uses. */
export interface ThresholdSummary {
  classes: ClassOutcome[];
  found: number;
  missed: number;
  falseAlarms: number;
  /** Images with at least one defect (bad parts) and without (good parts). */
  badImages: number;
  goodImages: number;
  /** Bad parts passed: images with a defect whose verdict is OK. */
  escapes: number;
  /** Good parts rejected: images without a defect whose verdict is NG. */
  overkill: number;
  /** Bad parts rejected and good parts passed. */
  caught: number;
  passed: number;
}

/**
 * Counts at the chosen thresholds. Boxes: greedy matching per class, highest score first,
 * IoU >= `iouThr`, each truth taken once; a detection on an ignore box (difficult / crowd)
 * is neither a find nor a false alarm, and an ignore box is never missed. Images: a part is
 * bad when it has a (non-ignored) defect; its verdict comes from `verdictOf`, so a bad part
 * rejected for the wrong box still counts as caught (the part is stopped either way).
 */
export function summarizeAtThresholds(
  images: readonly { truths: readonly EvalTruth[]; detections: readonly Detection[] }[],
  classNames: readonly string[],
  confs: ClassConfs,
  iouThr = 0.5,
): ThresholdSummary {
  const classes: ClassOutcome[] = classNames.map((name) => ({ name, found: 0, missed: 0, falseAlarms: 0 }));
  const s = { badImages: 0, goodImages: 0, escapes: 0, overkill: 0, caught: 0, passed: 0 };
  for (const im of images) {
    const kept = keepAtThresholds(im.detections, confs);
    const bad = im.truths.some((t) => !t.ignore);
    const ng = kept.length > 0;
    if (bad) {
      s.badImages++;
      if (ng) s.caught++;
      else s.escapes++;
    } else {
      s.goodImages++;
      if (ng) s.overkill++;
      else s.passed++;
    }
    const clsIds = new Set([...im.truths.map((t) => t.cls), ...kept.map((d) => d.cls)]);
    for (const c of clsIds) {
      const out = classes[c];
      if (!out) continue;
      const truths = im.truths.filter((t) => t.cls === c);
      const used = new Uint8Array(truths.length);
      for (const d of kept.filter((k) => k.cls === c).sort((a, b) => b.score - a.score)) {
        const m = matchDetection(d, truths, used, iouThr);
        if (m === 'false-alarm') out.falseAlarms++;
        else if (m === 'hit') out.found++;
      }
      truths.forEach((t, j) => {
        if (!t.ignore && !used[j]) out.missed++;
      });
    }
  }
  const sum = (k: 'found' | 'missed' | 'falseAlarms'): number => classes.reduce((a, c) => a + c[k], 0);
  return { classes, found: sum('found'), missed: sum('missed'), falseAlarms: sum('falseAlarms'), ...s };
}
