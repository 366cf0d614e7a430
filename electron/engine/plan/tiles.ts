/**
 * Whether a run trains on tiles of large images, and why: `--tiles auto` applies the rule of
 * `kestrel predict --tile auto` (decideTiling) to the training boxes, so a model trained on
 * tiles is the one tiled predict will want, and the plan says so in a reason (en/zh). Pure.
 */
import { reason, type Reason } from '../../shared/reason';
import type { Box, ImageRecord } from '../../shared/schemas/dataset';
import { checkLimit } from '../../shared/schemas/ipc/limits';
import type { TilePlan } from '../../shared/schemas/plan';
import type { TrainTilesMode } from '../../shared/schemas/user-choice';
import type { SampleRecord, TileSamplesStats } from '../data/tiles';
import { TRAIN_TILE_RULES, tileSamples } from '../data/tiles';
import { decideTiling, DEFAULT_TILE_OVERLAP, smallObjectInfo } from '../predict/tiles';

/** How tiling was asked for: the planner decides, never, or at a tile side in source pixels (the shared schema's type). */
export type { TrainTilesMode };

/** The decision: a tile plan (null: whole images), the sentence that says why, and any warning on the user's choice. */
export interface TrainTilesDecision {
  tiles: TilePlan | null;
  reason: Reason;
  /** 'off' where 'auto' would tile: the small boxes the whole images lose (PLAN_WARN_TILES_OFF). */
  warnings: Reason[];
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** The image of median longer side: the size `auto` judges the dataset by. */
function typicalImage(images: readonly { width: number; height: number }[]): { width: number; height: number } | null {
  if (images.length === 0) return null;
  const sorted = [...images].sort((a, b) => Math.max(a.width, a.height) - Math.max(b.width, b.height));
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Decides tiling for a run at input size `imgsz` from its training images. 'off' and a size
 * are the user's; 'auto' tiles at `imgsz` (full resolution) when the typical image is at least
 * twice the input and more than 5% of the training boxes would shrink below 8 px scaled down
 * whole (predict's AUTO_MIN_SHRINK, AUTO_SMALL_FRACTION), and trains on whole images otherwise.
 */
export function planTrainTiles(mode: TrainTilesMode, images: readonly { width: number; height: number; boxes: readonly Box[] }[], imgsz: number): TrainTilesDecision {
  const tilePlan = (size: number, why: Reason): TilePlan => ({ size, overlap: DEFAULT_TILE_OVERLAP, minVisible: TRAIN_TILE_RULES.minVisible, backgroundRatio: TRAIN_TILE_RULES.backgroundRatio, reason: why });
  if (mode === 'off') {
    // The engineer's choice stands; where `auto` would tile, the plan warns what it costs.
    const auto = planTrainTiles('auto', images, imgsz);
    const p = auto.reason.params;
    const warnings = auto.tiles ? [reason('PLAN_WARN_TILES_OFF', { imgsz, percent: p['percent'] ?? 0, minPx: p['minPx'] ?? 0, shrink: p['shrink'] ?? 0 })] : [];
    return { tiles: null, reason: reason('PLAN_TILES_OFF', { imgsz }), warnings };
  }
  if (typeof mode === 'number') {
    const why = reason('PLAN_TILES_SIZE', { tile: mode, imgsz, overlap: DEFAULT_TILE_OVERLAP * 100 });
    return { tiles: tilePlan(mode, why), reason: why, warnings: [] };
  }
  const typical = typicalImage(images);
  const small = smallObjectInfo(images.map((im) => ({ width: im.width, height: im.height, truths: im.boxes })), imgsz);
  if (!typical || !small) return { tiles: null, reason: reason('PLAN_TILES_AUTO_NO_BOXES', { imgsz }), warnings: [] };
  const d = decideTiling({ kind: 'auto' }, typical.width, typical.height, imgsz, small);
  const params = { ...d.params, shrink: round1(Math.max(typical.width, typical.height) / imgsz), overlap: DEFAULT_TILE_OVERLAP * 100 };
  if (d.tile === null) {
    const code = d.code === 'PREDICT_TILE_AUTO_NO_SMALL' ? 'PLAN_TILES_AUTO_NO_SMALL' : 'PLAN_TILES_AUTO_IMAGE_SMALL';
    return { tiles: null, reason: reason(code, params), warnings: [] };
  }
  const why = reason('PLAN_TILES_AUTO_SMALL', params);
  return { tiles: tilePlan(d.tile, why), reason: why, warnings: [] };
}

/** The plan's sentence on what tiling made of the training split (counts from tileSamples). */
export function tileSamplesReason(stats: TileSamplesStats, tiles: TilePlan): Reason {
  return reason('PLAN_TILES_SAMPLES', {
    tiledImages: stats.tiledImages,
    images: stats.images,
    size: tiles.size,
    objectTiles: stats.objectTiles,
    backgroundTiles: stats.backgroundTiles,
    backgroundCandidates: stats.backgroundCandidates,
    ratio: tiles.backgroundRatio,
    slivers: stats.slivers,
    sliverOnlyTiles: stats.sliverOnlyTiles,
    minVisible: Math.round(tiles.minVisible * 100),
    samples: stats.samples,
  });
}

/** The tile samples of a training split under a tile plan (seeded: a resume cuts the same). */
export function cutTrainTiles(images: readonly ImageRecord[], tiles: TilePlan, seed: number): { samples: SampleRecord[]; stats: TileSamplesStats } {
  return tileSamples(images, { size: tiles.size, overlap: tiles.overlap, minVisible: tiles.minVisible, backgroundRatio: tiles.backgroundRatio, seed });
}

/** A training split as it trains: its samples (the images, or tiles of them) and the planner's tiling input. */
export interface TrainSplitPlan {
  /** What the planner records (PlanOptions['tiling']): the tile plan, the reasons (decision, then counts) and the warnings. */
  tiling: { tiles: TilePlan | null; reasons: Reason[]; warnings: Reason[] };
  /** The training samples: their count is the plan's `trainImages`. */
  samples: SampleRecord[];
}

/**
 * The one decision on tiling a training split, made the same way by the trainer
 * (engine/train/index.ts) and the app's Plan step (app/engine.ts): planTrainTiles' decision
 * and reason, then, when it tiles, the seeded tile samples and the sentence on their counts.
 * Pure: the same images, mode, input size and seed give the same plan.
 */
export function planTrainSplit(images: readonly ImageRecord[], mode: TrainTilesMode, imgsz: number, seed: number): TrainSplitPlan {
  const decision = planTrainTiles(mode, images, imgsz);
  if (!decision.tiles) return { tiling: { tiles: null, reasons: [decision.reason], warnings: decision.warnings }, samples: [...images] };
  const cut = cutTrainTiles(images, decision.tiles, seed);
  return { tiling: { tiles: decision.tiles, reasons: [decision.reason, tileSamplesReason(cut.stats, decision.tiles)], warnings: decision.warnings }, samples: cut.samples };
}

/**
 * Reads `--tiles`: 'auto', 'off', or a tile side in source pixels (a whole number within the
 * limits' `tileSize`, 32-8192, as the app's IPC checks it); null for anything else.
 */
export function parseTrainTilesMode(raw: string): TrainTilesMode | null {
  const t = raw.trim().toLowerCase();
  if (t === 'auto' || t === 'off') return t;
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return checkLimit('tileSize', n) === null ? n : null;
}
