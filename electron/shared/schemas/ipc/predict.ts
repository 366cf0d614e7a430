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

/** File endings of the images a drop on Try it may carry (the engine's image list: a test keeps them equal). */
export const TRY_DROP_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.bmp', '.dib', '.tif', '.tiff', '.webp'] as const;
/** Images one drop on Try it sends at most. */
export const TRY_DROP_MAX_FILES = 16;
/** Bytes of one dropped image at most (a 20-megapixel JPEG is well under it). */
export const TRY_DROP_MAX_BYTES = 25 * 1024 * 1024;

/** Whether a file name ends like an image Kestrel reads. */
export function isDroppableImage(name: string): boolean {
  const lower = name.toLowerCase();
  return TRY_DROP_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * One image dropped on Try it: its file name (never a path: the renderer has none) and its
 * bytes as base64, so the same request crosses Electron's IPC and the browser-test bridge.
 */
export const DroppedImageSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .refine((n) => !/[\\/:]/.test(n) && !n.includes('\0') && n !== '.' && n !== '..', 'a file name, not a path')
      .refine(isDroppableImage, 'an image file (JPEG, PNG, BMP, TIFF, WebP)'),
    data: z.string().max(Math.ceil(TRY_DROP_MAX_BYTES / 3) * 4),
  })
  .strict();

/** Request of predict:tryFiles: images dropped on Try it, predicted like a picked folder. */
export const PredictTryFilesRequestSchema = z.object({ runId: RunIdSchema, files: z.array(DroppedImageSchema).min(1).max(TRY_DROP_MAX_FILES) }).strict();

/** One image of Try it: a thumbnail, the kept detections in thumbnail pixels, and the verdict. */
export const TriedImageSchema = z.object({
  ...ThumbnailFields,
  /** The image on disk (what "Review and add to the dataset" opens). */
  path: z.string(),
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
