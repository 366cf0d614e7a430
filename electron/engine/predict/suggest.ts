/**
 * Suggesting a confidence threshold per class from the validation predictions a run saves
 * (val-predictions.json: truths and low-confidence detections per image): the best F1, or
 * the highest threshold that still meets a recall target. Pure; Results calls it through the
 * app layer and shows the reason.
 */
import type { Detection, EvalTruth } from '../../shared/schemas/evaluation';
import { reason, type Reason } from '../../shared/reason';
import type { Thresholds } from '../../shared/schemas/thresholds';
import { matchDetection } from '../../shared/match';

/** One class's detections over the validation set, best first, each a hit or not (IoU 0.5). */
export interface ClassCurve {
  /** Detection scores, descending. */
  scores: number[];
  /** Per detection: it matched a truth box (true), or was a false alarm (false). */
  hits: boolean[];
  /** Truth boxes of the class (ignore boxes not counted). */
  truths: number;
}

/** Validation images as val-predictions.json keeps them. */
export interface ScoredImage {
  truths: readonly EvalTruth[];
  detections: readonly Detection[];
}

/**
 * Per class, every detection marked hit or false alarm by greedy matching at `iouThr`
 * (highest score first, each truth matched once, as the confusion sweep does). Greedy matching
 * by descending score makes the outcome of a detection independent of any confidence cut
 * below it, so one pass gives precision and recall at every threshold.
 * A detection that can only match an ignore box (difficult / crowd) is left out.
 */
export function classCurves(images: readonly ScoredImage[], nc: number, iouThr = 0.5): ClassCurve[] {
  const raw = Array.from({ length: nc }, () => ({ pairs: [] as Array<[number, boolean]>, truths: 0 }));
  for (const im of images) {
    for (let c = 0; c < nc; c++) {
      const truths = im.truths.filter((t) => t.cls === c);
      const dets = im.detections.filter((d) => d.cls === c).sort((a, b) => b.score - a.score);
      const rc = raw[c]!;
      rc.truths += truths.filter((t) => !t.ignore).length;
      const used = new Uint8Array(truths.length);
      for (const d of dets) {
        const m = matchDetection(d, truths, used, iouThr);
        if (m !== 'ignored') rc.pairs.push([d.score, m === 'hit']);
      }
    }
  }
  return raw.map((r) => {
    // Stable: equal scores keep image order, so results are reproducible.
    const sorted = r.pairs.map((p, i) => [p, i] as const).sort((a, b) => b[0][0] - a[0][0] || a[1] - b[1]);
    return { scores: sorted.map(([p]) => p[0]), hits: sorted.map(([p]) => p[1]), truths: r.truths };
  });
}

/** How a suggestion was chosen. */
export type SuggestMethod = { kind: 'f1' } | { kind: 'recall'; target: number };

