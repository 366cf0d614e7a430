import { z } from 'zod';
import { DetectionSchema, EvalTruthSchema, EvaluationResultSchema } from '../evaluation';
import { ThumbnailFields } from './dataset';
import { ThresholdsSchema } from '../thresholds';
import { RunSummarySchema } from './runs';

/** One validation image of the results gallery, with its ground truth and predictions. */
export const GalleryItemSchema = z.object({
  ...ThumbnailFields,
  /** Boxes and detections in thumbnail pixels. */
  truths: z.array(EvalTruthSchema),
  detections: z.array(DetectionSchema),
});
export type GalleryItem = z.infer<typeof GalleryItemSchema>;

/** Response of results:get: the final evaluation, when the run produced one, and the gallery. */
export const ResultsResponseSchema = z.object({
  runId: z.string(),
  classNames: z.array(z.string()),
  evaluation: EvaluationResultSchema.nullable(),
  /** Validation images, misses and false alarms first; empty when the run saved no predictions. */
  gallery: z.array(GalleryItemSchema),
  /** Precision/recall/F1 over all validation images at confidences 0.05..0.95 (the slider). */
  confidenceSweep: z
    .object({ conf: z.array(z.number()), precision: z.array(z.number()), recall: z.array(z.number()), f1: z.array(z.number()) })
    .nullable(),
  /** The run's per-class thresholds (thresholds.json, or the defaults): what the verdict, tiles, matrix and gallery use. */
  thresholds: ThresholdsSchema.optional(),
  /** Every validation image's truths and detections (image pixels, low-confidence ones dropped): the verdict at any thresholds. */
  valImages: z.array(z.object({ truths: z.array(EvalTruthSchema), detections: z.array(DetectionSchema) })).optional(),
  /** Which run this is (the "which run" header): its summary with the engineer's name and note. */
  run: RunSummarySchema.optional(),
});
export type ResultsResponse = z.infer<typeof ResultsResponseSchema>;

/**
 * Predictions on the validation images at a low confidence, as a run saves them
 * (runs/<name>/val-predictions.json): what the gallery and the confidence slider work from.
 */
export const ValPredictionsFileSchema = z.object({
  classNames: z.array(z.string()),
  images: z.array(
    z.object({
      file: z.string(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      truths: z.array(EvalTruthSchema),
      detections: z.array(DetectionSchema),
    }),
  ),
});
