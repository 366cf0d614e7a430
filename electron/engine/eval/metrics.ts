import { KestrelError } from '../../shared/errors';
import type {
  ClassMetrics,
  ConfusionMatrix,
  Detection,
  EvalTruth,
  EvaluationResult,
  PrCurve,
} from '../../shared/schemas/evaluation';
import { iou } from './boxes';

/** Tunables of the confusion matrix; AP itself follows COCO and has none. */
export interface EvaluateOptions {
  /** Detections below this score are left out of the confusion matrix (0.25). */
  confusionConfidence?: number;
  /** A detection and a box are paired in the confusion matrix from this IoU on (0.45). */
  confusionIou?: number;
}

/** COCO's IoU thresholds 0.50, 0.55, ..., 0.95 (rounded, so 0.65 is 0.65 and not 0.6500000001). */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, i) => Math.round(50 + 5 * i) / 100));

/** The 101 recall points of COCO AP: 0, 0.01, ..., 1 (as j/100, so 0.3 equals 3/10 exactly). */
export const RECALL_POINTS: readonly number[] = Object.freeze(Array.from({ length: 101 }, (_, j) => j / 100));

/** Confidence grid the F1-best confidence is chosen on: 0, 0.001, ..., 1. */
const CONF_GRID_SIZE = 1001;

/** Match outcome of one prediction at one IoU threshold. */
const TP = 1;
const FP = 0;
const IGNORED = -1;

/** All predictions of one class over the dataset, with their outcome at each IoU threshold. */
interface ClassRecords {
  scores: number[];
  /** scores.length x T outcomes (TP / FP / IGNORED), flattened. */
  outcomes: number[];
  gtCount: number;
  predCount: number;
}

function checkClass(cls: number, nc: number, what: string, image: number): void {
  if (!Number.isInteger(cls) || cls < 0 || cls >= nc) {
    throw new KestrelError(
      'EVAL_CLASS_OUT_OF_RANGE',
      `A ${what} in image ${image} has class ${cls}, but the model knows ${nc} classes. Evaluate with weights trained on this dataset's classes.`,
      { image, cls, classes: nc },
    );
  }
}

/**
 * Matches one image's predictions of one class to its boxes at every IoU threshold, COCO's
 * way: predictions by descending score, each takes the unmatched non-ignored box it overlaps
 * most (from the threshold on); only when there is none may it land on an ignore box, which
 * makes it neither TP nor FP. Ignore boxes can absorb any number of predictions (crowds).
 */
function matchImageClass(preds: Detection[], gts: EvalTruth[], rec: ClassRecords): void {
  const T = IOU_THRESHOLDS.length;
  // Non-ignored boxes first, as COCO sorts them, so the break below finds them first.
  const g = [...gts.filter((t) => !t.ignore), ...gts.filter((t) => t.ignore === true)];
  const nReal = gts.length - gts.filter((t) => t.ignore === true).length;
  rec.gtCount += nReal;
  rec.predCount += preds.length;
  if (preds.length === 0) return;
  const p = [...preds].sort((a, b) => b.score - a.score);
  const ng = g.length;
  const ious = new Float64Array(p.length * ng);
  for (let i = 0; i < p.length; i++) {
    const d = p[i]!;
    for (let j = 0; j < ng; j++) {
      const t = g[j]!;
      ious[i * ng + j] = iou(d.x1, d.y1, d.x2, d.y2, t.x1, t.y1, t.x2, t.y2);
    }
  }
  const base = rec.scores.length;
  for (const d of p) rec.scores.push(d.score);
  rec.outcomes.length = (base + p.length) * T;
  const matched = new Uint8Array(ng);
  for (let ti = 0; ti < T; ti++) {
    const thr = IOU_THRESHOLDS[ti]!;
    matched.fill(0);
    for (let i = 0; i < p.length; i++) {
      let best = -1;
      let bestIou = Math.min(thr, 1 - 1e-10);
      for (let j = 0; j < ng; j++) {
        const isIgnore = j >= nReal;
        if (matched[j] && !isIgnore) continue;
        // A real box already found beats any ignore box: stop before the ignore boxes.
        if (best > -1 && best < nReal && isIgnore) break;
        const v = ious[i * ng + j]!;
        if (v < bestIou) continue;
        bestIou = v;
        best = j;
      }
      let outcome = FP;
      if (best >= nReal) outcome = IGNORED;
      else if (best > -1) {
        outcome = TP;
        matched[best] = 1;
      }
      rec.outcomes[(base + i) * T + ti] = outcome;
    }
  }
}

