// Times a short real training step of the detector on one backend: what the ladder compares
// when webgpu and a CPU backend both pass their self-test.
import * as tf from '@tensorflow/tfjs-core';
import { sumInChunks } from '../train/optim';
import type { BackendId } from '../../shared/schemas/hardware';
import type { StepTiming } from './choice';

/** What {@link timeTrainingStep} runs. */
export interface StepWorkload {
  scale: 'n' | 's';
  imgsz: number;
  batch: number;
  /** Untimed steps first (shader compilation, XNNPACK setup). */
  warmup: number;
  steps: number;
}

/** The ladder's default: scale n, 256 px, batch 4, one warm-up and two timed steps. */
export const DEFAULT_WORKLOAD: StepWorkload = { scale: 'n', imgsz: 256, batch: 4, warmup: 1, steps: 2 };

/** "scale n, 256 px, batch 4" for reasons. */
export function describeWorkload(w: StepWorkload): string {
  return `scale ${w.scale}, ${w.imgsz} px, batch ${w.batch}`;
}

/**
 * On the current TF.js backend (already set to `id`): forward in training mode, a surrogate loss
 * (mean squares of both heads) and the gradients of every trainable variable, read back with
 * `await data()`; images/s from the median timed step. Frees everything it made.
 */
export async function timeTrainingStep(id: BackendId, w: StepWorkload = DEFAULT_WORKLOAD): Promise<StepTiming> {
  // Imported here: the model layer sits above the backend.
  const { createDetector } = await import('../model/detector');
  const det = createDetector({ scale: w.scale, imgsz: w.imgsz, numClasses: 4, norm: 'batch' }, { seed: 1 });
  const { weights, norms, biases } = det.trainableVariables();
  const vars = [...weights, ...norms, ...biases];
  const images = tf.randomUniform([w.batch, w.imgsz, w.imgsz, 3]) as tf.Tensor4D;
  const times: number[] = [];
  try {
    for (let i = 0; i < w.warmup + w.steps; i++) {
      const t0 = performance.now();
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const o = det.forward(images, true);
          return tf.add(tf.mean(tf.square(o.box)), tf.mean(tf.square(o.cls))) as tf.Scalar;
        }, vars);
        // Every gradient must be computed before the step counts as done.
        return sumInChunks([value, ...Object.values(grads).map((g) => tf.sum(g))]);
      });
      await loss.data();
      loss.dispose();
      if (i >= w.warmup) times.push((performance.now() - t0) / 1000);
    }
  } finally {
    images.dispose();
    det.dispose();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return { id, imagesPerSecond: w.batch / median };
}
