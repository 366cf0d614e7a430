/**
 * Running a detector on one decoded image, whole or tiled: builds the network inputs (the
 * letterboxed image and/or letterboxed tiles), hands them to a `DetectFn` in batches, maps
 * every box back to original-image pixels and merges across tiles. The model is a plain
 * function, so tests use a fake one and the bench can swap runtimes.
 */
import sharp from 'sharp';
import type { LetterboxInfo } from '../../shared/schemas/dataset';
import type { Detection } from '../../shared/schemas/evaluation';
import type { DecodedImage } from '../data/image';
import { letterboxInfo, PAD_VALUE, resizedSize } from '../data/letterbox';
import { undoLetterbox } from '../eval/decode';
import { mergeDetections, placeTileDetections, tileGrid, type SourcedDetection, type Tile } from './tiles';

/**
 * A detector as predict sees it: square letterboxed RGB inputs (imgsz x imgsz x 3 bytes each)
 * in, detections per input out, in network-input pixels, after NMS.
 */
export type DetectFn = (inputs: Uint8Array[], imgsz: number) => Promise<Detection[][]>;

/** How to run one image. */
export interface DetectImageOptions {
  imgsz: number;
  /** Tile side in source pixels, or null for the whole image only. */
  tile: number | null;
  /** Overlap of neighbouring tiles (fraction of the side). */
  overlap: number;
  /** With tiles, also run the whole image downscaled (finds objects larger than a tile). */
  fullImage: boolean;
  /** NMS IoU for merging across tiles. */
  iou: number;
  /** Inputs per DetectFn call. */
  batch: number;
  maxDetections?: number;
}

/** Detections of one image in original pixels, and how many network inputs it took. */
export interface ImageDetections {
  detections: Detection[];
  views: number;
  tiles: number;
}

/** Copies a window of packed RGB pixels. */
export function cropRgb(img: DecodedImage, t: Tile): Uint8Array {
  const out = new Uint8Array(t.width * t.height * 3);
  const row = t.width * 3;
  for (let y = 0; y < t.height; y++) {
    const from = ((t.y + y) * img.width + t.x) * 3;
    out.set(img.data.subarray(from, from + row), y * row);
  }
  return out;
}

/**
 * Letterboxes packed RGB pixels into the square input the way the loader does (sharp,
 * linear kernel, gray 114 padding), so predict sees what validation saw.
 */
export async function letterboxRgb(data: Uint8Array, width: number, height: number, imgsz: number): Promise<{ pixels: Uint8Array; info: LetterboxInfo }> {
  const info = letterboxInfo(width, height, imgsz);
  if (width === imgsz && height === imgsz) return { pixels: data, info };
  const size = resizedSize(width, height, info.scale, imgsz);
  let pipe = sharp(data, { raw: { width, height, channels: 3 } });
  if (size.width !== width || size.height !== height) pipe = pipe.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
  const { data: out } = await pipe
    .extend({
      top: info.padY,
      bottom: imgsz - size.height - info.padY,
      left: info.padX,
      right: imgsz - size.width - info.padX,
      background: { r: PAD_VALUE, g: PAD_VALUE, b: PAD_VALUE },
    })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), info };
}

interface View {
  tile: Tile | null;
  build: () => Promise<{ pixels: Uint8Array; info: LetterboxInfo }>;
}

/**
 * Detects objects in one decoded image. Without a tile size (or when one tile covers the
 * image) it is the plain letterboxed forward pass; with one, SAHI-style slicing at full
 * resolution plus, optionally, the whole image downscaled, merged by mergeDetections.
 */
export async function detectImage(img: DecodedImage, detect: DetectFn, opts: DetectImageOptions): Promise<ImageDetections> {
  const { imgsz } = opts;
  const tiles = opts.tile === null ? [] : tileGrid(img.width, img.height, opts.tile, opts.overlap);
  const views: View[] = [];
  const whole: View = { tile: null, build: () => letterboxRgb(img.data, img.width, img.height, imgsz) };
  if (tiles.length <= 1) views.push(whole);
  else {
    for (const t of tiles) views.push({ tile: t, build: () => letterboxRgb(cropRgb(img, t), t.width, t.height, imgsz) });
    if (opts.fullImage) views.push(whole);
  }
  const placed: SourcedDetection[] = [];
  for (let i = 0; i < views.length; i += opts.batch) {
    const chunk = views.slice(i, i + opts.batch);
    // Built per batch so a 20 MP image never holds all its tiles' inputs at once.
    const built = await Promise.all(chunk.map((v) => v.build()));
    const out = await detect(built.map((b) => b.pixels), imgsz);
    chunk.forEach((v, k) => {
      const dets = (out[k] ?? []).map((d) => undoLetterbox(d, built[k]!.info));
      if (v.tile === null) for (const d of dets) placed.push({ ...d, cut: false });
      else placed.push(...placeTileDetections(dets, v.tile, img.width, img.height));
    });
  }
  const maxDet = opts.maxDetections ?? 300;
  const detections =
    views.length === 1 ? placed.map(({ cut: _cut, ...d }) => d).slice(0, maxDet) : mergeDetections(placed, { iou: opts.iou, maxDetections: maxDet });
  return { detections, views: views.length, tiles: tiles.length > 1 ? tiles.length : 0 };
}
