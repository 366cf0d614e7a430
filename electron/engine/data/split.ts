import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import type { Dataset, ImageRecord } from '../../shared/schemas/dataset';
import { createRng, shuffleInPlace } from './rng';

/** Default share of images moved to validation when the source has no val split. */
export const DEFAULT_VAL_FRACTION = 0.2;
/** Default split seed: fixed, so two imports of the same folder agree. */
export const DEFAULT_SPLIT_SEED = 0;

/** The saved form of a split: record ids per split, so reruns reuse it exactly. */
export const SavedSplitSchema = z.object({
  version: z.literal(1),
  seed: z.number(),
  valFraction: z.number(),
  train: z.array(z.string()),
  val: z.array(z.string()),
});
export type SavedSplit = z.infer<typeof SavedSplitSchema>;

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** Share of images that go to validation (default 0.2). */
  valFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** JSON file holding the split: reused when present, written when absent. */
  savedSplitFile?: string;
}

/**
 * Picks the validation ids of a record list, stratified by class.
 *
 * Each image is grouped by the rarest class it contains (background images form their own
 * group), so a rare class is not left out of validation by chance; within a group a seeded
 * shuffle picks round(n x fraction) images. Records are sorted by id first so the result
 * does not depend on the order the importer listed them in.
 */
export function stratifiedValIds(records: readonly ImageRecord[], valFraction: number, seed: number): Set<string> {
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const imagesPerClass = new Map<number, number>();
  for (const r of sorted) {
    for (const c of new Set(r.boxes.map((b) => b.cls))) imagesPerClass.set(c, (imagesPerClass.get(c) ?? 0) + 1);
  }
  const groups = new Map<number, ImageRecord[]>();
  for (const r of sorted) {
    let key = -1;
    let best = Infinity;
    for (const b of r.boxes) {
      const n = imagesPerClass.get(b.cls) ?? 0;
      if (n < best || (n === best && b.cls < key)) {
        best = n;
        key = b.cls;
      }
    }
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const val = new Set<string>();
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(key) ?? [];
    shuffleInPlace(group, createRng(seed, key + 1));
    let n = Math.round(group.length * valFraction);
    // A class seen in two or more images keeps at least one of them in validation.
    if (n === 0 && group.length >= 2 && valFraction > 0) n = 1;
    if (n >= group.length && group.length >= 2 && valFraction < 1) n = group.length - 1;
    for (const r of group.slice(0, n)) val.add(r.id);
  }
  return val;
}

/** Reads a saved split; throws DATASET_SPLIT_UNREADABLE when the file is not one. */
export function loadSplit(file: string): SavedSplit {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KestrelError(
      'DATASET_SPLIT_UNREADABLE',
      `The saved train/val split ${file} cannot be read (${(err as Error).message}). Delete it to make a new split.`,
      { file },
    );
  }
  const parsed = SavedSplitSchema.safeParse(raw);
  if (!parsed.success) {
    throw new KestrelError(
      'DATASET_SPLIT_UNREADABLE',
      `The saved train/val split ${file} is not a Kestrel split file. Delete it to make a new split.`,
      { file },
    );
  }
  return parsed.data;
}

/** Writes the split of a dataset (ids of train and val) as JSON, atomically. */
export function saveSplit(file: string, ds: Dataset, meta: { seed?: number; valFraction?: number } = {}): void {
  const data: SavedSplit = {
    version: 1,
    seed: meta.seed ?? DEFAULT_SPLIT_SEED,
    valFraction: meta.valFraction ?? DEFAULT_VAL_FRACTION,
    train: ds.splits.train.map((r) => r.id),
    val: ds.splits.val.map((r) => r.id),
  };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 1));
  renameSync(tmp, file);
}

/**
 * Gives a dataset without its own validation split a deterministic, class-stratified one.
 *
 * Datasets that name a val split (or already have val images) come back unchanged. With
 * `savedSplitFile`, an existing file decides where every known id goes, images added since
 * are split among themselves with the same rule, and the file is (re)written when it was
 * absent or incomplete, so later runs see the very same split.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions = {}): Dataset {
  if (ds.hasOwnValSplit || ds.splits.val.length > 0) return ds;
  const valFraction = opts.valFraction ?? DEFAULT_VAL_FRACTION;
  const seed = opts.seed ?? DEFAULT_SPLIT_SEED;
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new KestrelError('DATASET_SPLIT_FRACTION', `The validation fraction must be in [0, 1), got ${valFraction}. Use a value such as 0.2.`);
  }
  const records = ds.splits.train;
  let valIds: Set<string>;
  let dirty = true;
  if (opts.savedSplitFile !== undefined && existsSync(opts.savedSplitFile)) {
    const saved = loadSplit(opts.savedSplitFile);
    const savedVal = new Set(saved.val);
    const known = new Set([...saved.train, ...saved.val]);
    const fresh = records.filter((r) => !known.has(r.id));
    valIds = new Set(records.filter((r) => savedVal.has(r.id)).map((r) => r.id));
    for (const id of stratifiedValIds(fresh, valFraction, seed)) valIds.add(id);
    dirty = fresh.length > 0;
  } else {
    valIds = stratifiedValIds(records, valFraction, seed);
  }
  const out: Dataset = {
    ...ds,
    splits: {
      train: records.filter((r) => !valIds.has(r.id)),
      val: records.filter((r) => valIds.has(r.id)),
      test: ds.splits.test,
    },
  };
  if (opts.savedSplitFile !== undefined && dirty) saveSplit(opts.savedSplitFile, out, { seed, valFraction });
  return out;
}
