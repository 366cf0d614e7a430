/**
 * Writing a generated dataset in YOLO layout (images/{train,val}, labels/{train,val}, data.yaml):
 * the one writer of Kestrel's synthetic sets, the demo (./demo) and the pretraining set (./pretrain).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

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
