// The exponential moving average of the model's weights that validation and the best model use.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Exponential moving average of the model's weights (and norm statistics), as YOLOv5/8 keep
 * it: decay ramps up as d * (1 - exp(-updates / tau)), so early, fast-changing weights are
 * followed closely and late ones averaged over thousands of steps. Validation and the saved
 * "best" model use the EMA weights.
 */
export class ModelEma {
  readonly decay: number;
  readonly tau: number;
  updates: number;
  readonly shadow: Map<string, tf.Variable>;

  constructor(source: Map<string, tf.Tensor>, opts: { decay?: number; tau?: number; updates?: number } = {}) {
    this.decay = opts.decay ?? 0.9999;
    this.tau = opts.tau ?? 2000;
    this.updates = opts.updates ?? 0;
    // tidy: the clone would otherwise outlive the variable that shares its data (a leak on dispose).
    this.shadow = new Map([...source].map(([n, t]) => [n, tf.tidy(() => tf.variable(tf.clone(t), false))]));
  }

  /** Decay used at the current update count. */
  currentDecay(): number {
    return this.decay * (1 - Math.exp(-this.updates / this.tau));
  }

  /** Moves the shadow weights toward `source` (call after each optimizer update). */
  update(source: Map<string, tf.Tensor>): void {
    this.updates++;
    const d = this.currentDecay();
    // One tidy per tensor: temporaries of the whole model at once would double its memory peak.
    for (const [n, s] of this.shadow) {
      const v = source.get(n);
      if (v) tf.tidy(() => s.assign(tf.add(tf.mul(s, d), tf.mul(v, 1 - d))));
    }
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
  }
}
