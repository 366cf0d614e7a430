/** Decoding, NMS and COCO-style evaluation of detections: the engine's eval module. */
export {
  anchorsFor,
  decodePredictions,
  decodePredictionsAsync,
  undoLetterbox,
  EVAL_DECODE_OPTIONS,
  DISPLAY_DECODE_OPTIONS,
} from './decode';
export type { Anchors, DecodeOptions, Detection, RawHeadOutput } from './decode';
export { nmsClassAware } from './nms';
export { iou, boxIou } from './boxes';
export type { Corners } from './boxes';
export { evaluateDetections, ap101, plateauMiddle, IOU_THRESHOLDS, RECALL_POINTS } from './metrics';
export type { EvaluateOptions } from './metrics';
export type { EvaluationResult, EvalTruth } from '../../shared/schemas/evaluation';
export { truthsFromBoxes } from './truths';
