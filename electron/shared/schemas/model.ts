import { z } from 'zod';

export const ModelScaleSchema = z.enum(['n', 's', 'm']);
export type ModelScale = z.infer<typeof ModelScaleSchema>;

/** Normalisation of every Conv block: BatchNorm, or GroupNorm when the batch is tiny. */
export const NormKindSchema = z.enum(['batch', 'group']);
export type NormKind = z.infer<typeof NormKindSchema>;

/** Which network: scale, input size (multiple of 32), classes, normalisation. */
export const ModelSpecSchema = z.object({
  scale: ModelScaleSchema,
  imgsz: z.number().int().positive().multipleOf(32),
  numClasses: z.number().int().positive(),
  norm: NormKindSchema,
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/**
 * Figures derived from the architecture description (electron/engine/model/arch.ts) for one
 * ModelSpec: the planner's memory model and the benchmarks read these, the built network is
 * tested against them.
 */
export const ModelFiguresSchema = z.object({
  spec: ModelSpecSchema,
  /** Trainable parameters. */
  params: z.number().int(),
  /** Non-trainable state (BatchNorm running mean/variance). */
  buffers: z.number().int(),
  /** Forward multiply-adds x 2 for one image, at spec.imgsz. */
  forwardFlopsPerImage: z.number(),
  /** float32 bytes of the layer outputs one forward pass produces for one image. */
  activationBytesPerImage: z.number(),
});
export type ModelFigures = z.infer<typeof ModelFiguresSchema>;
