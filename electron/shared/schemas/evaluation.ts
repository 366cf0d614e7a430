import { z } from 'zod';
import { CornersSchema } from './dataset';

/**
 * One detection after decoding and NMS: corners in pixels (of the network input, or of the
 * original image once the letterbox is undone), the score, and the class index.
 * Plain numbers so it crosses IPC and lands in JSON unchanged.
 */
export const DetectionSchema = z.object({
  ...CornersSchema.shape,
  score: z.number(),
  cls: z.number().int().nonnegative(),
});
export type Detection = z.infer<typeof DetectionSchema>;

/**
 * A ground-truth box as evaluation sees it. `ignore` marks VOC `difficult` / COCO `iscrowd`
 * boxes: they are neither misses nor can a prediction on them be a false positive.
 */
export const EvalTruthSchema = z.object({
  ...CornersSchema.shape,
  cls: z.number().int().nonnegative(),
  ignore: z.boolean().optional(),
});
export type EvalTruth = z.infer<typeof EvalTruthSchema>;

/** The figures of one class. AP is 0 for a class without ground truth (see gtCount). */
export const ClassMetricsSchema = z.object({
  name: z.string(),
  /** COCO 101-point AP at IoU 0.50. */
  ap50: z.number(),
  /** Mean of the COCO 101-point AP over IoU 0.50:0.05:0.95. */
  ap50_95: z.number(),
  /** At the one confidence shared by all classes (EvaluationResult.bestConfidence), IoU 0.50. */
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  /** Ground-truth boxes of the class, ignore boxes not counted. */
  gtCount: z.number().int().nonnegative(),
  /** Predictions of the class handed to evaluation, at every confidence. */
  predCount: z.number().int().nonnegative(),
});
export type ClassMetrics = z.infer<typeof ClassMetricsSchema>;

/** Precision at 101 recall points (0, 0.01, ..., 1) for one class at IoU 0.50: a PR chart line. */
export const PrCurveSchema = z.object({
  name: z.string(),
  recall: z.array(z.number()),
  precision: z.array(z.number()),
});
export type PrCurve = z.infer<typeof PrCurveSchema>;

/**
 * Confusion matrix with a background row and column (last index).
 * matrix[predicted][true], as Ultralytics: row `background` counts missed boxes
 * (true class, nothing predicted), column `background` counts false detections.
 */
export const ConfusionMatrixSchema = z.object({
  /** Class names, then 'background'. */
  labels: z.array(z.string()),
  /** (nc+1) x (nc+1) counts, rows = predicted, columns = true. */
  matrix: z.array(z.array(z.number().int().nonnegative())),
  /** Detections below this score are left out of the matrix. */
  confidence: z.number(),
  /** A detection and a box match from this IoU on. */
  iou: z.number(),
});
export type ConfusionMatrix = z.infer<typeof ConfusionMatrixSchema>;

/** Everything an evaluation reports: JSON-safe, sent over IPC and printed by `kestrel val --json`. */
export const EvaluationResultSchema = z.object({
  /** Mean AP50 over classes that have ground truth. */
  map50: z.number(),
  /** Mean AP50-95 over classes that have ground truth. */
  map50_95: z.number(),
  /** Mean precision / recall / F1 over classes with ground truth, at bestConfidence. */
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  perClass: z.array(ClassMetricsSchema),
  /** The confidence that maximises the mean F1 over classes (one for all, as Ultralytics). */
  bestConfidence: z.number(),
  prCurves: z.array(PrCurveSchema),
  confusion: ConfusionMatrixSchema,
  /** The IoU thresholds AP50-95 averages over. */
  iouThresholds: z.array(z.number()),
  imageCount: z.number().int().nonnegative(),
  /**
   * The same predictions scored the way Ultralytics does (trapezoid over the interpolated
   * envelope, extended to recall 1): only for comparing with figures it reports. The COCO
   * figures above are Kestrel's own.
   */
  ultralyticsCompatible: z.object({ map50: z.number(), map50_95: z.number() }).optional(),
});
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>;
