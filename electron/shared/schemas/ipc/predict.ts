/**
 * Requests and responses of the Results step's thresholds channels (per-class thresholds,
 * their suggestions, saving thresholds.json) and of "Try it" (the run's model on images the
 * engineer picks in main's dialog, OK/NG at the saved thresholds).
 */
import { z } from 'zod';
import { ReasonSchema } from '../reason';
import { DetectionSchema } from '../evaluation';
import { ThresholdsSchema } from '../thresholds';
import { RunIdSchema } from './runs';
import { ThumbnailFields } from './dataset';

/** Request of thresholds:suggest: the run, and the recall to aim at (null: the best F1). */
export const ThresholdsSuggestRequestSchema = z
  .object({ runId: RunIdSchema, recallTarget: z.number().min(0.05).max(1).nullable().default(null) })
  .strict();

/** One class's suggested threshold (null: keep the current one), its figures and why. */
export const ThresholdSuggestionSchema = z.object({
  name: z.string(),
  conf: z.number().min(0).max(1).nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  reason: ReasonSchema,
});
export type ThresholdSuggestion = z.infer<typeof ThresholdSuggestionSchema>;

/** Response of thresholds:suggest. */
export const ThresholdsSuggestResponseSchema = z.object({ suggestions: z.array(ThresholdSuggestionSchema) });

/** Request of thresholds:save: the whole thresholds.json content. */
export const ThresholdsSaveRequestSchema = z.object({ runId: RunIdSchema, thresholds: ThresholdsSchema }).strict();

/** Request of predict:try: main shows a dialog for image files or a folder. */
export const PredictTryRequestSchema = z.object({ runId: RunIdSchema, kind: z.enum(['file', 'folder']) }).strict();

/** One image of Try it: a thumbnail, the kept detections in thumbnail pixels, and the verdict. */
export const TriedImageSchema = z.object({
  ...ThumbnailFields,
  verdict: z.enum(['OK', 'NG']),
  detections: z.array(DetectionSchema),
  /** Tiles the image was cut into (0: the whole image at once). */
  tiles: z.number().int().nonnegative(),
});
export type TriedImage = z.infer<typeof TriedImageSchema>;

/** Response of predict:try (source null: the engineer cancelled the dialog). */
export const PredictTryResponseSchema = z.object({
  source: z.string().nullable(),
  outDir: z.string().nullable(),
  classNames: z.array(z.string()),
  images: z.array(TriedImageSchema),
  /** Images predicted but not shown (Try it shows the first ones; predictions.json has all). */
  more: z.number().int().nonnegative(),
  skipped: z.array(z.object({ file: z.string(), code: z.string(), message: z.string() })),
  summary: z.object({ images: z.number().int(), ng: z.number().int(), ok: z.number().int(), imagesPerSecond: z.number() }),
});
export type PredictTryResponse = z.infer<typeof PredictTryResponseSchema>;

/** The plots the report shows, as the renderer draws them (uPlot) and main saves them (`<run>/plots/<name>.png`). */
export const REPORT_PLOT_NAMES = ['loss', 'map', 'pr', 'lr'] as const;
