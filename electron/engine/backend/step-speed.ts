// The timing core of the ladder's measured choice (measure.ts): images/s of the detector's
// training step on the current TF.js backend. No Node, and no import of the model layer (the
// detector's factory is passed in): the hidden WebGPU window's page (electron/gpu-host/host.ts)
// runs this same function for its 'time' request.
import * as tf from '@tensorflow/tfjs-core';
import type { createDetector } from '../model/detector';
import { sumInChunks } from '../train/optim';
import type { StepWorkload } from './measure';

/**
 * Images/s of the detector's training step on the current TF.js backend: forward in training
 * mode, a surrogate loss (mean squares of both heads) and the gradients of every trainable
 * variable, read back with `await data()`; from the median timed step. Frees everything it made.
 * The one timing both the ladder (timeTrainingStep) and the GPU host's 'time' request use.
 */
export async function measureStepSpeed(w: StepWorkload, create: typeof createDetector): Promise<number> {
  const det = create({ scale: w.scale, imgsz: w.imgsz, numClasses: 4, norm: 'batch' }, { seed: 1 });
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
  return w.batch / median;
}
