import { availableParallelism } from 'node:os';
import { KestrelError } from '../../../shared/errors';
import type { AugmentOptions } from '../augment/options';
import type { TrainBatch } from '../batch';
import { RamCache, type CacheMode } from '../cache';
import { createRng, shuffleInPlace } from '../rng';
import type { SampleRecord } from '../tiles';
import { BatchBuilder, type BatchRequest, type BuilderConfig } from './build';
import { WorkerPool } from './pool';

/** Options of {@link createLoader}. */
export interface LoaderOptions {
  /** Images, or tiles of them (training on tiles: see engine/data/tiles.ts). */
  records: SampleRecord[];
  /** Square input side in pixels. */
  imgsz: number;
  batchSize: number;
  /** Augmentation recipe, or null for plain letterboxing (validation). */
  augment: AugmentOptions | null;
  seed: number;
  shuffle: boolean;
  /** Worker threads; 0 builds batches on the calling thread. Default: cores - 1, 1 to 4. */
  workers?: number;
  /** Batches requested ahead of the consumer. Default: 2 per worker, at least 2. */
  prefetch?: number;
  /** Keep decoded, letterboxed images between epochs. Default 'none'. */
  cache?: CacheMode;
  /** Folder of the disk cache (required with cache 'disk'). */
  cacheDir?: string;
}

/** Feeds training or validation batches, epoch by epoch. */
export interface Loader {
  /** Batches per epoch; the last one may be smaller than batchSize. */
  readonly batchesPerEpoch: number;
  /**
   * The batches of one (0-based) epoch, in order. `startBatch` skips batches a resumed run
   * already did; the remaining ones are identical to those of an uninterrupted run.
   */
  epoch(epochIndex: number, opts?: { startBatch?: number }): AsyncIterable<TrainBatch>;
  /** Image decodes so far (cache misses); for tests and benchmarks. */
  decodes(): number;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/** Record order of an epoch: a seeded permutation when shuffling, else the given order. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return shuffle ? shuffleInPlace(order, createRng(seed, epoch, 0x5bd1e995)) : order;
}

/**
 * Creates a loader: decoding and augmentation run in worker threads with prefetch, and the
 * batches depend only on the seed, never on the number of workers or their timing.
 */
export function createLoader(opts: LoaderOptions): Loader {
  const { records, imgsz, batchSize, seed, shuffle } = opts;
  if (!(batchSize >= 1) || !Number.isInteger(batchSize)) {
    throw new KestrelError('LOADER_BAD_BATCH', `The batch size must be a whole number of at least 1, got ${batchSize}.`);
  }
  if (records.length === 0) throw new KestrelError('LOADER_NO_IMAGES', 'There are no usable images to load. Check the dataset with "kestrel dataset check".');
  const cache = opts.cache ?? 'none';
  if (cache === 'disk' && !opts.cacheDir) throw new KestrelError('LOADER_NO_CACHE_DIR', 'A disk cache needs a folder: pass cacheDir.');
  const workers = Math.max(0, Math.floor(opts.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1))));
  const prefetch = Math.max(1, Math.floor(opts.prefetch ?? Math.max(2, 2 * workers)));
  const cfg: BuilderConfig = {
    records,
    imgsz,
    augment: opts.augment,
    seed,
    cache,
    cacheDir: opts.cacheDir ?? null,
    ram: cache === 'ram' ? RamCache.create(records.length, imgsz).state : null,
  };
  const batchesPerEpoch = Math.ceil(records.length / batchSize);
  let pool: WorkerPool | null = null;
  const local = workers === 0 ? new BatchBuilder(cfg) : null;
  let nextId = 0;
  let closed = false;

  const run = (req: BatchRequest): Promise<TrainBatch> => {
    if (local) return local.build(req);
    pool ??= new WorkerPool(cfg, workers);
    return pool.run(req);
  };

  async function* epoch(epochIndex: number, eopts: { startBatch?: number } = {}): AsyncGenerator<TrainBatch> {
    if (closed) throw new KestrelError('DATASET_LOADER_CLOSED', 'The data loader was closed.');
    const order = epochOrder(records.length, seed, epochIndex, shuffle);
    const request = (b: number): Promise<TrainBatch> => {
      const start = b * batchSize;
      return run({ id: nextId++, epoch: epochIndex, start, indices: order.slice(start, start + batchSize) });
    };
    const queue: Promise<TrainBatch>[] = [];
    let next = Math.max(0, Math.floor(eopts.startBatch ?? 0));
    try {
      while (next < batchesPerEpoch || queue.length > 0) {
        while (queue.length < prefetch && next < batchesPerEpoch) {
          const p = request(next++);
          // Errors surface when the batch is awaited; until then keep them from counting as unhandled.
          p.catch(() => undefined);
          queue.push(p);
        }
        yield await (queue.shift() as Promise<TrainBatch>);
      }
    } finally {
      // A consumer that stops early leaves prefetched batches behind; they are simply dropped.
      queue.length = 0;
    }
  }

  return {
    batchesPerEpoch,
    epoch: (e, o) => epoch(e, o),
    decodes: () => (local ? local.decodes : (pool?.decodes ?? 0)),
    close: async () => {
      closed = true;
      if (pool) await pool.close();
      pool = null;
    },
  };
}
