// Fixtures of the loader tests: tiny synthetic images with one bright rectangle each, so a
// test can check that boxes and pixels still agree after any transform.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageRecord } from '../../../../electron/shared/schemas/dataset';
import type { Sample } from '../../../../electron/engine/data/augment/sample';

export const BG = 60;
export const FG = 240;

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'kestrel-loader-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** RGB bytes of a w x h dark image with a bright rectangle [x1, x2) x [y1, y2). */
export function rectImage(w: number, h: number, r: { x1: number; y1: number; x2: number; y2: number }): Uint8Array {
  const px = new Uint8Array(w * h * 3).fill(BG);
  for (let y = r.y1; y < r.y2; y++) for (let x = r.x1; x < r.x2; x++) px.fill(FG, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return px;
}

/** A Sample of a whole w x h image with one bright rectangle and its box. */
export function rectSample(w: number, h: number, r: { x1: number; y1: number; x2: number; y2: number }, cls = 0): Sample {
  return {
    data: rectImage(w, h, r),
    width: w,
    height: h,
    boxes: Float32Array.from([r.x1, r.y1, r.x2, r.y2]),
    cls: Int32Array.from([cls]),
    ignore: Uint8Array.from([0]),
    content: { x: 0, y: 0, width: w, height: h },
  };
}

/** Writes PNG images with one bright rectangle each and returns their records. */
export async function writeRectImages(dir: string, specs: { w: number; h: number; cls?: number }[]): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  for (const [i, s] of specs.entries()) {
    const r = { x1: Math.round(s.w * 0.25), y1: Math.round(s.h * 0.3), x2: Math.round(s.w * 0.7), y2: Math.round(s.h * 0.8) };
    const file = join(dir, `img_${i}.png`);
    await sharp(rectImage(s.w, s.h, r), { raw: { width: s.w, height: s.h, channels: 3 } }).png().toFile(file);
    out.push({ id: `img_${i}`, file, width: s.w, height: s.h, boxes: [{ ...r, cls: s.cls ?? i % 3 }], labelFile: null });
  }
  return out;
}

/** Share of pixels inside [x1, x2) x [y1, y2) (rounded inwards) whose red channel is bright. */
export function brightShare(data: Uint8Array, w: number, x1: number, y1: number, x2: number, y2: number, channels = 3, thr = 170): number {
  let n = 0;
  let bright = 0;
  for (let y = Math.ceil(y1); y < Math.floor(y2); y++) {
    for (let x = Math.ceil(x1); x < Math.floor(x2); x++) {
      n++;
      if ((data[(y * w + x) * channels] as number) >= thr) bright++;
    }
  }
  return n === 0 ? 0 : bright / n;
}

/** Bright pixels lying outside every box grown by `margin` pixels. */
export function brightOutside(data: Uint8Array | Float32Array, w: number, h: number, boxes: ArrayLike<number>, margin = 1.5, thr = 170): number {
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((data[(y * w + x) * 3] as number) < thr) continue;
      let inside = false;
      for (let b = 0; b < boxes.length && !inside; b += 4) {
        inside =
          x + 0.5 >= (boxes[b] as number) - margin &&
          x + 0.5 <= (boxes[b + 2] as number) + margin &&
          y + 0.5 >= (boxes[b + 1] as number) - margin &&
          y + 0.5 <= (boxes[b + 3] as number) + margin;
      }
      if (!inside) n++;
    }
  }
  return n;
}
