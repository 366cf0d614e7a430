import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord } from '../../shared/schemas/dataset';

/** Where decoded, letterboxed images are kept between epochs. */
export type CacheMode = 'ram' | 'disk' | 'none';

/** Bytes of one cached image: imgsz x imgsz RGB, one byte per channel. */
export function cachedImageBytes(imgsz: number): number {
  return imgsz * imgsz * 3;
}

/**
 * RAM a full image cache takes, for the planner: every record letterboxed to imgsz, as bytes.
 * Source size does not matter because the cache holds the letterboxed form, not the file.
 */
export function estimateCacheBytes(records: readonly ImageRecord[], imgsz: number): number {
  // 4 bytes of slot state per image on top of the pixels.
  return records.length * (cachedImageBytes(imgsz) + 4);
}

/** The shareable state of a RAM cache: handed to worker threads, which all see the same memory. */
export interface RamCacheState {
  imgsz: number;
  count: number;
  slotsPerChunk: number;
  chunks: SharedArrayBuffer[];
  /** One Int32 per slot: 1 once its pixels are complete. */
  flags: SharedArrayBuffer;
}

/** Largest single shared buffer: large caches are split so no engine limit on one buffer bites. */
const MAX_CHUNK_BYTES = 1 << 30;

/**
 * A RAM cache of letterboxed images in shared memory, one slot per record index.
 *
 * Shared memory instead of a cache per worker: every worker reads what any worker decoded,
 * and the RAM the planner budgets is taken once, not once per worker. A writer fills the
 * pixels first and then publishes the slot flag with an atomic store; two workers decoding
 * the same image write identical bytes, so that race is harmless.
 */
export class RamCache {
  readonly state: RamCacheState;
  private readonly flags: Int32Array;

  constructor(state: RamCacheState) {
    this.state = state;
    this.flags = new Int32Array(state.flags);
  }

  /** Allocates a cache for `count` images (memory is committed by the OS as slots fill). */
  static create(count: number, imgsz: number): RamCache {
    const bytes = cachedImageBytes(imgsz);
    const slotsPerChunk = Math.max(1, Math.floor(MAX_CHUNK_BYTES / bytes));
    const chunks: SharedArrayBuffer[] = [];
    for (let left = count; left > 0; left -= slotsPerChunk) chunks.push(new SharedArrayBuffer(Math.min(left, slotsPerChunk) * bytes));
    return new RamCache({ imgsz, count, slotsPerChunk, chunks, flags: new SharedArrayBuffer(Math.max(1, count) * 4) });
  }

  private view(index: number): Uint8Array {
    const bytes = cachedImageBytes(this.state.imgsz);
    const chunk = this.state.chunks[Math.floor(index / this.state.slotsPerChunk)];
    if (!chunk) throw new RangeError(`cache slot ${index} out of range`);
    return new Uint8Array(chunk, (index % this.state.slotsPerChunk) * bytes, bytes);
  }

  /** The cached pixels of record `index` (a view into shared memory: do not modify), or null. */
  get(index: number): Uint8Array | null {
    return Atomics.load(this.flags, index) === 1 ? this.view(index) : null;
  }

  /** Stores the pixels of record `index`. */
  put(index: number, pixels: Uint8Array): void {
    this.view(index).set(pixels);
    Atomics.store(this.flags, index, 1);
  }

  /** How many slots are filled. */
  filled(): number {
    let n = 0;
    for (let i = 0; i < this.state.count; i++) n += Atomics.load(this.flags, i);
    return n;
  }
}

/**
 * Disk cache key of an image (or of a tile of it): content hash, source size, the tile's corner
 * and input size. A changed file, a different resolution, another tile or another imgsz gives a
 * new key, so stale pixels are never served.
 */
export function cacheKey(fileBytes: Uint8Array, record: Pick<ImageRecord, 'width' | 'height'> & { crop?: { x: number; y: number } | undefined }, imgsz: number): string {
  const hash = createHash('sha1').update(fileBytes).digest('hex').slice(0, 24);
  // A tile of the image (training on tiles) is its own entry: the window's corner is in the key.
  const at = record.crop ? `-at${record.crop.x},${record.crop.y}` : '';
  return `${hash}-${record.width}x${record.height}${at}-${imgsz}`;
}

/** A disk cache of letterboxed images: one raw RGB file per key. */
export class DiskCache {
  readonly dir: string;
  private ready: Promise<unknown> | null = null;

  constructor(dir: string) {
    this.dir = dir;
  }

  private file(key: string): string {
    return join(this.dir, `${key}.rgb`);
  }

  /** The cached pixels for `key` when present and complete, else null. */
  async get(key: string, expectedBytes: number): Promise<Uint8Array | null> {
    try {
      const buf = await readFile(this.file(key));
      return buf.length === expectedBytes ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : null;
    } catch {
      return null;
    }
  }

  /** Stores pixels under `key`; written to a temp name and renamed so readers never see half a file. */
  async put(key: string, pixels: Uint8Array): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const tmp = `${this.file(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, pixels);
    await rename(tmp, this.file(key));
  }
}
