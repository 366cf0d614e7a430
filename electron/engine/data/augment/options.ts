/**
 * Augmentation switches and strengths of a training run.
 *
 * Defaults follow the Ultralytics YOLO recipe the detector is modelled on, so results compare
 * with what engineers know; the planner may change them (e.g. CutMix for large batches).
 */
export interface AugmentOptions {
  /** HSV jitter gains: hue as a fraction of the colour circle, saturation and value as factors. */
  hsvH: number;
  hsvS: number;
  hsvV: number;
  /** Probability of a horizontal flip. */
  flipLR: number;
  /** Probability of a vertical flip (0 by default: only for parts without a natural up). */
  flipUD: number;
  /** Random scale gain: the image is scaled by a factor in [1 - scale, 1 + scale]. */
  scale: number;
  /** Random translation as a fraction of the input side. */
  translate: number;
  /** Probability of a 4-image mosaic. */
  mosaic: number;
  /** Mosaic is switched off for this many final epochs, so the model ends on natural images. */
  closeMosaicEpochs: number;
  /** Total epochs of the run; needed to know when the last `closeMosaicEpochs` start. Null: never close. */
  epochs: number | null;
  /** Probability of CutMix (pasting a region of another image with its boxes). */
  cutmix: number;
  /** Label smoothing epsilon; applied by the loss, carried here so one object holds the recipe. */
  labelSmoothing: number;
}

/** The default recipe (HSV 0.015/0.7/0.4, flip 0.5, scale 0.5, translate 0.1, mosaic on). */
export function defaultAugmentOptions(overrides: Partial<AugmentOptions> = {}): AugmentOptions {
  return {
    hsvH: 0.015,
    hsvS: 0.7,
    hsvV: 0.4,
    flipLR: 0.5,
    flipUD: 0,
    scale: 0.5,
    translate: 0.1,
    mosaic: 1,
    closeMosaicEpochs: 10,
    epochs: null,
    cutmix: 0,
    labelSmoothing: 0,
    ...overrides,
  };
}

/** Whether mosaic is in use at this (0-based) epoch: off for the last `closeMosaicEpochs`. */
export function mosaicActive(opts: AugmentOptions, epoch: number): boolean {
  if (opts.mosaic <= 0) return false;
  if (opts.epochs === null) return true;
  return epoch < opts.epochs - opts.closeMosaicEpochs;
}
