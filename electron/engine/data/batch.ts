import type { LetterboxInfo } from '../../shared/schemas/dataset';

/**
 * One batch as the loader hands it to the trainer: plain typed arrays (no tensors, so it can
 * cross a worker-thread boundary without copies) in the flat target layout YOLO losses use.
 */
export interface TrainBatch {
  /** Images in the batch. */
  size: number;
  /** Square network input side in pixels (multiple of 32). */
  imgsz: number;
  /** NHWC float32 pixels in [0, 1], length size * imgsz * imgsz * 3. */
  images: Float32Array;
  /** All boxes of the batch, flat: which image each belongs to ... */
  batchIndex: Int32Array;
  /** ... its class index ... */
  cls: Int32Array;
  /** ... and its corners x1, y1, x2, y2 in network-input pixels (length 4 x boxes). */
  boxes: Float32Array;
  /** Per box: ignored by evaluation (VOC difficult / COCO crowd); training treats them as normal. */
  ignore: Uint8Array;
  /** Per image: how it was letterboxed (identity-like for mosaic images). */
  letterbox: LetterboxInfo[];
  /** Per image: the dataset record id. */
  ids: string[];
  /**
   * Images of this batch that could not be read and were skipped (trained as blank, box-free
   * images), with the code the dataset check reports for them (IMAGE_SKIP_CODES).
   */
  skipped?: SkippedImage[];
}

/** An image the loader skipped: the file, and the dataset check's code and reason for it. */
export interface SkippedImage {
  file: string;
  code: string;
  reason: string;
}
