// Gradient accumulation: sums the micro-batches' gradients of one optimizer step.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Sums gradients over the micro-batches of one optimizer step. Each micro-batch's loss is
 * already divided by the accumulation count, so the sum is the gradient of the mean loss
 * over the effective batch.
 */
export class GradientAccumulator {
  private sums = new Map<string, tf.Tensor>();
  private count = 0;

  /** Adds one micro-batch's gradients (takes ownership: they are disposed here). */
  add(grads: Record<string, tf.Tensor>): void {
    for (const [name, g] of Object.entries(grads)) {
      const prev = this.sums.get(name);
      if (prev) {
        this.sums.set(name, tf.add(prev, g));
        prev.dispose();
        g.dispose();
      } else {
        this.sums.set(name, g);
      }
    }
    this.count++;
  }

  /** Micro-batches added since the last take(). */
  get size(): number {
    return this.count;
  }

  /** Hands the summed gradients over (caller disposes) and starts afresh. */
  take(): Record<string, tf.Tensor> {
    const out = Object.fromEntries(this.sums);
    this.sums = new Map();
    this.count = 0;
    return out;
  }

  /** Drops what was accumulated (e.g. after a non-finite loss). */
  reset(): void {
    for (const g of this.sums.values()) g.dispose();
    this.sums.clear();
    this.count = 0;
  }
}
