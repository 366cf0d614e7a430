// Schemas of the label editor: one image's boxes as the editor sees them, and the IPC requests
// to read, save and add labelled images. Plain data, shared by engine, app and renderer.
import { z } from 'zod';
import { DatasetFormatSchema } from './dataset';
import { DatasetPathSchema } from './ipc/dataset';

/**
 * A box being edited: corners in pixels of the image as displayed (EXIF orientation applied),
 * a class index, and `key`, the identity of the object in the label file it came from (null
 * for a new box). The key lets a save change that object in place and keep what Kestrel does
 * not edit (`difficult`, `pose`, `iscrowd`, `segmentation`, attributes...).
 */
export const EditBoxSchema = z.object({
  x1: z.number().finite(),
  y1: z.number().finite(),
  x2: z.number().finite(),
  y2: z.number().finite(),
  cls: z.number().int().nonnegative(),
  key: z.string().max(64).nullable(),
  difficult: z.boolean().optional(),
  crowd: z.boolean().optional(),
});
export type EditBox = z.infer<typeof EditBoxSchema>;

/** An entry of the label file Kestrel cannot read as a box: kept on save unless asked to drop. */
export const UnreadableEntrySchema = z.object({
  key: z.string(),
  /** Where it is: "line 3", "object 2", "annotation 17". */
  ref: z.string(),
  text: z.string(),
});
export type UnreadableEntry = z.infer<typeof UnreadableEntrySchema>;

/** One image's labels, read for editing. */
export const LabelDocSchema = z.object({
  format: DatasetFormatSchema,
  /** The dataset folder. */
  root: z.string(),
  /** Absolute path of the image. */
  image: z.string(),
  /** The image relative to the root, '/' separated, for display. */
  imageRel: z.string(),
  /** The label file (YOLO .txt, VOC .xml, COCO .json); it may not exist yet. */
  labelFile: z.string(),
  labelExists: z.boolean(),
  classNames: z.array(z.string()),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  boxes: z.array(EditBoxSchema),
  unreadable: z.array(UnreadableEntrySchema),
  /** Hash of the label file as read: a save refuses when the file changed meanwhile. */
  version: z.string(),
});
export type LabelDoc = z.infer<typeof LabelDocSchema>;

/** Boxes of a save: at most this many per image. */
export const MAX_EDIT_BOXES = 5000;

/** Request of labels:get. */
export const LabelsGetRequestSchema = z
  .object({
    datasetPath: DatasetPathSchema,
    /** The image, or its label file (what a problem of the check names): absolute or relative to the dataset folder. */
    file: z.string().min(1).max(4096),
    /** Longer side of the picture sent to the editor. */
    maxSide: z.number().int().min(64).max(4096).default(1600),
    /**
     * Review a new image before adding it (predict output): `file` is then an absolute path
     * outside the dataset, and the answer has the dataset's classes and no boxes or label file.
     */
    review: z.boolean().default(false),
  })
  .strict();

/** Response of labels:get: the labels and the picture (the renderer has no file access). */
export const LabelsGetResponseSchema = LabelDocSchema.extend({
  imageUrl: z.string().startsWith('data:image/jpeg;base64,'),
  /** Picture pixels per image pixel. */
  imageScale: z.number().positive(),
});

/** Request of labels:save. An empty box list marks the image as a good part (no defects). */
export const LabelsSaveRequestSchema = z
  .object({
    datasetPath: DatasetPathSchema,
    file: z.string().min(1).max(4096),
    boxes: z.array(EditBoxSchema).max(MAX_EDIT_BOXES),
    /** The version the editor read; the save refuses when the file changed since. */
    version: z.string().max(128).optional(),
    /** Remove the entries Kestrel could not read (they stay in the backup). */
    dropUnreadable: z.boolean().default(false),
  })
  .strict();

/** Response of labels:save: the file as now on disk, and the new key of each box sent, in order. */
export const LabelsSaveResponseSchema = z.object({
  doc: LabelDocSchema,
  keys: z.array(z.string()),
  /** The copy of the file as it was before the save (null when there was no file). */
  backup: z.string().nullable(),
});

/** Request of labels:addImage: an image from predict output, reviewed, into the train split. */
export const LabelsAddImageRequestSchema = z
  .object({
    datasetPath: DatasetPathSchema,
    /** The image to copy in (from a run's predict output or a dataset the engineer opened). */
    source: z.string().min(1).max(4096),
    boxes: z.array(EditBoxSchema).max(MAX_EDIT_BOXES),
  })
  .strict();

/** Response of labels:addImage. */
export const LabelsAddImageResponseSchema = z.object({
  image: z.string(),
  labelFile: z.string(),
  /** The split list the image was added to, when the format has one. */
  listFile: z.string().nullable(),
});
