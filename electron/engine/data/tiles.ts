/**
 * Training on tiles of large images, the pure part: which tiles of each training image become
 * samples, the boxes clipped to each tile, the slivers dropped, and how many background tiles
 * are kept. The windows are `tileGrid`'s (the slicing `kestrel predict --tile` uses), so a
 * model sees in training exactly the crops it sees in tiled inference. No pixels, no files:
 * the loader crops a tile sample's window before it letterboxes and augments as usual.
 */
import type { Box, ImageRecord } from '../../shared/schemas/dataset';
import { tileGrid, type Tile } from '../predict/tiles';
import { createRng, shuffleInPlace } from './rng';

/**
 * A training sample: an image record, or a tile of one. A tile keeps its image's file, has
 * the window's size as its `width` x `height`, its boxes in window pixels, and `crop` (the
 * window in the image's pixels, after EXIF orientation).
 */
export interface SampleRecord extends ImageRecord {
  crop?: Tile;
}

/**
 * The rules of training tiles. A box is kept (clipped to the tile) when at least
 * `minVisible` of its area lies in the tile: 40% still shows what the defect is, while a
 * smaller sliver (a few pixels of a scratch's end) would teach the model to box fragments
 * that tiled inference's merge then has to throw away. A tile whose only boxes are slivers
 * is not used at all: as background it would teach that a visible part of a defect is
 * nothing.
 *
 * Background tiles (no box touching them) are kept at `backgroundRatio` per tile with a
 * defect, i.e. one in three training tiles is background. Tiled inference runs every tile of
 * an image, and on a 2000x1500 image at 192 px about 95% of them are background, so the model
 * must see clean surface, edges and texture that look like defects but are not; tiles with a
 * defect already hold ~99% background pixels, so more than this mostly spends the time budget
 * on easy negatives (Ultralytics advises 0-10% background images for whole images; tiles need
 * more, since each of them is one of ~100 chances for a false alarm per image).
 */
export const TRAIN_TILE_RULES = Object.freeze({ minVisible: 0.4, backgroundRatio: 0.5 });

/** How to tile a sample list. */
export interface TileSamplesOptions {
  /** Tile side in source pixels (the model's input size: tiles go in at full resolution). */
  size: number;
  /** Overlap of neighbouring tiles, as a fraction of the side (predict's default 0.2). */
  overlap: number;
  /** Default TRAIN_TILE_RULES.minVisible. */
  minVisible?: number;
  /** Default TRAIN_TILE_RULES.backgroundRatio. */
  backgroundRatio?: number;
  /** Seeds which background tiles are kept. */
  seed: number;
}

/** What tiling did to a sample list (the plan's and the run's figures). */
export interface TileSamplesStats {
  /** Images in, and how many of them were larger than one tile (the rest stay whole). */
  images: number;
  tiledImages: number;
  /** Tiles with at least one kept box. */
  objectTiles: number;
  /** Background tiles kept, of the candidates (tiles no box touches). */
  backgroundTiles: number;
  backgroundCandidates: number;
  /** Box pieces dropped as slivers (below minVisible), and tiles left out because slivers were all they held. */
  slivers: number;
  sliverOnlyTiles: number;
  /** Samples out: whole images plus kept tiles. */
  samples: number;
}

/**
 * The boxes of an image clipped to `tile`, in tile pixels: a box with at least `minVisible`
 * of its area inside is kept (clipped), one with less but some is a sliver (dropped, counted),
 * one outside is ignored. `touched` says whether any box reaches into the tile at all.
 */
