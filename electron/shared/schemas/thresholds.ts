/**
 * Per-class confidence thresholds of a run (`thresholds.json` in the run folder): the one
 * place predict, export, the OK/NG verdict and Results read the operating point from.
 */
import { z } from 'zod';

/** How a class's threshold was chosen. */
export const ThresholdSourceSchema = z.enum(['default', 'suggested', 'user']);
export type ThresholdSource = z.infer<typeof ThresholdSourceSchema>;

const Conf = z.number().min(0).max(1);

/** One class's operating point. */
export const ClassThresholdSchema = z.object({
  /** Class name (classes are matched by name, never by index, across runs and exports). */
  name: z.string().min(1),
  conf: Conf,
  source: ThresholdSourceSchema,
});
export type ClassThreshold = z.infer<typeof ClassThresholdSchema>;

/** What thresholds.json holds. */
export const ThresholdsSchema = z.object({
  version: z.literal(1),
  /** Threshold for a class not listed (and for a model whose classes grew). */
  defaultConf: Conf,
  /** NMS IoU used with these thresholds. */
  iou: z.number().gt(0).max(1),
  classes: z.array(ClassThresholdSchema),
  /** Recall the suggestions aimed at, when they did (a missed defect costs more than a false alarm). */
  recallTarget: Conf.nullable(),
  updatedAt: z.string(),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/** Kestrel's operating point before anyone chose one: 0.25 confidence, 0.7 IoU (as Ultralytics predicts). */
export const DEFAULT_CONF = 0.25;
export const DEFAULT_IOU = 0.7;

/** Thresholds at the defaults for a class list. */
export function defaultThresholds(classNames: readonly string[], now = new Date()): Thresholds {
  return {
    version: 1,
    defaultConf: DEFAULT_CONF,
    iou: DEFAULT_IOU,
    classes: classNames.map((name) => ({ name, conf: DEFAULT_CONF, source: 'default' as const })),
    recallTarget: null,
    updatedAt: now.toISOString(),
  };
}

/** The threshold of each class of `classNames`, in that order (by name; unknown names get the default). */
export function confByClass(t: Thresholds, classNames: readonly string[]): number[] {
  const byName = new Map(t.classes.map((c) => [c.name, c.conf]));
  return classNames.map((n) => byName.get(n) ?? t.defaultConf);
}
