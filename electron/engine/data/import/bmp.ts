/**
 * A small Windows BMP reader (and a 24-bit writer for fixtures). sharp/libvips ship without a
 * BMP loader, yet factory cameras and old labelling tools still write BMP, so Kestrel reads
 * the common variants itself: 1/4/8-bit palette, 16-bit 555/565, 24-bit and 32-bit, BI_RGB
 * and BI_BITFIELDS, bottom-up and top-down. RLE-compressed BMPs are rare and rejected.
 */

/** What the header of a BMP says, enough to size an image without decoding it. */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  topDown: boolean;
  dataOffset: number;
  headerSize: number;
}

/** Error of a BMP that cannot be decoded; `truncated` tells a cut-off file from a bad one. */
export class BmpError extends Error {
  readonly truncated: boolean;
  constructor(message: string, truncated = false) {
    super(message);
    this.name = 'BmpError';
    this.truncated = truncated;
  }
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** True when the bytes start like a BMP file ("BM"). */
export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

/** Reads the file and info headers; needs the first 54 bytes (26 for OS/2 BMPs). */
export function readBmpHeader(buf: Uint8Array): BmpHeader {
  if (!isBmp(buf)) throw new BmpError('not a BMP file (no "BM" signature)');
  if (buf.length < 26) throw new BmpError('BMP header is cut off', true);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  if (headerSize === 12) {
    width = dv.getUint16(18, true);
    rawHeight = dv.getInt16(20, true);
    bitsPerPixel = dv.getUint16(24, true);
  } else if (headerSize >= 40) {
    if (buf.length < 54) throw new BmpError('BMP header is cut off', true);
    width = dv.getInt32(18, true);
    rawHeight = dv.getInt32(22, true);
    bitsPerPixel = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
  } else {
    throw new BmpError(`unknown BMP header size ${headerSize}`);
  }
  if (width <= 0 || rawHeight === 0) throw new BmpError(`bad BMP size ${width}x${rawHeight}`);
  return { width, height: Math.abs(rawHeight), bitsPerPixel, compression, topDown: rawHeight < 0, dataOffset, headerSize };
}

/** Bit position and width of a channel mask, so masked values scale to 0..255. */
function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function scaleTo8(v: number, bits: number): number {
  if (bits === 0) return 0;
  if (bits === 8) return v;
  return Math.round((v * 255) / ((1 << bits) - 1));
}

/** Decodes a BMP to packed 8-bit RGB (alpha dropped). Throws BmpError on bad or cut-off files. */
export function decodeBmp(buf: Uint8Array): { data: Uint8Array; width: number; height: number } {
  const h = readBmpHeader(buf);
  const { width, height, bitsPerPixel: bpp, compression } = h;
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError(`BMP compression ${compression} (RLE/JPEG/PNG inside BMP) is not supported`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpError(`BMP with ${bpp} bits per pixel is not supported`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const infoEnd = 14 + h.headerSize;

  let masks: [number, number, number] | null = null;
  if (bpp === 16 || bpp === 32) {
    if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
      // Masks follow a 40-byte header; V4/V5 headers hold them at the same place.
      if (buf.length < 66) throw new BmpError('BMP bit masks are cut off', true);
      masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
    } else {
      masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0x00ff0000, 0x0000ff00, 0x000000ff];
    }
  }

  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const entrySize = h.headerSize === 12 ? 3 : 4;
    const declared = h.headerSize >= 40 ? dv.getUint32(46, true) : 0;
    const colours = declared > 0 ? declared : 1 << bpp;
    palette = new Uint8Array(colours * 3);
    for (let i = 0; i < colours; i++) {
      const o = infoEnd + i * entrySize;
      if (o + 2 >= buf.length) throw new BmpError('BMP palette is cut off', true);
      palette[i * 3] = buf[o + 2] ?? 0;
      palette[i * 3 + 1] = buf[o + 1] ?? 0;
      palette[i * 3 + 2] = buf[o] ?? 0;
    }
  }

  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  const needed = h.dataOffset + rowBytes * (height - 1) + Math.ceil((width * bpp) / 8);
  if (needed > buf.length) throw new BmpError(`BMP pixel data is cut off (${buf.length} of ${needed} bytes)`, true);

  const out = new Uint8Array(width * height * 3);
  const ms = masks ? masks.map(maskShift) : null;
  for (let y = 0; y < height; y++) {
    const srcRow = h.dataOffset + (h.topDown ? y : height - 1 - y) * rowBytes;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (bpp === 24) {
        const p = srcRow + x * 3;
        out[o] = buf[p + 2] ?? 0;
        out[o + 1] = buf[p + 1] ?? 0;
        out[o + 2] = buf[p] ?? 0;
      } else if (bpp === 32 || bpp === 16) {
        const v = bpp === 32 ? dv.getUint32(srcRow + x * 4, true) : dv.getUint16(srcRow + x * 2, true);
        for (let c = 0; c < 3; c++) {
          const m = ms?.[c] ?? { shift: 0, bits: 0 };
          const mask = masks?.[c] ?? 0;
          out[o + c] = scaleTo8((v & mask) >>> m.shift, m.bits);
        }
      } else {
        const bitPos = x * bpp;
        const byte = buf[srcRow + (bitPos >> 3)] ?? 0;
        const idx = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        const pal = palette ?? new Uint8Array(0);
        out[o] = pal[idx * 3] ?? 0;
        out[o + 1] = pal[idx * 3 + 1] ?? 0;
        out[o + 2] = pal[idx * 3 + 2] ?? 0;
      }
    }
  }
  return { data: out, width, height };
}

/** Writes packed RGB as a bottom-up 24-bit BMP (for fixtures and tests). */
export function encodeBmp24(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil((width * 24) / 32) * 4;
  const size = 54 + rowBytes * height;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(34, rowBytes * height, true);
  for (let y = 0; y < height; y++) {
    const dst = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      buf[dst + x * 3] = rgb[s + 2] ?? 0;
      buf[dst + x * 3 + 1] = rgb[s + 1] ?? 0;
      buf[dst + x * 3 + 2] = rgb[s] ?? 0;
    }
  }
  return buf;
}
