import type { Box, LetterboxInfo } from '../../shared/schemas/dataset';

/** Gray level of letterbox padding (the YOLO convention, so pretrained habits carry over). */
export const PAD_VALUE = 114;

/**
 * Where an image of srcW x srcH lands in the square imgsz input: scaled to fit the longer
 * side, centred, padded. The resized size is rounded to whole pixels; the box mapping uses
 * `scale` so that `(x - padX) / scale` undoes it exactly.
 */
export function letterboxInfo(srcW: number, srcH: number, imgsz: number): LetterboxInfo {
  const scale = Math.min(imgsz / srcW, imgsz / srcH);
  const { width, height } = resizedSize(srcW, srcH, scale, imgsz);
  return {
    scale,
    padX: Math.floor((imgsz - width) / 2),
    padY: Math.floor((imgsz - height) / 2),
    srcWidth: srcW,
    srcHeight: srcH,
  };
}

/** Pixel size of the scaled image inside the letterbox (at least 1 px, at most imgsz). */
export function resizedSize(srcW: number, srcH: number, scale: number, imgsz: number): { width: number; height: number } {
  return {
    width: Math.min(imgsz, Math.max(1, Math.round(srcW * scale))),
    height: Math.min(imgsz, Math.max(1, Math.round(srcH * scale))),
  };
}

/** Identity-like letterbox info for images that have no single source frame (mosaic, augmented). */
export function identityLetterbox(imgsz: number): LetterboxInfo {
  return { scale: 1, padX: 0, padY: 0, srcWidth: imgsz, srcHeight: imgsz };
}

/** Maps source-pixel boxes into network-input pixels, flat x1,y1,x2,y2. */
export function letterboxBoxes(boxes: readonly Box[], info: LetterboxInfo): Float32Array {
  const out = new Float32Array(boxes.length * 4);
  boxes.forEach((b, i) => {
    out[i * 4] = b.x1 * info.scale + info.padX;
    out[i * 4 + 1] = b.y1 * info.scale + info.padY;
    out[i * 4 + 2] = b.x2 * info.scale + info.padX;
    out[i * 4 + 3] = b.y2 * info.scale + info.padY;
  });
  return out;
}

/** Maps a network-input point back to source-image pixels (for predictions). */
export function unletterboxPoint(x: number, y: number, info: LetterboxInfo): { x: number; y: number } {
  return { x: (x - info.padX) / info.scale, y: (y - info.padY) / info.scale };
}

/**
 * Letterboxes RGB pixels in plain JS (bilinear, pixel centres aligned like sharp and OpenCV).
 *
 * The loader uses sharp for speed; this pure version serves tests, tiny images and sources
 * that only exist as raw pixels.
 */
export function letterboxPixels(rgb: Uint8Array, srcW: number, srcH: number, imgsz: number): { data: Uint8Array; info: LetterboxInfo } {
  const info = letterboxInfo(srcW, srcH, imgsz);
  const { width, height } = resizedSize(srcW, srcH, info.scale, imgsz);
  const data = new Uint8Array(imgsz * imgsz * 3).fill(PAD_VALUE);
  const sx = srcW / width;
  const sy = srcH / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      const o = ((y + info.padY) * imgsz + x + info.padX) * 3;
      for (let c = 0; c < 3; c++) {
        const a = rgb[(y0 * srcW + x0) * 3 + c] as number;
        const b = rgb[(y0 * srcW + x1) * 3 + c] as number;
        const d = rgb[(y1 * srcW + x0) * 3 + c] as number;
        const e = rgb[(y1 * srcW + x1) * 3 + c] as number;
        data[o + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { data, info };
}
