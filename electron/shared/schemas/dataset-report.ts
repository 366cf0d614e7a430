import { z } from 'zod';
import { DatasetFormatSchema, DatasetProblemSchema } from './dataset';

/** Images, boxes and background images of one split. */
export const SplitCountsSchema = z.object({
  images: z.number().int().nonnegative(),
  boxes: z.number().int().nonnegative(),
  /** Images without any box (good parts): they teach the model what is not a defect. */
  background: z.number().int().nonnegative(),
});
export type SplitCounts = z.infer<typeof SplitCountsSchema>;

/** Boxes and images of one class, per split. */
export const ClassCountsSchema = z.object({
  cls: z.number().int().nonnegative(),
  name: z.string(),
  boxes: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  /** Images holding at least one box of the class (all splits). */
  images: z.number().int().nonnegative(),
});
export type ClassCounts = z.infer<typeof ClassCountsSchema>;

/** One bin of the box-size histogram: sizes in [lo, hi) relative to the image. */
export const SizeBinSchema = z.object({ lo: z.number(), hi: z.number(), count: z.number().int().nonnegative() });

/** The small-object check at the planned input size. */
export const SmallObjectsSchema = z.object({
  imgsz: z.number().int().positive(),
  /** A box smaller than this (square root of its area, at the input size) is hard to find. */
  minPx: z.number(),
  /** Fraction of boxes below minPx at imgsz. */
  fraction: z.number(),
  /** Smallest input size (multiple of 32, at most 1280) that brings the fraction under the limit; null when none does or none is needed. */
  suggestedImgsz: z.number().int().positive().nullable(),
  warn: z.boolean(),
});
export type SmallObjects = z.infer<typeof SmallObjectsSchema>;

/**
 * What `kestrel dataset check` and the app's dataset page show: counts, box sizes and every
 * problem found, each with its file, line and what to do. Sent over IPC, so plain data.
 */
export const DatasetReportSchema = z.object({
  root: z.string(),
  format: DatasetFormatSchema,
  classNames: z.array(z.string()),
  hasOwnValSplit: z.boolean(),
  totals: z.object({
    /** Images found, usable or not. */
    found: z.number().int().nonnegative(),
    usable: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    boxes: z.number().int().nonnegative(),
    background: z.number().int().nonnegative(),
  }),
  splits: z.object({ train: SplitCountsSchema, val: SplitCountsSchema, test: SplitCountsSchema }),
  classes: z.array(ClassCountsSchema),
  /** Histogram of sqrt(box area) / longer image side (log-spaced bins). */
  boxSizes: z.array(SizeBinSchema),
  smallObjects: SmallObjectsSchema,
  problems: z.array(DatasetProblemSchema),
  /** Problems per code, for a compact summary. */
  problemCounts: z.record(z.string(), z.number().int().nonnegative()),
  errors: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
});
export type DatasetReport = z.infer<typeof DatasetReportSchema>;