export function clipBoxesToTile(boxes: readonly Box[], tile: Tile, minVisible: number): { boxes: Box[]; slivers: number; touched: boolean } {
  const out: Box[] = [];
  let slivers = 0;
  let touched = false;
  const tx2 = tile.x + tile.width;
  const ty2 = tile.y + tile.height;
  for (const b of boxes) {
    const x1 = Math.max(b.x1, tile.x);
    const y1 = Math.max(b.y1, tile.y);
    const x2 = Math.min(b.x2, tx2);
    const y2 = Math.min(b.y2, ty2);
    if (!(x2 > x1 && y2 > y1)) continue;
    touched = true;
    const area = (b.x2 - b.x1) * (b.y2 - b.y1);
    if (!(area > 0) || ((x2 - x1) * (y2 - y1)) / area < minVisible) {
      slivers++;
      continue;
    }
    out.push({ ...b, x1: x1 - tile.x, y1: y1 - tile.y, x2: x2 - tile.x, y2: y2 - tile.y });
  }
  return { boxes: out, slivers, touched };
}

/** The id of a tile sample: its image's id and the window's corner (unique within a dataset). */
export function tileSampleId(imageId: string, tile: Tile): string {
  return `${imageId}#tile@${tile.x},${tile.y}`;
}

/**
 * Turns a training split into tile samples: every image larger than one tile is cut by
 * `tileGrid(width, height, size, overlap)`; tiles holding a kept box are all samples, tiles
 * holding only slivers are left out, and background tiles are kept at `backgroundRatio` per
 * tile with a defect (a seeded choice across the whole split). Images no larger than a tile stay whole samples. Output keeps the images' order, and
 * within an image the grid's (row by row).
 */
export function tileSamples(records: readonly ImageRecord[], opts: TileSamplesOptions): { samples: SampleRecord[]; stats: TileSamplesStats } {
  const minVisible = opts.minVisible ?? TRAIN_TILE_RULES.minVisible;
  const ratio = opts.backgroundRatio ?? TRAIN_TILE_RULES.backgroundRatio;
  if (!(minVisible > 0 && minVisible <= 1)) throw new RangeError(`tileSamples: minVisible ${minVisible} must be within (0, 1]`);
  if (!(ratio >= 0)) throw new RangeError(`tileSamples: backgroundRatio ${ratio} must be at least 0`);
  type Slot = { sample: SampleRecord; background: boolean };
  const perImage: Slot[][] = [];
  const candidates: Array<{ image: number; slot: number }> = [];
  const stats: TileSamplesStats = { images: records.length, tiledImages: 0, objectTiles: 0, backgroundTiles: 0, backgroundCandidates: 0, slivers: 0, sliverOnlyTiles: 0, samples: 0 };
  records.forEach((rec, i) => {
    const tiles = tileGrid(rec.width, rec.height, opts.size, opts.overlap);
    if (tiles.length <= 1) {
      perImage.push([{ sample: rec, background: false }]);
      return;
    }
    stats.tiledImages++;
    const slots: Slot[] = [];
    for (const t of tiles) {
      const clip = clipBoxesToTile(rec.boxes, t, minVisible);
      stats.slivers += clip.slivers;
      const sample: SampleRecord = { ...rec, id: tileSampleId(rec.id, t), width: t.width, height: t.height, boxes: clip.boxes, crop: { ...t } };
      if (clip.boxes.length > 0) {
        stats.objectTiles++;
        slots.push({ sample, background: false });
      } else if (clip.touched) stats.sliverOnlyTiles++;
      else {
        candidates.push({ image: i, slot: slots.length });
        slots.push({ sample, background: true });
      }
    }
    perImage.push(slots);
  });
  stats.backgroundCandidates = candidates.length;
  // Without a single defect tile (a split of good parts only) one background tile keeps the list non-empty.
  const wanted = Math.min(candidates.length, stats.objectTiles > 0 ? Math.round(ratio * stats.objectTiles) : 1);
  const keep = new Set(shuffleInPlace(candidates.slice(), createRng(opts.seed, 0x711e5)).slice(0, wanted).map((c) => `${c.image}:${c.slot}`));
  stats.backgroundTiles = keep.size;
  const samples: SampleRecord[] = [];
  perImage.forEach((slots, i) => slots.forEach((s, k) => {
    if (!s.background || keep.has(`${i}:${k}`)) samples.push(s.sample);
  }));
  stats.samples = samples.length;
  return { samples, stats };
}