/** Recall and precision after each counted prediction (ignored ones skipped), in rank order. */
function cumulativeCurve(outcomes: ArrayLike<number>, gtCount: number): { rc: number[]; pr: number[] } {
  const rc: number[] = [];
  const pr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    if (o === IGNORED) continue;
    if (o === TP) tp++;
    else fp++;
    rc.push(tp / gtCount);
    pr.push(tp / (tp + fp));
  }
  return { rc, pr };
}

/** Makes precision non-increasing from the right (the envelope), in place; returns it. */
function envelope(pr: number[]): number[] {
  for (let i = pr.length - 2; i >= 0; i--) if (pr[i]! < pr[i + 1]!) pr[i] = pr[i + 1]!;
  return pr;
}

/**
 * COCO 101-point AP from outcomes already in descending score order: precision made
 * monotone from the right (the envelope), then read at recall 0, 0.01, ..., 1 at the first
 * rank reaching that recall (0 where none does), and averaged.
 * Returns the AP and the 101 precision values (the PR curve).
 */
export function ap101(outcomes: ArrayLike<number>, gtCount: number): { ap: number; precision: number[] } {
  const precision = new Array<number>(RECALL_POINTS.length).fill(0);
  if (gtCount <= 0) return { ap: 0, precision };
  const { rc, pr } = cumulativeCurve(outcomes, gtCount);
  envelope(pr);
  let k = 0;
  let sum = 0;
  for (let j = 0; j < RECALL_POINTS.length; j++) {
    const r = RECALL_POINTS[j]!;
    while (k < rc.length && rc[k]! < r) k++;
    if (k === rc.length) break;
    precision[j] = pr[k]!;
    sum += pr[k]!;
  }
  return { ap: sum / RECALL_POINTS.length, precision };
}

/**
 * AP as Ultralytics (v8) computes it, for comparing with numbers it reports: the precision
 * envelope over the cumulative curve extended with (recall 0, precision 1) and (recall 1,
 * precision 0), linearly interpolated at 101 recall points and integrated with the trapezoid
 * rule. Unlike COCO's step reading, the straight line from the highest recall reached down to
 * (1, 0) adds area, most for weak detectors with low recall: a model that finds half the
 * boxes at precision 0.5 scores 0.25 by COCO and about 0.375 here.
 */
export function apUltralytics(outcomes: ArrayLike<number>, gtCount: number): number {
  if (gtCount <= 0) return 0;
  const { rc, pr } = cumulativeCurve(outcomes, gtCount);
  // Ultralytics skips a class without predictions (AP 0) rather than integrate the bare line.
  if (rc.length === 0) return 0;
  const mrec = [0, ...rc, 1];
  const mpre = envelope([1, ...pr, 0]);
  // np.interp(x, mrec, mpre): mrec is non-decreasing; for repeated recall values numpy takes
  // the last of the run for x above it and the first for x at or below it.
  const interp = (x: number): number => {
    let j = 0;
    while (j < mrec.length - 1 && mrec[j + 1]! < x) j++;
    const x0 = mrec[j]!;
    const x1 = mrec[j + 1] ?? x0;
    if (x1 <= x0) return mpre[j + 1] ?? mpre[j]!;
    const t = (x - x0) / (x1 - x0);
    return mpre[j]! + t * (mpre[j + 1]! - mpre[j]!);
  };
  let area = 0;
  let prev = interp(0);
  for (let k = 1; k < RECALL_POINTS.length; k++) {
    const y = interp(RECALL_POINTS[k]!);
    area += ((prev + y) / 2) * (RECALL_POINTS[k]! - RECALL_POINTS[k - 1]!);
    prev = y;
  }
  return area;
}

/**
 * Precision, recall and F1 of one class at IoU 0.50 as functions of the confidence cut
 * (predictions with score >= c count), on the grid 0, 0.001, ..., 1.
 * Precision with no prediction left is 0 (nothing was found), so its F1 is 0 too.
 */
function prfCurves(scores: number[], outcomes: number[], gtCount: number): { p: Float64Array; r: Float64Array; f1: Float64Array } {
  const p = new Float64Array(CONF_GRID_SIZE);
  const r = new Float64Array(CONF_GRID_SIZE);
  const f1 = new Float64Array(CONF_GRID_SIZE);
  // Walk the confidence grid downwards while admitting predictions in descending score order.
  let k = 0;
  let tp = 0;
  let fp = 0;
  for (let gi = CONF_GRID_SIZE - 1; gi >= 0; gi--) {
    const c = gi / (CONF_GRID_SIZE - 1);
    while (k < scores.length && scores[k]! >= c) {
      if (outcomes[k] === TP) tp++;
      else if (outcomes[k] === FP) fp++;
      k++;
    }
    const pi = tp + fp > 0 ? tp / (tp + fp) : 0;
    const ri = gtCount > 0 ? tp / gtCount : 0;
    p[gi] = pi;
    r[gi] = ri;
    f1[gi] = pi + ri > 0 ? (2 * pi * ri) / (pi + ri) : 0;
  }
  return { p, r, f1 };
}

