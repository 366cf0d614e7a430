import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../shared/schemas/model';
import { convBlock, type ConvBlockOptions, type ConvBlockWeights } from '../ops/conv-block';
import { resolveArchitecture, type ConvSpec, type ResolvedArchitecture, type ResolvedNode } from './arch';
import { initialValues } from './init';

/**
 * The raw head output for a batch, levels P3, P4, P5 concatenated, each level row-major:
 * box [B, A, 64] DFL logits (sides l, t, r, b x 16 bins), cls [B, A, nc] class logits.
 * Structurally the eval module's RawHeadOutput.
 */
export interface RawOutput {
  box: tf.Tensor3D;
  cls: tf.Tensor3D;
}

/** Optimizer group of a trainable variable: decayed conv filters, or undecayed norm/bias. */
export type ParamGroup = 'weight' | 'norm' | 'bias';

/** A trainable variable with its stable name (`<conv>.filter|gamma|beta|bias`) and group. */
export interface DetectorParam {
  name: string;
  variable: tf.Variable;
  group: ParamGroup;
}

/** BatchNorm momentum as PyTorch counts it: running = (1 - m) * running + m * batch. */
export const BN_MOMENTUM = 0.03;
/** The batch Ultralytics' BN_MOMENTUM is tuned at (its default batch 16). */
export const BN_REFERENCE_BATCH = 16;

/**
 * The BatchNorm momentum for one training forward of `batch` images after `imagesSeen` images:
 * - Per image as fast as Ultralytics at its default batch 16: a batch of 64 moves the running
 *   statistics 1 - 0.97^4 = 11.5% (0.03 would make them follow the weights 4x slower per epoch).
 *   Below 16 images it is Ultralytics' own 0.03 per forward.
 * - From scratch (`warmStart`), a cumulative average until the exponential one takes over
 *   (momentum max(m, B / (seen + B))): the initial mean 0 and variance 1 are gone after the first
 *   batch instead of lingering (with 0.03 and 23 updates an epoch, half of them are still there
 *   after the first epoch, and the first validations score near zero). A fine-tune keeps the
 *   parent's statistics and starts at m.
 */
export function bnMomentumFor(batch: number, imagesSeen: number, warmStart: boolean): number {
  const b = Math.max(1, batch);
  const m = b <= BN_REFERENCE_BATCH ? BN_MOMENTUM : 1 - (1 - BN_MOMENTUM) ** (b / BN_REFERENCE_BATCH);
  return warmStart ? Math.max(m, b / (Math.max(0, imagesSeen) + b)) : m;
}

/** Options of one forward pass. */
export interface ForwardOptions {
  /** BatchNorm momentum for this training forward (default BN_MOMENTUM). */
  bnMomentum?: number;
}
/** BatchNorm/GroupNorm epsilon (Ultralytics' 1e-3). */
export const NORM_EPS = 1e-3;

/** The conv block implementation the detector runs (the fused one, or its plain reference in tests). */
export type ConvBlockFn = (x: tf.Tensor4D, w: ConvBlockWeights, o: ConvBlockOptions) => tf.Tensor4D;

/** Options of createDetector. */
export interface CreateDetectorOptions {
  /** Seed of the initial weights (same seed, same weights). Default 0. */
  seed?: number;
  /** Conv block to run; default the fused convBlock. */
  block?: ConvBlockFn;
}

/** A built YOLOv8-style detector: variables named by the architecture, and its forward pass. */
export interface Detector {
  readonly spec: ModelSpec;
  readonly arch: ResolvedArchitecture;
  /**
   * Images NHWC in [0, 1] (side a multiple of 32) -> raw head output. With `training` true
   * and BatchNorm, normalises with batch statistics and moves the running statistics.
   */
  forward(images: tf.Tensor4D, training: boolean, opts?: ForwardOptions): RawOutput;
  /** Every trainable variable, in build order, with name and optimizer group. */
  params(): DetectorParam[];
  /** Trainable variables split by optimizer rule: weight decay applies to `weights` only. */
  trainableVariables(): { weights: tf.Variable[]; norms: tf.Variable[]; biases: tf.Variable[] };
  /** Non-trainable state by name (`<conv>.running_mean|running_var`); empty for GroupNorm. */
  buffers(): Map<string, tf.Variable>;
  /** Trainable variables and buffers by name: what checkpoints and the EMA hold. */
  state(): Map<string, tf.Variable>;
  /** Copies the given tensors into the variables of the same name (shapes must match). */
  setState(values: Map<string, tf.Tensor> | Record<string, tf.Tensor>): void;
  dispose(): void;
}