/** A suggested threshold for one class, or why there is none. */
export interface ClassSuggestion {
  name: string;
  /** The threshold to use, or null (keep the current one) when the data cannot say. */
  conf: number | null;
  /** Precision, recall and F1 at `conf` on the validation images (null without a suggestion). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Reason code: SUGGEST_BEST_F1, SUGGEST_RECALL_MET, SUGGEST_RECALL_NOT_MET, SUGGEST_NO_TRUTHS, SUGGEST_NO_DETECTIONS. */
  code: 'SUGGEST_BEST_F1' | 'SUGGEST_RECALL_MET' | 'SUGGEST_RECALL_NOT_MET' | 'SUGGEST_NO_TRUTHS' | 'SUGGEST_NO_DETECTIONS';
  /** The same as a sentence the UI can show (en/zh through formatReason). */
  reason: Reason;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/**
 * The threshold that keeps detections 0..k (scores descending) and drops k+1..: halfway
 * between their scores, so the operating point does not sit on one detection's exact score;
 * rounded down to 3 decimals when that still drops detection k+1.
 */
export function cutBetween(scores: readonly number[], k: number): number {
  const s = scores[k]!;
  const next = scores[k + 1];
  if (next === undefined) return s;
  if (next >= s) return s; // tie: cannot separate them
  const mid = (s + next) / 2;
  const rounded = Math.floor(mid * 1000) / 1000;
  return rounded > next ? rounded : mid;
}

/**
 * Suggests one class's threshold from its curve.
 * - `f1`: the cut with the best F1 (ties go to the higher recall: a missed defect usually costs
 *   more than a false alarm).
 * - `recall`: the highest threshold whose recall reaches `target` (the fewest false alarms that
 *   still find that share of the defects); when no threshold does, the one with the most recall.
 * A run of equal scores is kept or dropped together.
 */
export function suggestForClass(name: string, curve: ClassCurve, method: SuggestMethod): ClassSuggestion {
  const none = { name, conf: null, precision: null, recall: null, f1: null };
  if (curve.truths === 0) return { ...none, code: 'SUGGEST_NO_TRUTHS', reason: reason('SUGGEST_NO_TRUTHS', { name }) };
  if (curve.scores.length === 0) return { ...none, code: 'SUGGEST_NO_DETECTIONS', reason: reason('SUGGEST_NO_DETECTIONS', { name }) };
  const n = curve.scores.length;
  let tp = 0;
  const at: Array<{ k: number; p: number; r: number; f1: number }> = [];
  for (let k = 0; k < n; k++) {
    if (curve.hits[k]) tp++;
    // Only cut after the last of equal scores.
    if (k + 1 < n && curve.scores[k + 1] === curve.scores[k]) continue;
    const p = tp / (k + 1);
    const r = tp / curve.truths;
    at.push({ k, p, r, f1: p + r > 0 ? (2 * p * r) / (p + r) : 0 });
  }
  let pick = at[0]!;
  let code: ClassSuggestion['code'];
  if (method.kind === 'f1') {
    for (const a of at) if (a.f1 > pick.f1 + 1e-12 || (Math.abs(a.f1 - pick.f1) <= 1e-12 && a.r > pick.r)) pick = a;
    code = 'SUGGEST_BEST_F1';
  } else {
    const met = at.find((a) => a.r >= method.target - 1e-12);
    if (met) {
      pick = met;
      code = 'SUGGEST_RECALL_MET';
    } else {
      for (const a of at) if (a.r > pick.r || (a.r === pick.r && a.p > pick.p)) pick = a;
      code = 'SUGGEST_RECALL_NOT_MET';
    }
  }
  const conf = cutBetween(curve.scores, pick.k);
  const params = { name, conf: Math.round(conf * 1000) / 1000, precision: pct(pick.p), recall: pct(pick.r), target: method.kind === 'recall' ? pct(method.target) : '' };
  return { name, conf, precision: pick.p, recall: pick.r, f1: pick.f1, code, reason: reason(code, params) };
}

/** Suggestions for every class of `classNames` from the validation predictions. */
export function suggestThresholds(images: readonly ScoredImage[], classNames: readonly string[], method: SuggestMethod, iouThr = 0.5): ClassSuggestion[] {
  const curves = classCurves(images, classNames.length, iouThr);
  return classNames.map((name, c) => suggestForClass(name, curves[c]!, method));
}

/**
 * Thresholds with the suggestions taken: each class with a suggestion gets it (source
 * `suggested`), the others keep theirs; classes missing from the file are added at the
 * default. Records the recall target the suggestions aimed at. Save with saveThresholds.
 */
export function applySuggestions(t: Thresholds, suggestions: readonly ClassSuggestion[], method: SuggestMethod, now = new Date()): Thresholds {
  const classes = [...t.classes];
  for (const s of suggestions) {
    const i = classes.findIndex((c) => c.name === s.name);
    const conf = s.conf === null ? null : Math.min(1, Math.max(0, s.conf));
    if (i >= 0 && conf !== null) classes[i] = { name: s.name, conf, source: 'suggested' };
    else if (i < 0) classes.push({ name: s.name, conf: conf ?? t.defaultConf, source: conf === null ? 'default' : 'suggested' });
  }
  return { ...t, classes, recallTarget: method.kind === 'recall' ? method.target : null, updatedAt: now.toISOString() };
}