/**
 * Confusion matrix counts, rows = predicted class, columns = true class, last row and
 * column = background (Ultralytics' layout). Per image, detections from `conf` on are paired
 * one-to-one with boxes of any class by descending IoU (from `iouThr` on); an unpaired box is
 * a miss (background row), an unpaired detection a false alarm (background column).
 * A detection on an ignore box is dropped, and an unpaired ignore box is not a miss.
 */
function confusion(
  preds: Detection[][],
  truths: EvalTruth[][],
  nc: number,
  conf: number,
  iouThr: number,
): number[][] {
  const m = Array.from({ length: nc + 1 }, () => new Array<number>(nc + 1).fill(0));
  for (let im = 0; im < truths.length; im++) {
    const dets = (preds[im] ?? []).filter((d) => d.score >= conf);
    const gts = truths[im] ?? [];
    const real = gts.filter((t) => !t.ignore);
    const ign = gts.filter((t) => t.ignore === true);
    const pairs: Array<[number, number, number]> = [];
    for (let gi = 0; gi < real.length; gi++) {
      const t = real[gi]!;
      for (let di = 0; di < dets.length; di++) {
        const d = dets[di]!;
        const v = iou(d.x1, d.y1, d.x2, d.y2, t.x1, t.y1, t.x2, t.y2);
        if (v >= iouThr) pairs.push([v, gi, di]);
      }
    }
    // Descending IoU; ties by box then detection order, so counts are reproducible.
    pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
    const gtTo = new Int32Array(real.length).fill(-1);
    const detUsed = new Uint8Array(dets.length);
    for (const [, gi, di] of pairs) {
      if (gtTo[gi]! >= 0 || detUsed[di]) continue;
      gtTo[gi] = di;
      detUsed[di] = 1;
    }
    for (let gi = 0; gi < real.length; gi++) {
      const di = gtTo[gi]!;
      const tc = real[gi]!.cls;
      if (di >= 0) m[dets[di]!.cls]![tc]!++;
      else m[nc]![tc]!++;
    }
    for (let di = 0; di < dets.length; di++) {
      if (detUsed[di]) continue;
      const d = dets[di]!;
      const onIgnore = ign.some((t) => iou(d.x1, d.y1, d.x2, d.y2, t.x1, t.y1, t.x2, t.y2) >= iouThr);
      if (!onIgnore) m[d.cls]![nc]!++;
    }
  }
  return m;
}

/**
 * Index of the maximum; on a plateau of equal maxima, its middle. The F1 curve is a step
 * function, so a whole range of confidences ties; its lowest end sits right on the weakest
 * true detection (or at 0), a poor threshold to deploy, while the middle keeps a margin.
 */
export function plateauMiddle(values: ArrayLike<number>): number {
  let first = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[first]!) first = i;
  let last = first;
  while (last + 1 < values.length && Math.abs(values[last + 1]! - values[first]!) <= 1e-12) last++;
  return Math.floor((first + last) / 2);
}

/**
 * COCO-style detection metrics over a dataset.
 *
 * - AP per class: 101-point interpolated, at IoU 0.50:0.05:0.95; predictions matched greedily
 *   by descending score per image and class, each box matched at most once. mAP50 and
 *   mAP50-95 average over the classes that have ground truth (others report AP 0).
 * - Precision, recall, F1 per class at IoU 0.50 at ONE confidence for all classes: the one on
 *   the grid 0..1 (step 0.001) maximising the mean F1 over classes with ground truth, as
 *   Ultralytics chooses it (without its curve smoothing; the middle of a tie, see plateauMiddle).
 * - PR curves: precision at recall 0, 0.01, ..., 1, IoU 0.50 (the envelope AP50 averages).
 * - Confusion matrix: matrix[predicted][true], background last (see ConfusionMatrix).
 * - `ignore` boxes (difficult / crowd) are never misses; a prediction that can only match an
 *   ignore box is dropped rather than counted a false positive.
 *
 * @param preds  detections per image (any confidence; decode with EVAL_DECODE_OPTIONS)
 * @param truths ground-truth boxes per image, same order and coordinates as preds
 */
