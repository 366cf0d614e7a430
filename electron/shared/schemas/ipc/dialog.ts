import { z } from 'zod';
import { AbsolutePathSchema } from './dataset';

/** A file-type filter of an open dialog (extensions without the dot). */
export const FileFilterSchema = z.object({
  name: z.string().max(100),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9*]{1,10}$/)).max(20),
});

/** Request of dialog:openFolder / dialog:openFile: a title and, for files, filters. */
export const OpenDialogRequestSchema = z
  .object({
    title: z.string().max(200).optional(),
    filters: z.array(FileFilterSchema).max(10).optional(),
    defaultPath: AbsolutePathSchema.optional(),
  })
  .strict();
export type OpenDialogRequest = z.infer<typeof OpenDialogRequestSchema>;

/** What the engineer picked, or null when they cancelled. */
export const OpenDialogResultSchema = z.object({ path: z.string().nullable() });
