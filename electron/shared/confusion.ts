/**
 * The confusion matrix at per-class thresholds: what the Results view shows under its sliders
 * (renderer/src/lib/thresholds-view.ts) and what the report draws into the run folder
 * (electron/app/report.ts), counted once, here. Pure, so the app and the renderer share it.
 */
import { bestUnusedTruth, type DetBox, type TruthBox } from './match';

/** One validation image: its truths and its (low-confidence) detections. */
export interface ConfusionImage {
  truths: readonly TruthBox[];
  detections: readonly DetBox[];
}

/**
 * The confusion matrix at the thresholds, rows predicted, columns true, the last row and
 * column "background": each kept detection (score at or above its class's threshold in `confs`,
 * `fallback` beyond the list) takes the unused truth of any class it overlaps most (IoU >= 0.5),
 * highest score first; a detection on nothing is a false alarm (true background), a truth nobody
 * took is a miss (predicted background). Ignore boxes are left out.
 */
export function confusionAt(images: readonly ConfusionImage[], classCount: number, confs: readonly number[], fallback: number, iouThr = 0.5): number[][] {
  const n = classCount + 1;
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const bg = classCount;
  const row = (i: number) => m[Math.min(i, bg)]!;
  for (const img of images) {
    const truths = img.truths.filter((t) => !t.ignore);
    const used = new Uint8Array(truths.length);
    const kept = img.detections.filter((d) => d.score >= (confs[d.cls] ?? fallback)).sort((a, b) => b.score - a.score);
    for (const d of kept) {
      const best = bestUnusedTruth(d, truths, used, iouThr);
      const r = row(d.cls);
      if (best < 0) r[bg]!++;
      else {
        used[best] = 1;
        r[Math.min(truths[best]!.cls, bg)]!++;
      }
    }
    truths.forEach((t, j) => {
      if (!used[j]) m[bg]![Math.min(t.cls, bg)]!++;
    });
  }
  return m;
}
