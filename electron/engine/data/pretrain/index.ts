/**
 * Kestrel's pretraining set: formula-driven synthetic images (no photo, no one's data, no one's
 * licence) in YOLO layout. Each image is a procedural surface (noise, streaks, gratings) with up
 * to six objects from eight shape families, sizes from 6% to 70% of the shorter side, faint to
 * strong, bright or dark. A detector trained on it learns edges, textures, blobs and boxes before
 * it ever sees a factory's images; `kestrel pretrain` trains the shipped starting weights on it.
 */
import { resolve } from 'node:path';
import type { Rng } from '../rng';
import { writeSyntheticSet, writeYoloYaml } from '../synthetic-yolo';
import { PRETRAIN_CLASSES, paintObject, type Box } from './shapes';
import { paintSurface, toRgb } from './textures';

export { PRETRAIN_CLASSES } from './shapes';

/** Options of {@link generatePretrainDataset}. */
export interface PretrainSetOptions {
  /** Seed: the same seed gives the same files. Default 1. */
  seed?: number;
  /** Number of images (train + val). Default 4000. */
  images?: number;
  /** Smallest and largest image side in pixels. Default [128, 288]. */
  size?: [number, number];
  /** Every how-many-th image validates. Default 20 (5%). */
  valEvery?: number;
}

/** A labelled object: its family and box in pixels. */
export interface PretrainObject extends Box {
  cls: number;
}

/** Paints one pretraining image of the given size: its RGB pixels and labelled objects. */
export function renderPretrainImage(rng: Rng, width: number, height: number): { rgb: Uint8Array; objects: PretrainObject[] } {
  const g = paintSurface(rng, width, height);
  const side = Math.min(width, height);
  const u = rng.next();
  const count = u < 0.05 ? 0 : 1 + rng.int(u < 0.6 ? 3 : 6);
  const objects: PretrainObject[] = [];
  const placed: { x: number; y: number; s: number }[] = [];
  for (let k = 0; k < count; k++) {
    const cls = rng.int(PRETRAIN_CLASSES.length);
    // Log-uniform sizes: as many small objects as large ones.
    const size = side * Math.exp(rng.uniform(Math.log(0.06), Math.log(0.7)));
    for (let attempt = 0; attempt < 15; attempt++) {
      const x = rng.uniform(size * 0.3, width - size * 0.3);
      const y = rng.uniform(size * 0.3, height - size * 0.3);
      if (placed.some((p) => Math.abs(p.x - x) < 0.45 * (p.s + size) && Math.abs(p.y - y) < 0.45 * (p.s + size))) continue;
      const box = paintObject(g, rng, cls, x, y, size);
      if (box) {
        placed.push({ x, y, s: size });
        objects.push({ cls, ...box });
      }
      break;
    }
  }
  return { rgb: toRgb(g, rng), objects };
}

/** Writes the pretraining set in YOLO layout (images/{train,val}, labels/..., data.yaml). */
export async function generatePretrainDataset(dir: string, opts: PretrainSetOptions = {}): Promise<{ dir: string; classNames: string[] }> {
  const seed = opts.seed ?? 1;
  const images = opts.images ?? 4000;
  const valEvery = opts.valEvery ?? 20;
  const root = resolve(dir);
  await writeSyntheticSet(root, {
    seed,
    images,
    size: opts.size ?? [128, 288],
    prefix: 'synth',
    isVal: (i) => i % valEvery === valEvery - 1,
    quality: 90,
    render: (rng, w, h) => {
      const { rgb, objects } = renderPretrainImage(rng, w, h);
      return { rgb, boxes: objects };
    },
  });
  const classNames = [...PRETRAIN_CLASSES];
  await writeYoloYaml(root, `Kestrel pretraining set (formula-driven synthetic images), seed ${seed}, ${images} images.`, classNames);
  return { dir: root, classNames };
}
