/** Augmentations of training samples: geometry with exact box maps, colour, mixing. */
export { defaultAugmentOptions, mosaicActive, type AugmentOptions } from './options';
export { type Sample, keepBoxes } from './sample';
export { warpScaleTranslate, boxCandidates, clipBoxes, MIN_BOX_SIDE, MIN_AREA_RATIO } from './affine';
export { flipHorizontal, flipVertical } from './flip';
export { hsvJitter } from './hsv';
export { mosaic4 } from './mosaic';
export { cutmix } from './cutmix';
export { planSample, planIndices, augmentSample, type SamplePlan } from './pipeline';
