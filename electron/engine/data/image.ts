// Image files: which are images, decoding to 8-bit RGB, probing size/truncation, skip reasons.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { KestrelError } from '../../shared/errors';
import { BmpError, decodeBmp, isBmp, readBmpHeader } from './import/bmp';
import { NotAFileError, kindOf, readRegularFile, readRegularHead } from './import/safe-read';

/** File extensions Kestrel treats as images (lower case, with the dot). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.bmp', '.dib', '.tif', '.tiff', '.webp']);

/** True when the file name has an image extension Kestrel reads. */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** A decoded image: packed 8-bit RGB, 3 bytes per pixel, rows top to bottom, EXIF orientation applied. */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A decoded, downscaled image plus the (oriented) size of the original, to map boxes. */
export interface ResizedImage extends DecodedImage {
  srcWidth: number;
  srcHeight: number;
}

// `truncated` rather than sharp's default `warning`: a JPEG with a harmless warning (extra bytes,
// odd markers) still trains; a file whose pixel data stops early does not.
const SHARP_INPUT = { failOn: 'truncated' as const };

function errText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
}

async function readImageBytes(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(file);
  } catch (err) {
    if (err instanceof NotAFileError) {
      throw new KestrelError('DS_NOT_A_FILE', `${file} is a ${err.kind}, not an image file. Replace it with the image, or delete it with its label.`, { file, kind: err.kind });
    }
    throw new KestrelError('DS_IMAGE_UNREADABLE', `Cannot read image ${file}: ${errText(err)}. Check the file exists and is readable.`, { file });
  }
  if (buf.length === 0) throw new KestrelError('DS_FILE_EMPTY', `Image ${file} is empty (0 bytes). Copy it again or delete it.`, { file });
  return buf;
}

/** Decode failed: if the header still parses the data is cut off (truncated), else unreadable. */
async function decodeFailure(file: string, buf: Buffer, err: unknown): Promise<KestrelError> {
  const headerOk =
    err instanceof BmpError
      ? err.truncated
      : await sharp(buf)
          .metadata()
          .then(
            (m) => (m.width ?? 0) > 0,
            () => false,
          );
  const code = headerOk ? 'DS_IMAGE_TRUNCATED' : 'DS_IMAGE_UNREADABLE';
  return new KestrelError(code, `Cannot decode image ${file} (${errText(err)}). Replace the file or delete it with its label.`, {
    file,
    reason: errText(err),
  });
}

function toRgb(data: Buffer, channels: number, width: number, height: number): Uint8Array {
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // toColourspace('srgb') gives 3 bands for every input we met; keep a fallback for odd ones.
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const v = data[j] ?? 0;
    out[i * 3] = v;
    out[i * 3 + 1] = channels >= 3 ? (data[j + 1] ?? 0) : v;
    out[i * 3 + 2] = channels >= 3 ? (data[j + 2] ?? 0) : v;
  }
  return out;
}

async function sharpRgb(pipeline: Sharp): Promise<DecodedImage> {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data: toRgb(data, info.channels, info.width, info.height), width: info.width, height: info.height };
}

/**
 * Decodes JPEG, PNG, BMP, TIFF or WebP to 8-bit RGB. Grayscale, palette, alpha and 16-bit
 * images all come out as 3 x 8 bits; EXIF orientation is applied, so boxes drawn on the image
 * as a viewer shows it line up. Throws KestrelError DS_FILE_EMPTY, DS_IMAGE_TRUNCATED or
 * DS_IMAGE_UNREADABLE (details.file) so the loader can skip the sample and say why.
 */
export async function decodeImage(file: string): Promise<DecodedImage> {
  const buf = await readImageBytes(file);
  try {
    if (isBmp(buf)) return decodeBmp(buf);
    return await sharpRgb(sharp(buf, SHARP_INPUT).rotate());
  } catch (err) {
    throw await decodeFailure(file, buf, err);
  }
}

/**
 * Decodes an image scaled down so its longer side is at most `maxSide` (never enlarged),
 * keeping the aspect ratio. JPEGs shrink while decoding, which makes this several times faster
 * than decodeImage for large photos fed to a small network input.
 */
export async function decodeImageResized(file: string, maxSide: number): Promise<ResizedImage> {
  const buf = await readImageBytes(file);
  try {
    const resize = { width: maxSide, height: maxSide, fit: 'inside' as const, withoutEnlargement: true };
    if (isBmp(buf)) {
      const full = decodeBmp(buf);
      const img = await sharpRgb(sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } }).resize(resize));
      return { ...img, srcWidth: full.width, srcHeight: full.height };
    }
    const meta = await sharp(buf).metadata();
    const img = await sharpRgb(sharp(buf, SHARP_INPUT).rotate().resize(resize));
    return { ...img, srcWidth: meta.autoOrient.width, srcHeight: meta.autoOrient.height };
  } catch (err) {
    throw await decodeFailure(file, buf, err);
  }
}

