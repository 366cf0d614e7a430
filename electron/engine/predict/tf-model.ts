/**
 * The TF.js runtime of predict: a loaded Kestrel detector wrapped as a DetectFn (letterboxed
 * RGB bytes in, detections in network-input pixels out), using the evaluation code's decoder
 * and NMS unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { anchorsFor, decodePredictionsAsync, type Anchors } from '../eval/decode';
import type { Detector } from '../model/detector';
import type { DetectFn } from './detect-image';

/** Decoding settings of predict. */
export interface TfDetectOptions {
  /** Candidates below this never leave the device (the lowest per-class threshold). */
  conf: number;
  iou: number;
  maxDetections?: number;
  /** Keep every class above the threshold per anchor (the evaluation's decode), not only the best. */
  multiLabel?: boolean;
}

/** Packs RGB bytes into the [B, S, S, 3] float input in [0, 1] the detector trained on. */
function inputTensor(inputs: Uint8Array[], imgsz: number): tf.Tensor4D {
  const plane = imgsz * imgsz * 3;
  const x = new Float32Array(inputs.length * plane);
  const inv = 1 / 255;
  inputs.forEach((px, k) => {
    if (px.length !== plane) throw new Error(`predict: input ${k} has ${px.length} bytes, expected ${plane}`);
    const off = k * plane;
    for (let i = 0; i < plane; i++) x[off + i] = (px[i] as number) * inv;
  });
  return tf.tensor4d(x, [inputs.length, imgsz, imgsz, 3]);
}

/**
 * A DetectFn running `detector` in inference mode (BatchNorm running statistics) on the
 * current TF.js backend. Tensors are disposed per call; anchors are built once per size.
 */
export function tfDetectFn(detector: Detector, opts: TfDetectOptions): DetectFn {
  const anchors = new Map<number, Anchors>();
  return async (inputs, imgsz) => {
    if (inputs.length === 0) return [];
    let a = anchors.get(imgsz);
    if (!a) {
      a = anchorsFor(imgsz, detector.arch.head.levels);
      anchors.set(imgsz, a);
    }
    const x = inputTensor(inputs, imgsz);
    let raw;
    try {
      raw = detector.forward(x, false);
    } finally {
      x.dispose();
    }
    try {
      return await decodePredictionsAsync(raw, a, { confThreshold: opts.conf, iouThreshold: opts.iou, maxDetections: opts.maxDetections ?? 300, multiLabel: opts.multiLabel ?? false });
    } finally {
      tf.dispose([raw.box, raw.cls]);
    }
  };
}
