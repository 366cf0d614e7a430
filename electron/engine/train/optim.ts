// The optimizers (SGD with Nesterov momentum, AdamW) with per-step hyper-parameters, and gradient clipping.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Optimizers for the detector, written out rather than taken from tf.train because Kestrel
 * needs what tf.train does not give: parameter groups (weight decay on conv weights only,
 * a separate bias LR during warmup), the LR and momentum changed at every optimizer step by
 * the planner's schedule, decoupled weight decay, and state that checkpoints can save and
 * restore exactly.
 */

/** Which group a trainable variable belongs to: decayed conv weights, or undecayed norm/bias. */
export type ParamGroup = 'weight' | 'norm' | 'bias';

/** A trainable variable with its stable name (checkpoint key) and group. */
export interface NamedParam {
  name: string;
  variable: tf.Variable;
  group: ParamGroup;
}

/** Per-step hyper-parameters, from the planner's lrAt(step). */
export interface StepHyper {
  lr: number;
  /** LR of the bias group (SGD warmup starts it high); defaults to lr. */
  biasLr?: number;
  /** SGD momentum or AdamW beta1. */
  momentum: number;
  weightDecay: number;
}

export type OptimizerKind = 'sgd' | 'adamw';

/** Saved optimizer state: slot tensors by "<param>/<slot>" plus the step counter. */
export interface OptimizerState {
  kind: OptimizerKind;
  step: number;
  slots: Record<string, tf.Tensor>;
}

/** An optimizer over a fixed parameter list. */
export interface Optimizer {
  readonly kind: OptimizerKind;
  /** Optimizer updates applied so far. */
  readonly step: number;
  /** Applies one update from gradients keyed by parameter name. Does not dispose the grads. */
  apply(grads: Record<string, tf.Tensor>, h: StepHyper): void;
  /** Copies of the slots (caller disposes), for checkpoints. */
  getState(): OptimizerState;
  /** Restores slots saved by getState (tensors are copied; caller keeps ownership). */
  setState(state: OptimizerState): void;
  dispose(): void;
}

/**
 * A zero slot shaped like v. Unnamed: tfjs variable names are global, and two optimizers may
 * coexist. Made inside tidy: tf.variable shares its initial tensor's data, and that tensor,
 * left alive, would keep the slot's memory after the variable is disposed.
 */
function zerosLikeVar(v: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(v), false));
}

/**
 * SGD with (Nesterov) momentum and decoupled weight decay on the 'weight' group only, scaled by
 * 1 / (1 - momentum) so that `weightDecay` means what it means for torch's coupled SGD.
 */
export function createSgd(params: NamedParam[], opts: { nesterov?: boolean } = {}): Optimizer {
  const nesterov = opts.nesterov ?? true;
  const velocity = new Map<string, tf.Variable>(params.map((p) => [p.name, zerosLikeVar(p.variable)]));
  let step = 0;
  return {
    kind: 'sgd',
    get step() {
      return step;
    },
    apply(grads, h) {
      // One tidy per parameter: the temporaries of all parameters alive at once would cost
      // several times the model's size at the peak.
      for (const p of params) {
        tf.tidy(() => {
          const g = grads[p.name];
          if (!g) return;
          const v = velocity.get(p.name)!;
          const lr = p.group === 'bias' ? (h.biasLr ?? h.lr) : h.lr;
          const vNew = tf.add(tf.mul(v, h.momentum), g);
          v.assign(vNew);
          const upd = nesterov ? tf.add(g, tf.mul(vNew, h.momentum)) : vNew;
          let w = tf.sub(p.variable, tf.mul(upd, lr));
          // Decoupled decay with the strength the planner's weight decay has in its usual,
          // coupled form (Ultralytics' 5e-4 is added to the gradient, then amplified by the
          // momentum's 1 / (1 - momentum) in steady state): without that factor the same 5e-4
          // would regularise ~16x less at momentum 0.937.
          if (p.group === 'weight' && h.weightDecay > 0) w = tf.sub(w, tf.mul(p.variable, (lr * h.weightDecay) / (1 - h.momentum)));
          p.variable.assign(w);
        });
      }
      step++;
    },
    getState() {
      const slots: Record<string, tf.Tensor> = {};
      for (const [n, v] of velocity) slots[`${n}/v`] = tf.clone(v);
      return { kind: 'sgd', step, slots };
    },
    setState(state) {
      if (state.kind !== 'sgd') throw new Error(`Checkpoint holds ${state.kind} state, not sgd`);
      step = state.step;
      for (const [n, v] of velocity) {
        const s = state.slots[`${n}/v`];
        if (s) v.assign(s);
      }
    },
    dispose() {
      for (const v of velocity.values()) v.dispose();
    },
  };
}

