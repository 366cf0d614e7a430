/**
 * The engine's predict module: running a trained model on new images (whole or tiled), the
 * per-class thresholds and their suggestions, the OK/NG verdict and annotated images.
 */
export { predict, predictWith, loadPredictModel, resolveWeights, runSmallObjects, thresholdsInForce } from './predict';
export type { PredictOptions, PredictEvent, PredictResult, PredictSummary, PredictedImage, PredictedBox, SkippedImage, PredictModel } from './predict';
export { detectImage, letterboxRgb, cropRgb } from './detect-image';
export type { DetectFn, DetectImageOptions, ImageDetections } from './detect-image';
export { tileGrid, decideTiling, mergeDetections, placeTileDetections, smallObjectInfo, intersectionOverSelf, DEFAULT_TILE_OVERLAP } from './tiles';
export type { Tile, TileMode, TileDecision, SmallObjectInfo, SourcedDetection, MergeOptions } from './tiles';
export { loadThresholds, saveThresholds, THRESHOLDS_FILE } from './thresholds';
export { classCurves, suggestForClass, suggestThresholds, cutBetween, applySuggestions } from './suggest';
export type { ClassCurve, ClassSuggestion, ScoredImage, SuggestMethod } from './suggest';
export { verdictOf, keepAtThresholds, confOf, summarizeAtThresholds } from './verdict';
export type { Verdict, ClassConfs, ClassOutcome, ThresholdSummary } from './verdict';
export { annotateImage, renderLabel, bundledFontFile } from './annotate';
export { relativeLuminance, contrastRatio, textColorOn, classColor, BOX_PALETTE, REFERENCE_BACKGROUNDS } from './palette';
export { resolveSource, parseSourceSpec, globToRegExp, listImages } from './sources';
export type { ResolvedSource } from './sources';
export { yoloLabelText, csvSummary, formatProgress, formatDuration, progressDue, uniqueStems } from './outputs';
