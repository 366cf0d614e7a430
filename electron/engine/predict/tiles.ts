/**
 * SAHI-style tiled inference, the pure parts: the tile grid for an image, when `--tile auto`
 * tiles, and how detections from overlapping tiles (and the optional whole-image pass) merge
 * into one list in which every object is counted once. No tensors, no files: the fine-tune
 * code reuses `tileGrid` to train on tiles.
 */
import type { Detection } from '../../shared/schemas/evaluation';
import { nmsClassAware } from '../eval/nms';

/** One tile: a window of the original image in source pixels. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Default overlap between neighbouring tiles (fraction of the tile side). */
export const DEFAULT_TILE_OVERLAP = 0.2;

/**
 * Positions along one axis: `n` windows of `tile` px covering `length` px, neighbours
 * overlapping by at least `overlap` x tile, the first at 0 and the last flush with the end
 * (so no tile is narrower than the others and the spacing is even).
 */
function axisStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, Math.floor(tile * (1 - overlap)));
  const n = Math.ceil((length - tile) / stride) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/**
 * The tile grid for an image of `width` x `height`: square tiles of `tile` px (clipped to the
 * image when it is smaller), overlapping by at least `overlap` (0 to 0.9) of the tile side,
 * row by row from the top left. Every pixel lies in at least one tile.
 */
export function tileGrid(width: number, height: number, tile: number, overlap = DEFAULT_TILE_OVERLAP): Tile[] {
  if (!(width > 0 && height > 0)) throw new RangeError(`tileGrid: image size ${width}x${height} must be positive`);
  if (!Number.isInteger(tile) || tile < 1) throw new RangeError(`tileGrid: tile size ${tile} must be a positive whole number`);
  if (!(overlap >= 0 && overlap <= 0.9)) throw new RangeError(`tileGrid: overlap ${overlap} must be within 0..0.9`);
  const xs = axisStarts(width, tile, overlap);
  const ys = axisStarts(height, tile, overlap);
  const tiles: Tile[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ x, y, width: Math.min(tile, width), height: Math.min(tile, height) });
  return tiles;
}

/** How `--tile` was given: never, always at a size, or decided per image. */
export type TileMode = { kind: 'off' } | { kind: 'size'; size: number } | { kind: 'auto' };

/** What the run knows about its dataset's box sizes (from its validation truths). */
export interface SmallObjectInfo {
  /** Share of boxes smaller than `minPx` (sqrt of area) once the whole image is scaled to the input. */
  fraction: number;
  minPx: number;
}

/** The tiling decision for one image, with a reason code the UI can translate. */
export interface TileDecision {
  tile: number | null;
  code: 'PREDICT_TILE_OFF' | 'PREDICT_TILE_SIZE' | 'PREDICT_TILE_AUTO_SMALL' | 'PREDICT_TILE_AUTO_IMAGE_SMALL' | 'PREDICT_TILE_AUTO_NO_SMALL' | 'PREDICT_TILE_AUTO_UNKNOWN';
  params: Record<string, number>;
}

/** `auto` tiles only when the whole image would shrink at least this much to fit the input. */
export const AUTO_MIN_SHRINK = 2;
/** `auto` counts the dataset as having small objects when more than this share of boxes is tiny. */
export const AUTO_SMALL_FRACTION = 0.05;
/** Without box-size facts, `auto` tiles only images this many times larger than the input. */
export const AUTO_UNKNOWN_SHRINK = 4;

/**
 * Whether (and at what tile size) to tile an image. `auto` tiles at the model's input size
 * (full resolution) when the image is much larger than the input (at least AUTO_MIN_SHRINK
 * times on its longer side) and the run's dataset has small objects; without box-size facts
 * it tiles only images AUTO_UNKNOWN_SHRINK times larger, where small defects vanish anyway.
 */
export function decideTiling(mode: TileMode, width: number, height: number, imgsz: number, small: SmallObjectInfo | null): TileDecision {
  if (mode.kind === 'off') return { tile: null, code: 'PREDICT_TILE_OFF', params: { imgsz } };
  if (mode.kind === 'size') return { tile: mode.size, code: 'PREDICT_TILE_SIZE', params: { tile: mode.size, imgsz } };
  const shrink = Math.round((Math.max(width, height) / imgsz) * 10) / 10;
  const base = { shrink, imgsz, width, height };
  if (small === null) {
    return shrink >= AUTO_UNKNOWN_SHRINK
      ? { tile: imgsz, code: 'PREDICT_TILE_AUTO_UNKNOWN', params: { ...base, limit: AUTO_UNKNOWN_SHRINK } }
      : { tile: null, code: 'PREDICT_TILE_AUTO_IMAGE_SMALL', params: { ...base, limit: AUTO_UNKNOWN_SHRINK } };
  }
  if (shrink < AUTO_MIN_SHRINK) return { tile: null, code: 'PREDICT_TILE_AUTO_IMAGE_SMALL', params: { ...base, limit: AUTO_MIN_SHRINK } };
  const percent = Math.round(small.fraction * 1000) / 10;
  if (small.fraction <= AUTO_SMALL_FRACTION) return { tile: null, code: 'PREDICT_TILE_AUTO_NO_SMALL', params: { ...base, percent, minPx: small.minPx } };
  return { tile: imgsz, code: 'PREDICT_TILE_AUTO_SMALL', params: { ...base, percent, minPx: small.minPx } };
}

