import { z } from 'zod';
import { BoxSchema, SplitNameSchema } from '../dataset';

/** Longest path accepted over IPC (the same bound as electron/app/access.ts). */
export const MAX_IPC_PATH = 4096;

/**
 * An absolute path (POSIX `/...`, Windows `C:\...` or `\\server\share`), bounded, without NUL
 * bytes: the shape of every path the renderer may send. Main still checks it was granted.
 */
export const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(MAX_IPC_PATH)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]/.test(p), 'a full (absolute) path is needed');

/** A dataset location as the engineer picked it: a folder, a data.yaml or a COCO JSON. */
export const DatasetPathSchema = AbsolutePathSchema;

/**
 * An image shown as a small JPEG: its file (relative to the dataset root, for display), its
 * size and the thumbnail's, and the thumbnail as a data URL (the renderer has no file://).
 */
export const ThumbnailFields = {
  file: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  thumbWidth: z.number().int().positive(),
  thumbHeight: z.number().int().positive(),
  thumbUrl: z.string().startsWith('data:image/jpeg;base64,'),
};

/** One image of the sample grid: a small JPEG (data URL) and its boxes scaled to that JPEG. */
export const DatasetSampleSchema = z.object({
  id: z.string(),
  split: SplitNameSchema,
  ...ThumbnailFields,
  /** Boxes in thumbnail pixels. */
  boxes: z.array(BoxSchema),
});
export type DatasetSample = z.infer<typeof DatasetSampleSchema>;

/** A page of samples for the dataset grid. */
export const DatasetSamplesSchema = z.object({
  classNames: z.array(z.string()),
  total: z.number().int().nonnegative(),
  samples: z.array(DatasetSampleSchema),
});
export type DatasetSamples = z.infer<typeof DatasetSamplesSchema>;

/** Request of dataset:samples. */
export const DatasetSamplesRequestSchema = z
  .object({
    path: DatasetPathSchema,
    split: SplitNameSchema.default('train'),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().positive().max(48).default(12),
    /** Longer side of each thumbnail in pixels. */
    size: z.number().int().min(32).max(512).default(192),
  })
  .strict();
