import sharp from 'sharp';

/** A small JPEG of an image as a data URL, and the scale from image pixels to thumbnail pixels. */
export interface Thumb {
  url: string;
  width: number;
  height: number;
  scale: number;
}

/**
 * Makes a thumbnail the renderer can show without file access (data URL): EXIF orientation
 * applied, longer side `size` px, JPEG quality 75. `srcWidth` is the image width boxes refer to.
 */
export async function makeThumb(file: string, size: number, srcWidth: number): Promise<Thumb> {
  const { data, info } = await sharp(file, { failOn: 'none' })
    .rotate()
    .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: false })
    .flatten({ background: '#808080' })
    .jpeg({ quality: 75 })
    .toBuffer({ resolveWithObject: true });
  return { url: `data:image/jpeg;base64,${data.toString('base64')}`, width: info.width, height: info.height, scale: info.width / srcWidth };
}

/** Scales a box's corners by `s` (image pixels to thumbnail pixels), keeping its other fields. */
export function scaleBox<T extends { x1: number; y1: number; x2: number; y2: number }>(b: T, s: number): T {
  return { ...b, x1: b.x1 * s, y1: b.y1 * s, x2: b.x2 * s, y2: b.y2 * s };
}
