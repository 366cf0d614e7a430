/**
 * Writing a generated dataset in YOLO layout (images/{train,val}, labels/{train,val}, data.yaml):
 * the one writer of Kestrel's synthetic sets, the demo (./demo) and the pretraining set (./pretrain).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRng, type Rng } from './rng';

/** A labelled box in pixels with its class index. */
export interface PixelBox {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Creates the four split folders under `root`. */
export async function makeYoloFolders(root: string): Promise<void> {
  for (const sub of ['images/train', 'images/val', 'labels/train', 'labels/val']) await mkdir(join(root, sub), { recursive: true });
}

/** One YOLO label line: class, centre and size normalised to the image. */
function yoloLine(b: PixelBox, w: number, h: number): string {
  const f = (v: number): string => v.toFixed(6);
  return `${b.cls} ${f((b.x1 + b.x2) / 2 / w)} ${f((b.y1 + b.y2) / 2 / h)} ${f((b.x2 - b.x1) / w)} ${f((b.y2 - b.y1) / h)}`;
}

/** Writes one image (RGB bytes, as JPEG at `quality`) and its label file into `split`. */
export async function writeYoloSample(root: string, split: 'train' | 'val', name: string, rgb: Uint8Array, width: number, height: number, boxes: readonly PixelBox[], quality: number): Promise<void> {
  const jpg = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
  await writeFile(join(root, 'images', split, `${name}.jpg`), jpg);
  await writeFile(join(root, 'labels', split, `${name}.txt`), boxes.map((b) => yoloLine(b, width, height)).join('\n') + (boxes.length ? '\n' : ''));
}

/** Writes data.yaml: a comment line saying what the set is, the split folders and the class names. */
export async function writeYoloYaml(root: string, comment: string, classNames: readonly string[]): Promise<void> {
  const yaml = [`# ${comment}`, 'train: images/train', 'val: images/val', `nc: ${classNames.length}`, 'names:', ...classNames.map((n) => `  - ${n}`), ''].join('\n');
  await writeFile(join(root, 'data.yaml'), yaml);
}

/** How {@link writeSyntheticSet} makes and names a set's images. */
export interface SyntheticSetRecipe {
  seed: number;
  images: number;
  /** Smallest and largest image side in pixels. */
  size: [number, number];
  /** File name prefix (`demo`, `synth`), followed by the zero-padded index. */
  prefix: string;
  /** Whether image i validates (a fixed, reproducible split). */
  isVal: (i: number) => boolean;
  quality: number;
  /** Paints one image of the given size from its generator. */
  render: (rng: Rng, width: number, height: number) => { rgb: Uint8Array; boxes: readonly PixelBox[] };
}

/**
 * Writes a generated set: image i draws its size from its own generator (seed, i), mostly
 * square-ish, sometimes wide or tall like real line-scan crops, then is painted by `render`.
 */
export async function writeSyntheticSet(root: string, r: SyntheticSetRecipe): Promise<void> {
  const [minSide, maxSide] = r.size;
  await makeYoloFolders(root);
  const digits = String(Math.max(1, r.images - 1)).length;
  for (let i = 0; i < r.images; i++) {
    const rng = createRng(r.seed, i);
    const width = minSide + rng.int(maxSide - minSide + 1);
    const aspect = rng.chance(0.5) ? 1 : rng.uniform(0.6, 1.6);
    const height = Math.max(minSide, Math.min(maxSide, Math.round(width * aspect)));
    const { rgb, boxes } = r.render(rng, width, height);
    await writeYoloSample(root, r.isVal(i) ? 'val' : 'train', `${r.prefix}_${String(i).padStart(digits, '0')}`, rgb, width, height, boxes, r.quality);
  }
}
