import sharp, { type Sharp } from 'sharp';
import { KestrelError } from '../../../shared/errors';
import { decodeImage } from '../image';
import { letterboxInfo, PAD_VALUE, resizedSize } from '../letterbox';

/** A window of an image in its (oriented) pixels. */
export interface CropWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Decodes an image file (path or bytes) straight into its imgsz letterbox: EXIF orientation
 * applied, gray or 16-bit turned into 8-bit RGB, resized and padded with gray 114 by libvips
 * in one pass (BMP and other files libvips cannot read go through the importer's decoder
 * first). The resize targets the size the record declares (the importer's oriented
 * size), so the pixels agree with the box mapping of {@link letterboxInfo}. With `crop` only
 * that window of the image is letterboxed (a tile sample; srcW x srcH is then the window's size).
 */
export async function decodeLetterboxed(input: string | Uint8Array, srcW: number, srcH: number, imgsz: number, file: string, crop?: CropWindow): Promise<Uint8Array> {
  // With a crop (a training tile) srcW x srcH is the window's size: it is cut out of the
  // oriented image first, then letterboxed like a whole image.
  const cut = (p: Sharp): Sharp => (crop ? p.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height }) : p);
  try {
    return await letterboxWithSharp(cut(sharp(input, { failOn: 'truncated' }).rotate()), srcW, srcH, imgsz);
  } catch (err) {
    // libvips reads no BMP and a few odd files: the importer's decoder handles those, then
    // sharp only resizes raw pixels. Its error (DS_IMAGE_UNREADABLE, DS_IMAGE_TRUNCATED, ...)
    // is the precise one to report.
    let decoded: Awaited<ReturnType<typeof decodeImage>>;
    try {
      decoded = await decodeImage(file);
    } catch (fallbackErr) {
      if (fallbackErr instanceof KestrelError) throw fallbackErr;
      throw new KestrelError(
        'DATASET_IMAGE_DECODE_FAILED',
        `The image ${file} could not be decoded for training (${(err as Error).message}). Run "kestrel dataset check" and fix or remove it.`,
        { file },
      );
    }
    const raw = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } });
    return letterboxWithSharp(cut(raw), srcW, srcH, imgsz);
  }
}

async function letterboxWithSharp(pipeline: Sharp, srcW: number, srcH: number, imgsz: number): Promise<Uint8Array> {
  const info = letterboxInfo(srcW, srcH, imgsz);
  const { width, height } = resizedSize(srcW, srcH, info.scale, imgsz);
  const { data, info: out } = await pipeline
    .removeAlpha()
    .toColourspace('srgb')
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .extend({
      top: info.padY,
      bottom: imgsz - height - info.padY,
      left: info.padX,
      right: imgsz - width - info.padX,
      background: { r: PAD_VALUE, g: PAD_VALUE, b: PAD_VALUE },
    })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (out.channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // Rare colourspaces can still leave one channel: spread it to RGB.
  const rgb = new Uint8Array(imgsz * imgsz * 3);
  for (let i = 0, p = 0; i < rgb.length; i += 3, p += out.channels) {
    rgb[i] = data[p] as number;
    rgb[i + 1] = data[p + Math.min(1, out.channels - 1)] as number;
    rgb[i + 2] = data[p + Math.min(2, out.channels - 1)] as number;
  }
  return rgb;
}
