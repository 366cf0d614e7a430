import type { Rng } from '../rng';
import { warpScaleTranslate } from './affine';
import { cutmix } from './cutmix';
import { flipHorizontal, flipVertical } from './flip';
import { hsvJitter } from './hsv';
import { mosaic4 } from './mosaic';
import { mosaicActive, type AugmentOptions } from './options';
import type { Sample } from './sample';

/** Which images one training sample is built from, drawn before any pixel is loaded. */
export interface SamplePlan {
  index: number;
  /** The three other images of a mosaic, or empty. */
  mosaicWith: number[];
  /** The image CutMix pastes from, or null. */
  cutmixWith: number | null;
}

/**
 * Draws the images a sample needs. Split from {@link augmentSample} so a worker can load
 * (asynchronously) exactly those images, then continue with the same generator.
 */
export function planSample(rng: Rng, opts: AugmentOptions | null, epoch: number, index: number, count: number): SamplePlan {
  if (opts === null) return { index, mosaicWith: [], cutmixWith: null };
  const mosaic = mosaicActive(opts, epoch) && rng.chance(opts.mosaic);
  const mosaicWith = mosaic ? [rng.int(count), rng.int(count), rng.int(count)] : [];
  const cutmixWith = rng.chance(opts.cutmix) ? rng.int(count) : null;
  return { index, mosaicWith, cutmixWith };
}

/** All record indices a plan needs loaded. */
export function planIndices(plan: SamplePlan): number[] {
  return [plan.index, ...plan.mosaicWith, ...(plan.cutmixWith === null ? [] : [plan.cutmixWith])];
}

/**
 * Builds one augmented imgsz x imgsz sample from letterboxed base samples: mosaic (or the
 * single image), random scale and translate, CutMix, HSV jitter, flips, in the Ultralytics
 * order. Base samples are never modified, so one cached image can serve many samples.
 */
export function augmentSample(plan: SamplePlan, rng: Rng, opts: AugmentOptions, get: (index: number) => Sample, imgsz: number): Sample {
  let s: Sample;
  let input: Sample;
  if (plan.mosaicWith.length === 3) {
    const [b, c, d] = plan.mosaicWith as [number, number, number];
    const xc = Math.floor(rng.uniform(imgsz / 2, (3 * imgsz) / 2));
    const yc = Math.floor(rng.uniform(imgsz / 2, (3 * imgsz) / 2));
    input = mosaic4([get(plan.index), get(b), get(c), get(d)], imgsz, xc, yc);
  } else {
    input = get(plan.index);
  }
  const scale = rng.uniform(1 - opts.scale, 1 + opts.scale);
  const tx = rng.uniform(0.5 - opts.translate, 0.5 + opts.translate) * imgsz;
  const ty = rng.uniform(0.5 - opts.translate, 0.5 + opts.translate) * imgsz;
  s = warpScaleTranslate(input, imgsz, scale, tx, ty);
  if (plan.cutmixWith !== null) s = cutmix(s, get(plan.cutmixWith), rng);
  const dh = rng.uniform(-1, 1) * opts.hsvH;
  const gs = 1 + rng.uniform(-1, 1) * opts.hsvS;
  const gv = 1 + rng.uniform(-1, 1) * opts.hsvV;
  if (opts.hsvH > 0 || opts.hsvS > 0 || opts.hsvV > 0) hsvJitter(s.data, dh, gs, gv);
  if (rng.chance(opts.flipLR)) s = flipHorizontal(s);
  if (rng.chance(opts.flipUD)) s = flipVertical(s);
  return s;
}
