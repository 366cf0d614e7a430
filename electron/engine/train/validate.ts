// Validation of a detector on the validation loader: decoded predictions and their COCO-style evaluation.
import type { SkippedImage } from '../data/batch';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { Detection, EvalTruth, EvaluationResult } from '../../shared/schemas/evaluation';
import type { Loader } from '../data/loader/index';
import { anchorsFor, decodePredictionsAsync, EVAL_DECODE_OPTIONS, evaluateDetections, truthsFromBoxes } from '../eval/index';
import type { Detector } from '../model/detector';
import { imagesTensor } from './step';

/** The predictions of one validation image, as val-predictions.json keeps them. */
export interface ImagePredictions {
  file: string;
  width: number;
  height: number;
  truths: EvalTruth[];
  detections: Detection[];
}

/** What one validation pass gives. */
export interface ValidationOutcome {
  evaluation: EvaluationResult;
  /** Per image, detections at or above `keepScore` (for the results gallery). */
  images: ImagePredictions[];
  durationMs: number;
}

/**
 * Validates `detector` (the EMA weights, in inference mode) on every batch of `loader`:
 * decode with the evaluation settings (confidence 0.001, NMS 0.7, 300 per image), boxes back in
 * original-image pixels, COCO-style evaluation against the records' boxes.
 */
export async function validate(
  detector: Detector,
  loader: Loader,
  records: readonly ImageRecord[],
  classNames: string[],
  opts: { keepScore?: number; signal?: AbortSignal; onSkipped?: (skipped: SkippedImage[]) => Promise<void> } = {},
): Promise<ValidationOutcome> {
  const t0 = Date.now();
  const byId = new Map(records.map((r) => [r.id, r]));
  const preds: Detection[][] = [];
  const truths: EvalTruth[][] = [];
  const images: ImagePredictions[] = [];
  const keep = opts.keepScore ?? 0.05;
  let anchors: ReturnType<typeof anchorsFor> | null = null;
  for await (const batch of loader.epoch(0)) {
    if (batch.skipped) await opts.onSkipped?.(batch.skipped);
    // A skipped image is left out of the evaluation (its boxes were never seen).
    const skippedFiles = new Set(batch.skipped?.map((s) => s.file) ?? []);
    anchors ??= anchorsFor(batch.imgsz);
    const x = imagesTensor(batch);
    const raw = detector.forward(x, false);
    x.dispose();
    let dets: Detection[][];
    try {
      dets = await decodePredictionsAsync(raw, anchors, { ...EVAL_DECODE_OPTIONS, letterbox: batch.letterbox });
    } finally {
      tf.dispose([raw.box, raw.cls]);
    }
    batch.ids.forEach((id, i) => {
      const rec = byId.get(id);
      if (!rec) throw new Error(`Validation batch names an unknown image ${id}`);
      if (skippedFiles.has(rec.file)) return;
      const d = dets[i] ?? [];
      const t = truthsFromBoxes(rec.boxes);
      preds.push(d);
      truths.push(t);
      images.push({ file: rec.file, width: rec.width, height: rec.height, truths: t, detections: d.filter((p) => p.score >= keep) });
    });
  }
  const evaluation = evaluateDetections(preds, truths, classNames);
  return { evaluation, images, durationMs: Date.now() - t0 };
}
