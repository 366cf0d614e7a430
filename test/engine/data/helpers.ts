import { deflateSync } from 'node:zlib';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderImage, type ImageSpec } from '../../fixtures/make-malformed';

/** The repository root, from this file's place in test/engine/data. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** NEU-DET lives beside the checkout (../shared/datasets/neu-det); tests skip when it is absent. */
export const NEU_DET = resolve(repoRoot, '..', 'shared', 'datasets', 'neu-det');

/** Files of a throwaway dataset: text, bytes, or a synthetic image. */
export type TreeSpec = Record<string, string | Uint8Array | ImageSpec>;

/** Writes a dataset tree into a fresh temp folder and returns the folder and a cleanup. */
export async function makeTree(files: TreeSpec): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kestrel-data-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, typeof content === 'string' || content instanceof Uint8Array ? content : await renderImage(content));
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A synthetic noise image spec. */
export const img = (seed: number, image: ImageSpec['image'] = 'jpg', extra: Partial<ImageSpec> = {}): ImageSpec => ({ image, seed, ...extra });

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encodes a 16-bit PNG (gray or RGB) by hand. sharp narrows 16-bit raw input to 8 bits, so
 * a test of 16-bit decoding cannot make its fixture with sharp itself.
 */
export function encodePng16(samples: Uint16Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = channels === 1 ? 0 : 2;
  const rowLen = 1 + width * channels * 2;
  const rawRows = Buffer.alloc(rowLen * height);
  for (let y = 0; y < height; y++)
    for (let i = 0; i < width * channels; i++) rawRows.writeUInt16BE(samples[y * width * channels + i] ?? 0, y * rowLen + 1 + i * 2);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rawRows)), chunk('IEND', new Uint8Array(0))]));
}
