import { z } from 'zod';
import { ReasonSchema } from './reason';

/** A box's corners in pixels: (x1, y1) top left, (x2, y2) bottom right. Every box schema (labels, detections, evaluation truths) spreads it. */
export const CornersSchema = z.object({
  x1: z.number(),
  y1: z.number(),
  x2: z.number(),
  y2: z.number(),
});

/** A box in pixels of the original image: corners, class index, and the flags evaluation honours. */
export const BoxSchema = z.object({
  ...CornersSchema.shape,
  cls: z.number().int().nonnegative(),
  /** VOC `difficult`: neither a miss nor a false positive in evaluation. */
  difficult: z.boolean().optional(),
  /** COCO `iscrowd`: likewise ignored by evaluation. */
  crowd: z.boolean().optional(),
});
export type Box = z.infer<typeof BoxSchema>;

export const SplitNameSchema = z.enum(['train', 'val', 'test']);
export type SplitName = z.infer<typeof SplitNameSchema>;

/** One usable image of a dataset, in Kestrel's single internal form. */
export const ImageRecordSchema = z.object({
  /** Stable id within the dataset (relative path of the image without extension). */
  id: z.string(),
  /** Absolute path of the image file. */
  file: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  boxes: z.array(BoxSchema),
  /** Where the labels came from (label/annotation file), for messages. */
  labelFile: z.string().nullable(),
});
export type ImageRecord = z.infer<typeof ImageRecordSchema>;

/** A problem found in a dataset: stable code, file, line where there is one, what to do. */
export const DatasetProblemSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  message: z.string(),
  /** What the engineer should do about it. */
  fix: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type DatasetProblem = z.infer<typeof DatasetProblemSchema>;

export const DatasetFormatSchema = z.enum(['yolo-yaml', 'yolo', 'voc', 'coco']);
export type DatasetFormat = z.infer<typeof DatasetFormatSchema>;

/** An imported dataset. Splits missing from the source are empty until split() fills them. */
export const DatasetSchema = z.object({
  root: z.string(),
  format: DatasetFormatSchema,
  classNames: z.array(z.string()),
  splits: z.object({
    train: z.array(ImageRecordSchema),
    val: z.array(ImageRecordSchema),
    test: z.array(ImageRecordSchema),
  }),
  /** True when the source named a validation split itself. */
  hasOwnValSplit: z.boolean(),
  problems: z.array(DatasetProblemSchema),
});
export type Dataset = z.infer<typeof DatasetSchema>;

/** What the planner needs to know of a dataset. */
export const DatasetSummarySchema = z.object({
  trainImages: z.number().int().nonnegative(),
  valImages: z.number().int().nonnegative(),
  classNames: z.array(z.string()),
  /** Median image width and height in pixels. */
  typicalWidth: z.number(),
  typicalHeight: z.number(),
  boxesPerImage: z.number(),
  /** Box sizes relative to the longer image side: quantiles of sqrt(w*h)/max(W,H). */
  boxRelSize: z.object({ p10: z.number(), p50: z.number(), p90: z.number() }),
  warnings: z.array(ReasonSchema),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

/**
 * How an image was letterboxed into the square network input: scaled by `scale`, then padded
 * by padX/padY on the left/top. Undo with x_orig = (x - padX) / scale.
 */
export const LetterboxInfoSchema = z.object({
  scale: z.number().positive(),
  padX: z.number(),
  padY: z.number(),
  srcWidth: z.number().int().positive(),
  srcHeight: z.number().int().positive(),
});
export type LetterboxInfo = z.infer<typeof LetterboxInfoSchema>;
