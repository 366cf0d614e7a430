// The memory probe's measurement: real training steps at a few batches, and the line fitted through their peaks.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../shared/schemas/model';
import type { OptimizerKind } from '../../shared/schemas/plan';
import { anchorsFor } from '../eval/index';
import { createDetector } from '../model/detector';
import { ModelEma } from './ema';
import { clipByGlobalNorm, createOptimizer } from './optim';
import { computeGradientsAsync } from './step';

/** One measured point: the peak bytes the backend held during a training step at a batch size. */
export interface MemoryPoint {
  batch: number;
  peakBytes: number;
}

/** A synthetic batch: random pixels, one box per image (the assigner and loss run as in training). */
function syntheticBatch(b: number, imgsz: number, numClasses: number) {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const images = new Float32Array(b * imgsz * imgsz * 3);
  for (let i = 0; i < images.length; i++) images[i] = rnd();
  const boxes = new Float32Array(b * 4);
  for (let i = 0; i < b; i++) boxes.set([imgsz * 0.2, imgsz * 0.25, imgsz * 0.7, imgsz * 0.8], 4 * i);
  return {
    size: b,
    imgsz,
    images,
    batchIndex: Int32Array.from({ length: b }, (_, i) => i),
    cls: Int32Array.from({ length: b }, (_, i) => i % numClasses),
    boxes,
  };
}

/**
 * Measures the peak memory of real training steps (forward, loss, backward, clipping, optimizer
 * update, EMA) at each batch size, in this process on the current backend. The peak is the
 * backend's own tensor bytes at their highest (tf.profile), weights, optimizer state and EMA
 * and the validation twin included: what the planner's m(b) = fixed + perImage x b predicts.
 */
export async function measureStepPeaks(spec: ModelSpec, optimizer: OptimizerKind, batches: readonly number[], steps = 1): Promise<MemoryPoint[]> {
  const out: MemoryPoint[] = [];
  const anchors = anchorsFor(spec.imgsz);
  for (const b of batches) {
    // Bytes held before this measurement (an earlier one's leftovers) are not this step's.
    const before = tf.memory().numBytes;
    const det = createDetector(spec, { seed: 0 });
    // Training also holds the twin that validation loads the EMA weights into.
    const evalTwin = createDetector(spec, { seed: 0 });
    const params = det.params();
    const opt = createOptimizer(optimizer, params);
    const ema = new ModelEma(det.state());
    const batch = syntheticBatch(b, spec.imgsz, spec.numClasses);
    let peak = 0;
    try {
      for (let i = 0; i < steps; i++) {
        // Async: webgpu cannot read the assigner's predictions synchronously.
        const info = await tf.profile(async () => {
          const { grads } = await computeGradientsAsync(det, batch, { anchors });
          const clipped = clipByGlobalNorm(grads, 10);
          tf.dispose(Object.values(grads));
          opt.apply(clipped.grads, { lr: 1e-4, momentum: 0.9, weightDecay: 0 });
          tf.dispose([...Object.values(clipped.grads), clipped.norm]);
          ema.update(det.state());
        });
        peak = Math.max(peak, info.peakBytes - before);
      }
    } finally {
      ema.dispose();
      opt.dispose();
      evalTwin.dispose();
      det.dispose();
    }
    out.push({ batch: b, peakBytes: peak });
  }
  return out;
}

/**
 * Least-squares line through measured points: m(b) = fixedBytes + perImageBytes x b.
 * With one point, the fixed part is the model state alone (given), the rest per image.
 */
export function fitMemoryLine(points: readonly MemoryPoint[], fallbackFixedBytes = 0): { fixedBytes: number; perImageBytes: number } {
  if (points.length === 0) throw new Error('fitMemoryLine needs at least one point');
  if (points.length === 1) {
    const p = points[0]!;
    return { fixedBytes: fallbackFixedBytes, perImageBytes: Math.max(1, (p.peakBytes - fallbackFixedBytes) / p.batch) };
  }
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.batch, 0) / n;
  const my = points.reduce((a, p) => a + p.peakBytes, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.batch - mx) * (p.peakBytes - my);
    sxx += (p.batch - mx) ** 2;
  }
  const perImageBytes = Math.max(1, sxx > 0 ? sxy / sxx : my / mx);
  const fixedBytes = Math.max(0, my - perImageBytes * mx);
  return { fixedBytes: Math.round(fixedBytes), perImageBytes: Math.round(perImageBytes) };
}

/** Batch sizes the probe measures: small ones (fast), enough to fit a line. */
export function probeBatches(planned: number): number[] {
  if (planned <= 2) return [1, 2];
  if (planned <= 4) return [1, 2, 4].filter((b) => b <= planned);
  return [1, 2, 4];
}
