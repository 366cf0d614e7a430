/** The detector network: architecture as data, the TF.js model built from it, and its weights on disk. */
export { resolveArchitecture, allConvs, REG_MAX, STRIDES, SCALES } from './arch';
export type { ConvSpec, LayerDef, ResolvedArchitecture, ResolvedNode } from './arch';
export { describeModel } from './describe';
export { createDetector, bnMomentumFor, BN_MOMENTUM, BN_REFERENCE_BATCH, NORM_EPS, type ForwardOptions } from './detector';
export type { ConvBlockFn, CreateDetectorOptions, Detector, DetectorParam, ParamGroup, RawOutput } from './detector';
export { saveDetector, loadDetector, readDetectorManifest, MANIFEST_FILE, DetectorManifestSchema } from './persist';
export type { DetectorManifest, SaveMeta } from './persist';
