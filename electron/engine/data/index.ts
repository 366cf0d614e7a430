// The data layer's public surface: import, check, summary and image decoding. The split,
// cache, loader and augmentation modules add their exports below.
export { importDataset, type ImportOptions } from './import/index';
export { checkDataset, DEFAULT_CHECK_IMGSZ, type CheckOptions } from './check/index';
export { formatReport } from './check/format';
export { summarizeDataset } from './summary';
export { decodeImage, decodeImageResized, probeImage, isImageFile, IMAGE_EXTENSIONS, type DecodedImage, type ResizedImage, type ImageProbe } from './image';
export { PROBLEM_SEVERITY, type ProblemCode } from './import/problems';
export { splitDataset, saveSplit, loadSplit, stratifiedValIds } from './split';
export { letterboxInfo, letterboxBoxes, identityLetterbox, PAD_VALUE } from './letterbox';
export { estimateCacheBytes, type CacheMode } from './cache';
export { createLoader, type Loader } from './loader/index';
export { defaultAugmentOptions, mosaicActive, type AugmentOptions } from './augment/index';
export { generateDemoDataset, DEMO_CLASSES } from './demo/index';
export { createRng, deriveSeed, type Rng } from './rng';
export type { TrainBatch } from './batch';