/** AdamW (Loshchilov & Hutter): Adam moments with bias correction, decoupled weight decay on weights. */
export function createAdamW(params: NamedParam[], opts: { beta2?: number; eps?: number } = {}): Optimizer {
  const beta2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const m = new Map<string, tf.Variable>(params.map((p) => [p.name, zerosLikeVar(p.variable)]));
  const v = new Map<string, tf.Variable>(params.map((p) => [p.name, zerosLikeVar(p.variable)]));
  let step = 0;
  return {
    kind: 'adamw',
    get step() {
      return step;
    },
    apply(grads, h) {
      const t = step + 1;
      const beta1 = h.momentum;
      // Bias corrections use the current beta1; the schedule moves beta1 only during warmup.
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      // One tidy per parameter (see SGD).
      for (const p of params) {
        tf.tidy(() => {
          const g = grads[p.name];
          if (!g) return;
          const mv = m.get(p.name)!;
          const vv = v.get(p.name)!;
          const lr = p.group === 'bias' ? (h.biasLr ?? h.lr) : h.lr;
          const mNew = tf.add(tf.mul(mv, beta1), tf.mul(g, 1 - beta1));
          const vNew = tf.add(tf.mul(vv, beta2), tf.mul(tf.square(g), 1 - beta2));
          mv.assign(mNew);
          vv.assign(vNew);
          const denom = tf.add(tf.sqrt(tf.div(vNew, c2)), eps);
          let w = tf.sub(p.variable, tf.mul(tf.div(tf.div(mNew, c1), denom), lr));
          if (p.group === 'weight' && h.weightDecay > 0) w = tf.sub(w, tf.mul(p.variable, lr * h.weightDecay));
          p.variable.assign(w);
        });
      }
      step = t;
    },
    getState() {
      const slots: Record<string, tf.Tensor> = {};
      for (const [n, x] of m) slots[`${n}/m`] = tf.clone(x);
      for (const [n, x] of v) slots[`${n}/v`] = tf.clone(x);
      return { kind: 'adamw', step, slots };
    },
    setState(state) {
      if (state.kind !== 'adamw') throw new Error(`Checkpoint holds ${state.kind} state, not adamw`);
      step = state.step;
      for (const [n, x] of m) {
        const s = state.slots[`${n}/m`];
        if (s) x.assign(s);
      }
      for (const [n, x] of v) {
        const s = state.slots[`${n}/v`];
        if (s) x.assign(s);
      }
    },
    dispose() {
      for (const x of m.values()) x.dispose();
      for (const x of v.values()) x.dispose();
    },
  };
}

/** Creates the optimizer the plan names. */
export function createOptimizer(kind: OptimizerKind, params: NamedParam[]): Optimizer {
  return kind === 'sgd' ? createSgd(params) : createAdamW(params);
}

/** Most inputs of one AddN: a WebGPU shader binds one storage buffer per input, and adapters allow as few as 8. */
const ADDN_MAX_INPUTS = 6;

/**
 * The sum of many same-shaped tensors as a tree of small AddNs: one AddN over the ~200 gradient
 * norms of a detector fails pipeline validation on WebGPU (too many storage buffers per stage).
 * Call inside a tidy; returns a scalar 0 for no input.
 */
export function sumInChunks(xs: tf.Tensor[]): tf.Tensor {
  if (xs.length === 0) return tf.scalar(0);
  let level = xs;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += ADDN_MAX_INPUTS) {
      const chunk = level.slice(i, i + ADDN_MAX_INPUTS);
      next.push(chunk.length === 1 ? chunk[0]! : tf.addN(chunk));
    }
    level = next;
  }
  return level[0]!;
}

/**
 * Scales gradients so their global L2 norm is at most maxNorm (torch clip_grad_norm_).
 * Returns new tensors (caller disposes) and the norm as a scalar tensor, computed on the
 * device: no sync point unless the caller reads it.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    // Squares summed one tensor at a time, so only scalars outlive each step of the map.
    const sq = names.map((n) => tf.tidy(() => tf.sum(tf.square(grads[n]!))));
    const norm = tf.sqrt(sumInChunks(sq)) as tf.Scalar;
    const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {};
    for (const n of names) out[n] = tf.mul(grads[n]!, scale);
    return { grads: out, norm };
  });
}
