/**
 * Pure weight transforms for export: TF.js filter layout to ONNX's, and BatchNorm (eval mode,
 * running statistics) folded into the convolution's weights and bias.
 */

/** TF.js conv filter [kh, kw, cin, cout] -> ONNX Conv weight [cout, cin, kh, kw]. */
export function hwioToOihw(filter: ArrayLike<number>, kh: number, kw: number, cin: number, cout: number): Float32Array {
  if (filter.length !== kh * kw * cin * cout) throw new Error(`hwioToOihw: ${filter.length} values for [${kh}, ${kw}, ${cin}, ${cout}]`);
  const out = new Float32Array(filter.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = filter[src + o] as number;
      }
    }
  }
  return out;
}

/** BatchNorm parameters of one block (per output channel). */
export interface BatchNormParams {
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  eps: number;
}

/**
 * Folds eval-mode BatchNorm into the preceding bias-free conv (weights in ONNX layout,
 * [cout, ...]): with s = gamma / sqrt(var + eps), W'[o] = W[o] * s[o] and b'[o] = beta[o] - mean[o] * s[o],
 * so conv(x, W') + b' = BN(conv(x, W)). Computed in float64, stored as float32.
 */
export function foldBatchNorm(weightOihw: ArrayLike<number>, cout: number, bn: BatchNormParams): { weight: Float32Array; bias: Float32Array } {
  const per = weightOihw.length / cout;
  if (!Number.isInteger(per)) throw new Error(`foldBatchNorm: ${weightOihw.length} weights for ${cout} channels`);
  const weight = new Float32Array(weightOihw.length);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = (bn.gamma[o] as number) / Math.sqrt((bn.variance[o] as number) + bn.eps);
    bias[o] = (bn.beta[o] as number) - (bn.mean[o] as number) * s;
    for (let j = 0; j < per; j++) weight[o * per + j] = (weightOihw[o * per + j] as number) * s;
  }
  return { weight, bias };
}

/**
 * ONNX Conv pads [top, left, bottom, right] that reproduce TF's 'same' padding for a square
 * input of side `inSide`: TF puts the odd pixel at the bottom/right, so a stride-2 3x3 conv on
 * an even side pads [0, 0, 1, 1], not [1, 1, 1, 1].
 */
export function samePads(inSide: number, k: number, s: number): [number, number, number, number] {
  const out = Math.ceil(inSide / s);
  const total = Math.max((out - 1) * s + k - inSide, 0);
  const before = Math.floor(total / 2);
  const after = total - before;
  return [before, before, after, after];
}
