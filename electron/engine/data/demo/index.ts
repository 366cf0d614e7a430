import { resolve } from 'node:path';
import type { Rng } from '../rng';
import { writeSyntheticSet, writeYoloYaml } from '../synthetic-yolo';
import { DEMO_CLASSES, paintDefect, type PaintedDefect } from './defects';
import { paintMetal, paintPcb, toBytes, type Canvas } from './render';

export { DEMO_CLASSES } from './defects';

/** Options of {@link generateDemoDataset}. */
export interface DemoOptions {
  /** Seed: the same seed gives the same files, byte for byte. Default 1. */
  seed?: number;
  /** Number of images (train + val). Default 200. */
  images?: number;
  /** Smallest and largest image side in pixels. Default [64, 320]. */
  size?: [number, number];
  /**
   * Defect size in pixels (the longer side of its box, roughly) instead of a share of the
   * image: small defects on large images, the case training on tiles is for. Default: none
   * (defects are 10-55% of the shorter side).
   */
  defectPx?: [number, number];
}

/** Longer box side of each class as a share of the `side` paintDefect sizes it from (about). */
const BOX_SHARE = [0.4, 0.3, 0.2];

/** Half-extent of each class as a share of the shorter side: centres stay this far inside. */
const MARGIN = [0.3, 0.26, 0.14];

/**
 * Paints one demo image and returns its pixels and defects. With `defectPx` each defect is
 * sized to about that many pixels whatever the image size (and kept apart by its own size).
 */
export function renderDemoImage(rng: Rng, width: number, height: number, defectPx?: [number, number]): { rgb: Uint8Array; defects: PaintedDefect[] } {
  const canvas: Canvas = { width, height, px: new Float32Array(width * height * 3) };
  if (rng.chance(0.6)) paintMetal(canvas, rng);
  else paintPcb(canvas, rng);
  const side = Math.min(width, height);
  const u = rng.next();
  const count = u < 0.06 ? 0 : u < 0.56 ? 1 : u < 0.9 ? 2 : 3;
  const defects: PaintedDefect[] = [];
  const centres: { x: number; y: number; s: number }[] = [];
  for (let d = 0; d < count; d++) {
    const cls = rng.int(DEMO_CLASSES.length);
    // The `side` the defect is sized from: the image's, or one that gives defectPx pixels.
    const s = defectPx ? Math.min(side, rng.uniform(defectPx[0], defectPx[1]) / (BOX_SHARE[cls] as number)) : side;
    const m = (MARGIN[cls] as number) * s;
    for (let attempt = 0; attempt < 20; attempt++) {
      const x = rng.uniform(m, width - m);
      const y = rng.uniform(m, height - m);
      if (centres.some((c) => Math.hypot(c.x - x, c.y - y) < 0.38 * Math.max(s, c.s))) continue;
      centres.push({ x, y, s });
      const def = paintDefect(canvas, rng, cls, x, y, s);
      defects.push({
        cls,
        x1: Math.max(0, def.x1),
        y1: Math.max(0, def.y1),
        x2: Math.min(width, def.x2),
        y2: Math.min(height, def.y2),
      });
      break;
    }
  }
  return { rgb: toBytes(canvas), defects };
}

/**
 * Writes a small synthetic defect dataset in YOLO layout (images/{train,val}, labels/...,
 * data.yaml with the class names): brushed-metal and PCB-like backgrounds with scratches,
 * rust spots and holes. It is Kestrel's built-in demo and the fixture of fast tests, so it
 * is deterministic from the seed and made to be learnable in a minute or two of CPU.
 */
export async function generateDemoDataset(dir: string, opts: DemoOptions = {}): Promise<{ dir: string; classNames: string[] }> {
  const seed = opts.seed ?? 1;
  const images = opts.images ?? 200;
  const root = resolve(dir);
  await writeSyntheticSet(root, {
    seed,
    images,
    size: opts.size ?? [64, 320],
    prefix: 'demo',
    // Every fifth image validates: a fixed, reproducible 80/20 split.
    isVal: (i) => i % 5 === 4,
    quality: 92,
    render: (rng, w, h) => {
      const { rgb, defects } = renderDemoImage(rng, w, h, opts.defectPx);
      return { rgb, boxes: defects };
    },
  });
  const classNames = [...DEMO_CLASSES];
  await writeYoloYaml(root, `Kestrel built-in demo defect set (synthetic), seed ${seed}, ${images} images.`, classNames);
  return { dir: root, classNames };
}