/** Result of probing an image: its displayed size (and content hash in full mode), or why it fails. */
export type ImageProbe =
  | { ok: true; width: number; height: number; bytes: number; hash: string | null }
  | { ok: false; code: ImageSkipCode; reason: string };

/** Codes for which a sample is skipped (by the check, and by training: the same list). */
export const IMAGE_SKIP_CODES = ['DS_FILE_EMPTY', 'DS_IMAGE_UNREADABLE', 'DS_IMAGE_TRUNCATED', 'DS_NOT_A_FILE'] as const;

/** A code of IMAGE_SKIP_CODES. */
export type ImageSkipCode = (typeof IMAGE_SKIP_CODES)[number];

/**
 * Would the dataset check skip this image, and why? Pure: give it what probing or decoding
 * the image produced (an ImageProbe, or the error decodeImage / decodeImageResized threw) and
 * it answers the problem code and reason the check reports, or null when the image is fine
 * (or the error is not about the image, e.g. out of memory: that must not be skipped quietly).
 * Training uses it to skip exactly what the check skips, with the same code in its events.
 */
export function imageSkipReason(outcome: ImageProbe | unknown): { code: ImageSkipCode; reason: string } | null {
  if (typeof outcome === 'object' && outcome !== null && 'ok' in outcome) {
    const p = outcome as ImageProbe;
    return p.ok ? null : { code: p.code, reason: p.reason };
  }
  if (outcome instanceof KestrelError && (IMAGE_SKIP_CODES as readonly string[]).includes(outcome.code)) {
    const d = outcome.details ?? {};
    return { code: outcome.code as ImageSkipCode, reason: String(d['reason'] ?? d['kind'] ?? outcome.message) };
  }
  return null;
}

/**
 * Reads an image's size as displayed (EXIF orientations 5-8 swap width and height).
 * `header` reads only the header (cheap: an import of thousands of images takes seconds);
 * `full` also decodes the pixels, to find truncated files, and hashes the content, to find
 * duplicates. Never throws for a bad image: the caller reports it and skips the sample.
 */
export async function probeImage(file: string, mode: 'header' | 'full'): Promise<ImageProbe> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return { ok: false, code: 'DS_NOT_A_FILE', reason: kindOf(st) };
    if (st.size === 0) return { ok: false, code: 'DS_FILE_EMPTY', reason: '0 bytes' };
    if (mode === 'header') {
      const head = await readRegularHead(file, 64);
      if (isBmp(head)) {
        const h = readBmpHeader(head);
        return { ok: true, width: h.width, height: h.height, bytes: st.size, hash: null };
      }
      const m = await sharp(file).metadata();
      return { ok: true, width: m.autoOrient.width, height: m.autoOrient.height, bytes: st.size, hash: null };
    }
    const buf = await readRegularFile(file);
    const hash = createHash('sha1').update(buf).digest('hex');
    if (isBmp(buf)) {
      try {
        const img = decodeBmp(buf);
        return { ok: true, width: img.width, height: img.height, bytes: buf.length, hash };
      } catch (err) {
        const truncated = err instanceof BmpError && err.truncated;
        return { ok: false, code: truncated ? 'DS_IMAGE_TRUNCATED' : 'DS_IMAGE_UNREADABLE', reason: errText(err) };
      }
    }
    let m: Metadata;
    try {
      m = await sharp(buf).metadata();
    } catch (err) {
      return { ok: false, code: 'DS_IMAGE_UNREADABLE', reason: errText(err) };
    }
    try {
      // Decoding at a reduced size still reads every byte of the file, so a cut-off file fails
      // here, while memory stays small for large photos.
      await sharp(buf, SHARP_INPUT).resize({ width: 256, height: 256, fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
    } catch (err) {
      return { ok: false, code: 'DS_IMAGE_TRUNCATED', reason: errText(err) };
    }
    return { ok: true, width: m.autoOrient.width, height: m.autoOrient.height, bytes: buf.length, hash };
  } catch (err) {
    if (err instanceof NotAFileError) return { ok: false, code: 'DS_NOT_A_FILE', reason: err.kind };
    return { ok: false, code: 'DS_IMAGE_UNREADABLE', reason: errText(err) };
  }
}
