import { readFile } from 'node:fs/promises';
import type { LetterboxInfo } from '../../../shared/schemas/dataset';
import { augmentSample, planIndices, planSample } from '../augment/pipeline';
import type { AugmentOptions } from '../augment/options';
import type { Sample } from '../augment/sample';
import type { SkippedImage, TrainBatch } from '../batch';
import { imageSkipReason } from '../image';
import { cacheKey, cachedImageBytes, DiskCache, RamCache, type CacheMode, type RamCacheState } from '../cache';
import { identityLetterbox, letterboxBoxes, letterboxInfo, resizedSize } from '../letterbox';
import { createRng } from '../rng';
import type { SampleRecord } from '../tiles';
import { decodeLetterboxed } from './decode';

/** Everything a batch builder needs; plain data, so it can be posted to a worker thread. */
export interface BuilderConfig {
  /** Images, or tiles of images (a `crop` window: cut out before the letterbox). */
  records: SampleRecord[];
  imgsz: number;
  augment: AugmentOptions | null;
  seed: number;
  cache: CacheMode;
  cacheDir: string | null;
  ram: RamCacheState | null;
}

/** One batch to build: which records, and their positions in the epoch (they seed the samples). */
export interface BatchRequest {
  id: number;
  epoch: number;
  /** Position in the epoch of the first sample: sample k is seeded by (seed, epoch, start + k). */
  start: number;
  indices: number[];
}

/**
 * Builds batches from records: loads letterboxed images (through the cache), augments, packs.
 *
 * The same code runs inside worker threads and, with `workers: 0`, on the calling thread;
 * randomness comes only from (seed, epoch, position), so both give identical batches.
 */
export class BatchBuilder {
  private readonly cfg: BuilderConfig;
  private readonly ram: RamCache | null;
  private readonly disk: DiskCache | null;
  private readonly keys = new Map<number, string>();
  /** Decodes since start, for tests and benchmarks of the cache path. */
  decodes = 0;
  /** Images that could not be read, by record index: skipped in every epoch without trying again. */
  private readonly bad = new Map<number, SkippedImage>();

  constructor(cfg: BuilderConfig) {
    this.cfg = cfg;
    this.ram = cfg.cache === 'ram' && cfg.ram ? new RamCache(cfg.ram) : null;
    this.disk = cfg.cache === 'disk' && cfg.cacheDir ? new DiskCache(cfg.cacheDir) : null;
  }

  /** Letterboxed pixels of record `index`, from the cache when there. */
  async pixels(index: number): Promise<Uint8Array> {
    const rec = this.cfg.records[index];
    if (!rec) throw new RangeError(`record ${index} out of range`);
    const { imgsz } = this.cfg;
    const cached = this.ram?.get(index);
    if (cached) return cached;
    if (this.disk) {
      let key = this.keys.get(index);
      let bytes: Uint8Array | null = null;
      if (key === undefined) {
        bytes = await readFile(rec.file);
        key = cacheKey(bytes, rec, imgsz);
        this.keys.set(index, key);
      }
      const hit = await this.disk.get(key, cachedImageBytes(imgsz));
      if (hit) return hit;
      this.decodes++;
      const px = await decodeLetterboxed(bytes ?? rec.file, rec.width, rec.height, imgsz, rec.file, rec.crop);
      await this.disk.put(key, px);
      return px;
    }
    this.decodes++;
    const px = await decodeLetterboxed(rec.file, rec.width, rec.height, imgsz, rec.file, rec.crop);
    this.ram?.put(index, px);
    return px;
  }

