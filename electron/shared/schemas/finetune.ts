/**
 * Fine-tuning from an earlier run: what the planner is told about the parent run, and the
 * report of how the parent's weights were carried into the new network (shown in Results,
 * the model card and Past runs, and written to the run folder).
 */
import { z } from 'zod';
import { NormKindSchema } from './model';

/**
 * What planTraining needs to plan a fine-tune: the parent run's name (recorded in the plan as
 * `parentRun`) and, when known, the normalisation its weights were trained with (a different
 * norm means the running statistics cannot be carried over).
 */
export const FineTunePlanInputSchema = z.object({
  /** The parent run's name (its folder under the runs directory). */
  parentRun: z.string().min(1),
  /** Normalisation of the parent's network. */
  parentNorm: NormKindSchema.optional(),
});
export type FineTunePlanInput = z.infer<typeof FineTunePlanInputSchema>;

/** A parent tensor that was not used, and why (e.g. its shape differs from the new network's). */
export const SkippedTensorSchema = z.object({ name: z.string(), reason: z.string() });
export type SkippedTensor = z.infer<typeof SkippedTensorSchema>;

/**
 * How a parent's weights went into the new network. Tensor names are the detector's own
 * (`<conv>.filter|gamma|beta|bias|running_mean|running_var`).
 */
export const TransferReportSchema = z.object({
  /** Tensors copied whole (same name and shape). */
  copied: z.number().int().nonnegative(),
  /** Class-head tensors whose class rows were matched by class name. */
  reshapedByClass: z.array(z.string()),
  /** Tensors of the new network that keep their fresh initial values. */
  fresh: z.array(z.string()),
  /** Parent tensors the new network has no place for (e.g. BatchNorm statistics under GroupNorm). */
  dropped: z.array(z.string()),
  /** Parent tensors with a matching name but an unusable shape. */
  skipped: z.array(SkippedTensorSchema),
  /** Classes found in both lists, in the new run's order. */
  keptClasses: z.array(z.string()),
  /** Classes of the new run the parent did not know: their head rows start fresh. */
  newClasses: z.array(z.string()),
  /** Classes of the parent the new run does not have: their head rows are dropped. */
  removedClasses: z.array(z.string()),
  /** For each class of the new run, its index in the parent's class list (-1 when new). */
  classMap: z.array(z.number().int()),
  /** Scalar values taken from the parent, and the new network's total. */
  copiedValues: z.number().int().nonnegative(),
  totalValues: z.number().int().nonnegative(),
});
export type TransferReport = z.infer<typeof TransferReportSchema>;
