import * as tf from '@tensorflow/tfjs-core';
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { Detection, EvalTruth, EvaluationResult } from '../../shared/schemas/evaluation';
import { createLoader } from '../data/loader/index';
import { anchorsFor, decodePredictionsAsync, EVAL_DECODE_OPTIONS, type DecodeOptions } from '../eval/decode';
import { evaluateDetections } from '../eval/metrics';
import { truthsFromBoxes } from '../eval/truths';
import type { Detector } from './detector';

/** Options of validateDetector. */
export interface ValidateOptions {
  /** Square network input side (multiple of 32); usually the manifest's imgsz. */
  imgsz: number;
  /** Images per forward pass. Default 8. */
  batchSize?: number;
  /** Loader worker threads (0: decode on this thread). Default: the loader's choice. */
  workers?: number;
  /** Decoding settings; default EVAL_DECODE_OPTIONS (conf 0.001, IoU 0.7, 300 per image). */
  decode?: DecodeOptions;
  signal?: AbortSignal;
  /** Called after each batch with images done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The evaluation plus how long it took. */
export interface ValidationResult extends EvaluationResult {
  seconds: number;
}

/**
 * Evaluates a detector on dataset images: letterboxes them as validation does (no
 * augmentation), runs the network in inference mode (BatchNorm running statistics), decodes
 * and NMSes, maps boxes back to original-image pixels and scores them against the records'
 * boxes (VOC difficult / COCO crowd ignored) with the COCO-style evaluator.
 *
 * The per-epoch validation of a training run and `kestrel val` both call this, so a saved
 * model's numbers can be reproduced.
 */
export async function validateDetector(
  detector: Detector,
  records: readonly ImageRecord[],
  classNames: string[],
  opts: ValidateOptions,
): Promise<ValidationResult> {
  const t0 = performance.now();
  const batchSize = opts.batchSize ?? 8;
  const anchors = anchorsFor(opts.imgsz, detector.arch.head.levels);
  const byId = new Map(records.map((r) => [r.id, r]));
  const preds: Detection[][] = [];
  const truths: EvalTruth[][] = [];
  const loader = createLoader({
    records: [...records],
    imgsz: opts.imgsz,
    batchSize,
    augment: null,
    seed: 0,
    shuffle: false,
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
  });
  try {
    for await (const batch of loader.epoch(0)) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('Validation aborted');
      const x = tf.tensor4d(batch.images, [batch.size, batch.imgsz, batch.imgsz, 3]);
      const raw = detector.forward(x, false);
      x.dispose();
      try {
        const dets = await decodePredictionsAsync(raw, anchors, { ...(opts.decode ?? EVAL_DECODE_OPTIONS), letterbox: batch.letterbox });
        for (let i = 0; i < batch.size; i++) {
          const rec = byId.get(batch.ids[i]!);
          if (!rec) throw new Error(`Loader returned unknown image ${batch.ids[i]}`);
          preds.push(dets[i] ?? []);
          truths.push(truthsFromBoxes(rec.boxes));
        }
      } finally {
        tf.dispose([raw.box, raw.cls]);
      }
      opts.onProgress?.(preds.length, records.length);
    }
  } finally {
    await loader.close();
  }
  const result = evaluateDetections(preds, truths, classNames);
  return { ...result, seconds: (performance.now() - t0) / 1000 };
}
