/**
 * Validation of a run that trains on tiles: every validation image is evaluated whole, with
 * tiled inference exactly as `kestrel predict --tile` runs it (tileGrid, the whole image
 * downscaled beside the tiles, mergeDetections across tiles: detectImage), decoded with the
 * evaluation settings, and scored against the image's own boxes. So the mAP of a tiled run is
 * the mAP of the model as it will be used, comparable with a whole-image run's.
 */
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { Detection, EvalTruth } from '../../shared/schemas/evaluation';
import type { TilePlan } from '../../shared/schemas/plan';
import type { SkippedImage } from '../data/batch';
import { decodeImage, imageSkipReason } from '../data/image';
import { EVAL_DECODE_OPTIONS, evaluateDetections, truthsFromBoxes } from '../eval/index';
import { tfDetectFn } from '../predict/tf-model';
import type { Detector } from '../model/detector';
import { detectImage, type DetectFn } from '../predict/detect-image';
import type { ImagePredictions, ValidationOutcome } from './validate';

/**
 * A DetectFn over `detector` in inference mode with the evaluation's decode (confidence 0.001,
 * NMS 0.7, multi-label, 300 per input), boxes in network-input pixels.
 */
export function evalDetectFn(detector: Detector): DetectFn {
  const o = EVAL_DECODE_OPTIONS;
  return tfDetectFn(detector, { conf: o.confThreshold, iou: o.iouThreshold, maxDetections: o.maxDetections, multiLabel: o.multiLabel });
}

/** Settings of {@link validateTiled}. */
export interface TiledValidationOptions {
  imgsz: number;
  /** Network inputs per forward pass. */
  batch: number;
  keepScore?: number;
  onSkipped?: (skipped: SkippedImage[]) => Promise<void>;
}

/**
 * Validates `detector` on whole validation images with tiled inference at the plan's tile
 * size and overlap. An image that cannot be read is skipped (reported through onSkipped, with
 * the dataset check's code) and left out of the evaluation, as the whole-image validation does.
 */
export async function validateTiled(detector: Detector, records: readonly ImageRecord[], classNames: string[], tiles: TilePlan, opts: TiledValidationOptions): Promise<ValidationOutcome> {
  const t0 = Date.now();
  const detect = evalDetectFn(detector);
  const preds: Detection[][] = [];
  const truths: EvalTruth[][] = [];
  const images: ImagePredictions[] = [];
  const keep = opts.keepScore ?? 0.05;
  for (const rec of records) {
    let img;
    try {
      img = await decodeImage(rec.file);
    } catch (err) {
      const skip = imageSkipReason(err);
      if (!skip) throw err;
      await opts.onSkipped?.([{ file: rec.file, code: skip.code, reason: skip.reason }]);
      continue;
    }
    const { detections } = await detectImage(img, detect, {
      imgsz: opts.imgsz,
      tile: tiles.size,
      overlap: tiles.overlap,
      fullImage: true,
      iou: EVAL_DECODE_OPTIONS.iouThreshold,
      batch: opts.batch,
      maxDetections: EVAL_DECODE_OPTIONS.maxDetections,
    });
    const t = truthsFromBoxes(rec.boxes);
    preds.push(detections);
    truths.push(t);
    images.push({ file: rec.file, width: rec.width, height: rec.height, truths: t, detections: detections.filter((p) => p.score >= keep) });
  }
  return { evaluation: evaluateDetections(preds, truths, classNames), images, durationMs: Date.now() - t0 };
}