  /** The letterboxed sample of record `index` with its boxes in network pixels. */
  async sample(index: number): Promise<{ sample: Sample; info: LetterboxInfo }> {
    const rec = this.cfg.records[index] as SampleRecord;
    const { imgsz } = this.cfg;
    let data: Uint8Array;
    try {
      data = this.bad.has(index) ? blankPixels(imgsz) : await this.pixels(index);
    } catch (err) {
      // What the dataset check would skip (an empty, truncated or unreadable file) is skipped
      // here too, with the same code: the image becomes a blank, box-free one. Anything else
      // (out of memory, a bug) still stops the run.
      const skip = imageSkipReason(err);
      if (!skip) throw err;
      this.bad.set(index, { file: rec.file, code: skip.code, reason: skip.reason });
      data = blankPixels(imgsz);
    }
    if (this.bad.has(index)) {
      const info = letterboxInfo(rec.width, rec.height, imgsz);
      const none: Sample = { data, width: imgsz, height: imgsz, boxes: new Float32Array(0), cls: new Int32Array(0), ignore: new Uint8Array(0), content: { x: 0, y: 0, width: imgsz, height: imgsz } };
      return { sample: none, info };
    }
    const info = letterboxInfo(rec.width, rec.height, imgsz);
    const { width, height } = resizedSize(rec.width, rec.height, info.scale, imgsz);
    const sample: Sample = {
      data,
      width: imgsz,
      height: imgsz,
      boxes: letterboxBoxes(rec.boxes, info),
      cls: Int32Array.from(rec.boxes, (b) => b.cls),
      ignore: Uint8Array.from(rec.boxes, (b) => (b.difficult || b.crowd ? 1 : 0)),
      content: { x: info.padX, y: info.padY, width, height },
    };
    return { sample, info };
  }

  /** Builds one batch. */
  async build(req: BatchRequest): Promise<TrainBatch> {
    const { imgsz, augment, seed } = this.cfg;
    const n = this.cfg.records.length;
    const rngs = req.indices.map((_, k) => createRng(seed, req.epoch, req.start + k));
    const plans = req.indices.map((index, k) => planSample(rngs[k]!, augment, req.epoch, index, n));
    const needed = [...new Set(plans.flatMap(planIndices))];
    const loaded = new Map<number, { sample: Sample; info: LetterboxInfo }>();
    await Promise.all(needed.map(async (i) => loaded.set(i, await this.sample(i))));
    const get = (i: number): Sample => (loaded.get(i) as { sample: Sample }).sample;

    const size = req.indices.length;
    const plane = imgsz * imgsz * 3;
    const images = new Float32Array(size * plane);
    const boxes: number[] = [];
    const cls: number[] = [];
    const ignore: number[] = [];
    const batchIndex: number[] = [];
    const letterbox: LetterboxInfo[] = [];
    const inv = 1 / 255;
    plans.forEach((plan, k) => {
      let s: Sample;
      if (augment === null) {
        s = get(plan.index);
        letterbox.push((loaded.get(plan.index) as { info: LetterboxInfo }).info);
      } else {
        s = augmentSample(plan, rngs[k]!, augment, get, imgsz);
        letterbox.push(identityLetterbox(imgsz));
      }
      const px = s.data;
      const off = k * plane;
      for (let i = 0; i < plane; i++) images[off + i] = (px[i] as number) * inv;
      for (let b = 0; b < s.cls.length; b++) {
        batchIndex.push(k);
        cls.push(s.cls[b] as number);
        ignore.push(s.ignore[b] as number);
        for (let c = 0; c < 4; c++) boxes.push(s.boxes[b * 4 + c] as number);
      }
    });
    return {
      size,
      imgsz,
      images,
      batchIndex: Int32Array.from(batchIndex),
      cls: Int32Array.from(cls),
      boxes: Float32Array.from(boxes),
      ignore: Uint8Array.from(ignore),
      letterbox,
      ids: req.indices.map((i) => (this.cfg.records[i] as SampleRecord).id),
      ...(skippedHere(needed, this.bad)),
    };
  }
}

/** The letterbox padding grey of a whole input: what a skipped image trains as. */
function blankPixels(imgsz: number): Uint8Array {
  return new Uint8Array(imgsz * imgsz * 3).fill(114);
}

/** The `skipped` field of a batch that used skipped images (none: no field). */
function skippedHere(indices: readonly number[], bad: ReadonlyMap<number, SkippedImage>): { skipped?: SkippedImage[] } {
  const list = indices.flatMap((i) => {
    const s = bad.get(i);
    return s ? [s] : [];
  });
  return list.length > 0 ? { skipped: list } : {};
}

/** The buffers of a batch, for a zero-copy postMessage transfer list. */
export function batchTransferList(b: TrainBatch): ArrayBuffer[] {
  return [b.images.buffer, b.batchIndex.buffer, b.cls.buffer, b.boxes.buffer, b.ignore.buffer] as ArrayBuffer[];
}
