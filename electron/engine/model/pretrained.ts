/**
 * Kestrel's own pretrained starting weights: a detector trained by `kestrel pretrain` on
 * formula-driven synthetic images (engine/data/pretrain: procedural surfaces with lines, curves,
 * blobs, pit clusters, crack networks, IFS fractals, rings and textured patches). No photo and
 * no one else's weights went into them, so they carry no licence but Kestrel's own.
 *
 * They ship as a weights folder per scale under resources/pretrained/<scale>/ (model.json, the
 * weights file, pretrained.json describing how they were made). A run starts from them by the
 * same transfer a fine-tune uses (every layer by name and shape; the class rows are the new
 * dataset's own, fresh), but keeps the from-scratch plan: the LR and warmup of a new run, as
 * Ultralytics does when it starts from its pretrained weights.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ModelScale } from '../../shared/schemas/model';
import { MANIFEST_FILE } from './persist';

/** What pretrained.json says of a weights folder: how it was made, for the plan's reason and the README. */
export const PretrainedInfoSchema = z.object({
  /** A short name, recorded in the plan as `pretrained`. */
  name: z.string().min(1),
  /** Synthetic images it was trained on. */
  images: z.number().int().positive(),
  epochs: z.number().int().positive(),
  imgsz: z.number().int().positive(),
  /** The command that made it. */
  command: z.string(),
  /** mAP50 on its own synthetic validation images (how well it learnt the shapes). */
  map50: z.number().nullable(),
});
export type PretrainedInfo = z.infer<typeof PretrainedInfoSchema>;

/** The file beside the weights that describes them. */
export const PRETRAINED_INFO_FILE = 'pretrained.json';

/**
 * The folder holding the per-scale weights: KESTREL_PRETRAINED_DIR when set (a packaged app
 * points it into its resources; tests point it at their own), else resources/pretrained beside
 * the sources.
 */
export function pretrainedRoot(): string {
  const env = process.env['KESTREL_PRETRAINED_DIR'];
  if (env) return resolve(env);
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/pretrained');
}

/** The shipped weights of a scale: their folder and description, or null when none ship for it. */
export async function findPretrained(scale: ModelScale, root = pretrainedRoot()): Promise<{ dir: string; info: PretrainedInfo } | null> {
  const dir = join(root, scale);
  const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
  if (!(await isFile(join(dir, MANIFEST_FILE)))) return null;
  try {
    const info = PretrainedInfoSchema.parse(JSON.parse(await readFile(join(dir, PRETRAINED_INFO_FILE), 'utf8')));
    return { dir, info };
  } catch (_err) {
    // Weights without their description are not Kestrel's shipped ones: not offered.
    return null;
  }
}