interface ConvVars {
  spec: ConvSpec;
  filter: tf.Variable<tf.Rank.R4>;
  gamma?: tf.Variable<tf.Rank.R1>;
  beta?: tf.Variable<tf.Rank.R1>;
  bias?: tf.Variable<tf.Rank.R1>;
  runningMean?: tf.Variable<tf.Rank.R1>;
  runningVar?: tf.Variable<tf.Rank.R1>;
}

/**
 * Builds the network of `spec` from the architecture table (arch.ts), so its parameter count is
 * the one describeModel gives the planner.
 *
 * tfjs variable names are global to the process, so the variables are created unnamed and the
 * detector keeps its own name map: two detectors (a model and its reloaded copy, or an EMA
 * twin) can coexist.
 */
export function createDetector(spec: ModelSpec, opts: CreateDetectorOptions = {}): Detector {
  const arch = resolveArchitecture(spec);
  const block = opts.block ?? convBlock;
  const init = initialValues(arch, opts.seed ?? 0);
  const convs = new Map<string, ConvVars>();
  const params: DetectorParam[] = [];
  const buffers = new Map<string, tf.Variable>();
  const all = new Map<string, tf.Variable>();

  const make = <R extends tf.Rank>(name: string, shape: number[], trainable: boolean, group?: ParamGroup): tf.Variable<R> => {
    const data = init.get(name);
    if (data === undefined) throw new Error(`No initial value for ${name}`);
    // The variable shares the initial tensor's data; dropping our handle avoids keeping a
    // second reference alive after the detector is disposed.
    const initial = tf.tensor(data, shape, 'float32');
    const v = tf.variable(initial, trainable) as unknown as tf.Variable<R>;
    initial.dispose();
    all.set(name, v);
    if (group) params.push({ name, variable: v, group });
    else buffers.set(name, v);
    return v;
  };

  for (const node of arch.nodes) {
    for (const c of node.convs) {
      const cv: ConvVars = { spec: c, filter: make<tf.Rank.R4>(`${c.name}.filter`, [c.k, c.k, c.cIn, c.cOut], true, 'weight') };
      if (c.block) {
        cv.gamma = make<tf.Rank.R1>(`${c.name}.gamma`, [c.cOut], true, 'norm');
        // Norm shifts are biases (as in Ultralytics' param groups): no decay, and the SGD
        // bias-LR warmup applies to them.
        cv.beta = make<tf.Rank.R1>(`${c.name}.beta`, [c.cOut], true, 'bias');
        if (spec.norm === 'batch') {
          cv.runningMean = make<tf.Rank.R1>(`${c.name}.running_mean`, [c.cOut], false);
          cv.runningVar = make<tf.Rank.R1>(`${c.name}.running_var`, [c.cOut], false);
        }
      } else {
        cv.bias = make<tf.Rank.R1>(`${c.name}.bias`, [c.cOut], true, 'bias');
      }
      convs.set(c.name, cv);
    }
  }

  const conv = (name: string): ConvVars => {
    const c = convs.get(name);
    if (!c) throw new Error(`Unknown conv ${name}`);
    return c;
  };

  /** Conv + norm + SiLU through the block op; moves BatchNorm running stats when training. */
  let bnMomentum = BN_MOMENTUM;
  const runBlock = (x: tf.Tensor4D, name: string, training: boolean): tf.Tensor4D => {
    const c = conv(name);
    const o: ConvBlockOptions = { stride: c.spec.s, norm: spec.norm, groups: c.spec.groups, eps: NORM_EPS, training };
    if (spec.norm === 'batch') {
      const rm = c.runningMean!;
      const rv = c.runningVar!;
      if (training) {
        o.onBatchStats = (mean, variance) => {
          // PyTorch keeps the unbiased variance in its running estimate; the block hands the biased one.
          const [b, h, w] = x.shape;
          const n = b * Math.ceil(h / c.spec.s) * Math.ceil(w / c.spec.s);
          const unbias = n > 1 ? n / (n - 1) : 1;
          tf.tidy(() => {
            rm.assign(tf.add(tf.mul(rm, 1 - bnMomentum), tf.mul(mean, bnMomentum)));
            rv.assign(tf.add(tf.mul(rv, 1 - bnMomentum), tf.mul(variance, bnMomentum * unbias)));
          });
        };
      } else {
        o.running = { mean: rm, variance: rv };
      }
    }
    return block(x, { filter: c.filter, gamma: c.gamma!, beta: c.beta! }, o);
  };

  /** Plain 1x1 conv with bias as a matmul: [B, H, W, cIn] -> [B, H*W, cOut], the head's layout. */
  const pointwise = (x: tf.Tensor4D, name: string): tf.Tensor3D => {
    const c = conv(name);
    const [b, h, w, ci] = x.shape;
    const y = tf.matMul(tf.reshape(x, [b * h * w, ci]), tf.reshape(c.filter, [ci, c.spec.cOut]));
    return tf.reshape(tf.add(y, c.bias!), [b, h * w, c.spec.cOut]);
  };

  const c2f = (x: tf.Tensor4D, node: ResolvedNode, training: boolean): tf.Tensor4D => {
    const p = `m${node.index}`;
    const y = runBlock(x, `${p}.cv1`, training);
    const half = y.shape[3] / 2;
    // Two tf.slice calls rather than tf.split: appending to split's returned array breaks the tape.
    const parts: tf.Tensor4D[] = [tf.slice(y, [0, 0, 0, 0], [-1, -1, -1, half]), tf.slice(y, [0, 0, 0, half], [-1, -1, -1, half])];
    let cur = parts[1]!;
    const shortcut = node.def.kind === 'c2f' && node.def.shortcut;
    for (let i = 0; i < node.depth; i++) {
      const t = runBlock(runBlock(cur, `${p}.m${i}.cv1`, training), `${p}.m${i}.cv2`, training);
      cur = shortcut ? tf.add(cur, t) : t;
      parts.push(cur);
    }
    return runBlock(tf.concat(parts, 3), `${p}.cv2`, training);
  };

  const sppf = (x: tf.Tensor4D, node: ResolvedNode, training: boolean): tf.Tensor4D => {
    const p = `m${node.index}`;
    const k = node.def.kind === 'sppf' ? node.def.k : 5;
    const y0 = runBlock(x, `${p}.cv1`, training);
    const y1 = tf.maxPool(y0, k, 1, 'same');
    const y2 = tf.maxPool(y1, k, 1, 'same');
    const y3 = tf.maxPool(y2, k, 1, 'same');
    return runBlock(tf.concat([y0, y1, y2, y3], 3), `${p}.cv2`, training);
  };

  const detect = (inputs: tf.Tensor4D[], node: ResolvedNode, training: boolean): RawOutput => {
    const p = `m${node.index}`;
    const boxes: tf.Tensor3D[] = [];
    const classes: tf.Tensor3D[] = [];
    inputs.forEach((x, l) => {
      const b = runBlock(runBlock(x, `${p}.box${l}.0`, training), `${p}.box${l}.1`, training);
      boxes.push(pointwise(b, `${p}.box${l}.2`));
      const c = runBlock(runBlock(x, `${p}.cls${l}.0`, training), `${p}.cls${l}.1`, training);
      classes.push(pointwise(c, `${p}.cls${l}.2`));
    });
    return { box: tf.concat(boxes, 1), cls: tf.concat(classes, 1) };
  };

  const forward = (images: tf.Tensor4D, training: boolean, opts: ForwardOptions = {}): RawOutput => {
    const [, h, w, ch] = images.shape;
    if (h % 32 !== 0 || w % 32 !== 0 || ch !== 3) {
      throw new Error(`Detector input must be [B, H, W, 3] with H and W multiples of 32, got ${JSON.stringify(images.shape)}`);
    }
    bnMomentum = opts.bnMomentum ?? BN_MOMENTUM;
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      let result: RawOutput | undefined;
      for (const node of arch.nodes) {
        const ins = node.from.map((f) => (f < 0 ? images : outs[f]!));
        const x = ins[0]!;
        let y: tf.Tensor4D;
        switch (node.def.kind) {
          case 'conv':
            y = runBlock(x, `m${node.index}`, training);
            break;
          case 'c2f':
            y = c2f(x, node, training);
            break;
          case 'sppf':
            y = sppf(x, node, training);
            break;
          case 'upsample':
            y = tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
            break;
          case 'concat':
            y = tf.concat(ins, 3);
            break;
          case 'detect':
            result = detect(ins, node, training);
            y = x;
            break;
        }
        outs.push(y);
      }
      if (!result) throw new Error('Architecture has no detect layer');
      return result as unknown as tf.TensorContainer;
    }) as unknown as RawOutput;
  };

  let disposed = false;
  return {
    spec,
    arch,
    forward,
    params: () => [...params],
    trainableVariables: () => ({
      weights: params.filter((p) => p.group === 'weight').map((p) => p.variable),
      norms: params.filter((p) => p.group === 'norm').map((p) => p.variable),
      biases: params.filter((p) => p.group === 'bias').map((p) => p.variable),
    }),
    buffers: () => new Map(buffers),
    state: () => new Map(all),
    setState(values) {
      const get = (n: string): tf.Tensor | undefined => (values instanceof Map ? values.get(n) : values[n]);
      for (const [name, v] of all) {
        const t = get(name);
        if (t === undefined) continue;
        if (t.shape.join(',') !== v.shape.join(',')) {
          throw new Error(`Shape of ${name} is [${t.shape.join(', ')}], the model needs [${v.shape.join(', ')}]`);
        }
        v.assign(t);
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const v of all.values()) v.dispose();
    },
  };
}
