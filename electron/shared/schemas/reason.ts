import { z } from 'zod';

/** Schema of a Reason (see ../reason.ts): code, figures, English sentence. */
export const ReasonSchema = z.object({
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  message: z.string(),
});