export function evaluateDetections(
  preds: Detection[][],
  truths: EvalTruth[][],
  classNames: string[],
  opts: EvaluateOptions = {},
): EvaluationResult {
  if (preds.length !== truths.length) {
    throw new Error(`evaluateDetections: ${preds.length} prediction lists for ${truths.length} images`);
  }
  const nc = classNames.length;
  const T = IOU_THRESHOLDS.length;
  const recs: ClassRecords[] = Array.from({ length: nc }, () => ({ scores: [], outcomes: [], gtCount: 0, predCount: 0 }));

  for (let im = 0; im < truths.length; im++) {
    const byClassP: Detection[][] = Array.from({ length: nc }, () => []);
    const byClassT: EvalTruth[][] = Array.from({ length: nc }, () => []);
    for (const d of preds[im]!) {
      checkClass(d.cls, nc, 'prediction', im);
      byClassP[d.cls]!.push(d);
    }
    for (const t of truths[im]!) {
      checkClass(t.cls, nc, 'ground-truth box', im);
      byClassT[t.cls]!.push(t);
    }
    for (let c = 0; c < nc; c++) {
      if (byClassP[c]!.length === 0 && byClassT[c]!.length === 0) continue;
      matchImageClass(byClassP[c]!, byClassT[c]!, recs[c]!);
    }
  }

  const perClassCurves: Array<{ p: Float64Array; r: Float64Array; f1: Float64Array }> = [];
  const apAt: number[][] = [];
  const apUlAt: number[][] = [];
  const prCurves: PrCurve[] = [];
  for (let c = 0; c < nc; c++) {
    const rec = recs[c]!;
    // Stable sort over images concatenated in order: COCO's mergesort on -score.
    const order = rec.scores.map((_, i) => i).sort((a, b) => rec.scores[b]! - rec.scores[a]!);
    const scores = order.map((i) => rec.scores[i]!);
    const aps: number[] = [];
    const apsUl: number[] = [];
    let pr50: number[] = [];
    let outcomes50: number[] = [];
    for (let ti = 0; ti < T; ti++) {
      const outcomes = order.map((i) => rec.outcomes[i * T + ti]!);
      const { ap, precision } = ap101(outcomes, rec.gtCount);
      aps.push(ap);
      apsUl.push(apUltralytics(outcomes, rec.gtCount));
      if (ti === 0) {
        pr50 = precision;
        outcomes50 = outcomes;
      }
    }
    apAt.push(aps);
    apUlAt.push(apsUl);
    prCurves.push({ name: classNames[c]!, recall: [...RECALL_POINTS], precision: pr50 });
    perClassCurves.push(prfCurves(scores, outcomes50, rec.gtCount));
  }

  const withGt = recs.map((r, c) => (r.gtCount > 0 ? c : -1)).filter((c) => c >= 0);
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

  const meanF1 = Array.from({ length: CONF_GRID_SIZE }, (_, gi) => mean(withGt.map((c) => perClassCurves[c]!.f1[gi]!)));
  const bestIdx = plateauMiddle(meanF1);

  const perClass: ClassMetrics[] = classNames.map((name, c) => {
    const aps = apAt[c]!;
    const curves = perClassCurves[c]!;
    return {
      name,
      ap50: aps[0]!,
      ap50_95: mean(aps),
      precision: curves.p[bestIdx]!,
      recall: curves.r[bestIdx]!,
      f1: curves.f1[bestIdx]!,
      gtCount: recs[c]!.gtCount,
      predCount: recs[c]!.predCount,
    };
  });

  const conf = opts.confusionConfidence ?? 0.25;
  const iouThr = opts.confusionIou ?? 0.45;
  const matrix: ConfusionMatrix = {
    labels: [...classNames, 'background'],
    matrix: confusion(preds, truths, nc, conf, iouThr),
    confidence: conf,
    iou: iouThr,
  };

  const sel = withGt.map((c) => perClass[c]!);
  return {
    map50: mean(sel.map((p) => p.ap50)),
    map50_95: mean(sel.map((p) => p.ap50_95)),
    precision: mean(sel.map((p) => p.precision)),
    recall: mean(sel.map((p) => p.recall)),
    f1: mean(sel.map((p) => p.f1)),
    perClass,
    bestConfidence: bestIdx / (CONF_GRID_SIZE - 1),
    prCurves,
    confusion: matrix,
    iouThresholds: [...IOU_THRESHOLDS],
    imageCount: truths.length,
    ultralyticsCompatible: {
      map50: mean(withGt.map((c) => apUlAt[c]![0]!)),
      map50_95: mean(withGt.map((c) => mean(apUlAt[c]!))),
    },
  };
}