/**
 * Share of boxes that are tiny at input size `imgsz`: each box's sqrt(area) relative to its
 * image's longer side (what the letterbox scales to imgsz), below `minPx` once scaled.
 * Null when there are no boxes to judge from.
 */
export function smallObjectInfo(images: readonly { width: number; height: number; truths: readonly { x1: number; y1: number; x2: number; y2: number }[] }[], imgsz: number, minPx = 8): SmallObjectInfo | null {
  let n = 0;
  let small = 0;
  for (const im of images) {
    const side = Math.max(im.width, im.height);
    for (const t of im.truths) {
      n++;
      if ((Math.sqrt(Math.max(0, t.x2 - t.x1) * Math.max(0, t.y2 - t.y1)) / side) * imgsz < minPx) small++;
    }
  }
  return n === 0 ? null : { fraction: small / n, minPx };
}

/** A detection in original-image pixels plus where it came from, before merging. */
export interface SourcedDetection extends Detection {
  /** True when the box touches an edge of its tile that lies inside the image: the object may be cut. */
  cut: boolean;
}

/** Within this many source pixels of an inner tile edge, a box counts as cut by it. */
export const EDGE_MARGIN_PX = 2;

/**
 * Maps detections of one tile (in tile pixels) into the image, flagging boxes that touch an
 * inner edge of the tile (an edge that is not the image's border).
 */
export function placeTileDetections(dets: readonly Detection[], tile: Tile, imageW: number, imageH: number, margin = EDGE_MARGIN_PX): SourcedDetection[] {
  const innerL = tile.x > 0;
  const innerT = tile.y > 0;
  const innerR = tile.x + tile.width < imageW;
  const innerB = tile.y + tile.height < imageH;
  return dets.map((d) => {
    const cut =
      (innerL && d.x1 <= margin) ||
      (innerT && d.y1 <= margin) ||
      (innerR && d.x2 >= tile.width - margin) ||
      (innerB && d.y2 >= tile.height - margin);
    return { x1: d.x1 + tile.x, y1: d.y1 + tile.y, x2: d.x2 + tile.x, y2: d.y2 + tile.y, score: d.score, cls: d.cls, cut };
  });
}

/** Intersection over the area of `a` (how much of `a` lies inside `b`). */
export function intersectionOverSelf(a: Detection, b: Detection): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const area = (a.x2 - a.x1) * (a.y2 - a.y1);
  return area > 0 ? (iw * ih) / area : 0;
}

/** Tunables of mergeDetections. */
export interface MergeOptions {
  /** NMS IoU among whole boxes (the run's threshold, 0.7 by default). */
  iou: number;
  /** A cut box this much inside a whole box of its class is a piece of it: dropped (0.5). */
  coverIos?: number;
  /** Cut pieces of one class overlapping this much (of the smaller) are one object: fused (0.2). */
  fuseIos?: number;
  /** At most this many detections per image (300). */
  maxDetections?: number;
}

/**
 * Merges detections from overlapping tiles (and the whole-image pass) so each object counts once:
 *  1. class-aware NMS over whole boxes (not cut by a tile edge), the usual duplicate removal
 *     where tiles overlap;
 *  2. a cut box mostly inside a kept box of its class is a piece of an object already found:
 *     dropped;
 *  3. the remaining cut pieces of one class that overlap (an object larger than the overlap,
 *     seen in parts by neighbouring tiles) are fused into their union, keeping the best score.
 * Output is in descending score order, without the `cut` flag.
 */
export function mergeDetections(all: readonly SourcedDetection[], opts: MergeOptions): Detection[] {
  const coverIos = opts.coverIos ?? 0.5;
  const fuseIos = opts.fuseIos ?? 0.2;
  const maxDet = opts.maxDetections ?? 300;
  const whole = all.filter((d) => !d.cut);
  const flat = new Float32Array(whole.length * 4);
  whole.forEach((d, i) => flat.set([d.x1, d.y1, d.x2, d.y2], i * 4));
  const keepIdx = nmsClassAware(flat, whole.map((d) => d.score), whole.map((d) => d.cls), opts.iou, maxDet);
  const kept: Detection[] = keepIdx.map((i) => strip(whole[i]!));

  const groups: Detection[] = [];
  const cut = all.filter((d) => d.cut).sort((a, b) => b.score - a.score);
  for (const c of cut) {
    if (kept.some((k) => k.cls === c.cls && intersectionOverSelf(c, k) >= coverIos)) continue;
    const g = groups.find((x) => x.cls === c.cls && Math.max(intersectionOverSelf(c, x), intersectionOverSelf(x, c)) >= fuseIos);
    if (g) {
      g.x1 = Math.min(g.x1, c.x1);
      g.y1 = Math.min(g.y1, c.y1);
      g.x2 = Math.max(g.x2, c.x2);
      g.y2 = Math.max(g.y2, c.y2);
    } else groups.push(strip(c));
  }
  return [...kept, ...groups].sort((a, b) => b.score - a.score).slice(0, maxDet);
}

function strip(d: Detection): Detection {
  return { x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: d.score, cls: d.cls };
}
