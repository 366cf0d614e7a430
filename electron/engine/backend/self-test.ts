import * as tf from '@tensorflow/tfjs-core';
import '../tf-gradients';

/**
 * The tiny conv check every backend must pass before Kestrel trains on it.
 *
 * Why: a backend can load and still be wrong (a missing or broken gradient kernel, a GPU whose
 * kernels TF cannot run). One stride-2 'same' and one stride-1 'valid' conv, forward and both
 * gradients, against numbers worked out with a plain nested-loop convolution (not TF.js), on
 * inputs chosen so every value is exact in float32.
 */

interface SelfTestCase {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  stride: 1 | 2;
  pad: 'same' | 'valid';
  y: number[];
  dx: number[];
  dFilter: number[];
}

const CASES: SelfTestCase[] = [
  {
    name: 'conv 3x3 stride 2 same',
    xShape: [1, 4, 4, 2],
    filterShape: [3, 3, 2, 2],
    stride: 2,
    pad: 'same',
    y: [-0.25, -4.75, 3.5, -0.875, -1.125, -1.25, -1.625, 0.5],
    dx: [
      1.5, 0, -1.5, 0.5, -0.5, -1, 2.5, -3.5, -0.5, 1.5, 0, -1.5, 0, -0.5, -2, 2.5, -4.5, 0.5, 5.5, 0, 4.5, -5.5, 1, -3.5, 2, -5.5, 1, 4, -0.5,
      4, -1, 0.5,
    ],
    dFilter: [
      -0.75, 2, 1.75, -2.75, 1.5, 0.75, -4.25, 1.5, 2, -0.75, 0, 0.25, 0, 2.5, 2.5, -2.25, 2.25, 1.25, -0.75, 2, 2.5, -1, 0.5, 0, 1.5, 1.5,
      -1.25, -0.5, -1.25, -2.5, 1.5, 1, -0.75, 0, 0.25, 0,
    ],
  },
  {
    name: 'conv 2x2 stride 1 valid',
    xShape: [1, 3, 3, 1],
    filterShape: [2, 2, 1, 1],
    stride: 1,
    pad: 'valid',
    y: [2.125, -0.5, -1.625, -0.125],
    dx: [1.5, -1, 0, -1.5, -1, 2, 0, -1, -2],
    dFilter: [3, -1.75, -0.25, -2.25],
  },
];

/** Inputs of the self-test, from closed formulas so the expected numbers can be recomputed anywhere. */
export function selfTestInputs(c: { xShape: number[]; filterShape: number[] }, outSize: number) {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    x: Array.from({ length: size(c.xShape) }, (_, i) => ((i * 7) % 11 - 5) / 4),
    filter: Array.from({ length: size(c.filterShape) }, (_, i) => ((i * 5) % 7 - 3) / 2),
    /** Loss = sum(y * g). */
    g: Array.from({ length: outSize }, (_, i) => (i % 5) - 1),
  };
}

/** The cases, exposed so a unit test can recompute them independently. */
export const SELF_TEST_CASES: readonly SelfTestCase[] = CASES;

/** Largest disagreement allowed, relative to max(1, |expected|): loose enough for TF32 on GPUs. */
const TOLERANCE = 2e-3;

function mismatch(name: string, got: ArrayLike<number>, want: number[]): string | null {
  if (got.length !== want.length) return `${name}: ${got.length} values, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(Math.abs(g - w) <= TOLERANCE * Math.max(1, Math.abs(w)))) return `${name}[${i}] = ${g}, expected ${w}`;
  }
  return null;
}

/**
 * Runs the self-test on the current backend: null when it passes, else what was wrong.
 * Reads results back (sync points), which is fine once at start-up.
 */
export async function runSelfTest(): Promise<string | null> {
  for (const c of CASES) {
    const { x: xv, filter: fv, g: gv } = selfTestInputs(c, c.y.length);
    const res = tf.tidy(() => {
      const x = tf.tensor4d(xv, c.xShape);
      const f = tf.tensor4d(fv, c.filterShape);
      const y = tf.conv2d(x, f, c.stride, c.pad);
      const g = tf.reshape(tf.tensor1d(gv), y.shape);
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), g)));
      const [dx, df] = grads([x, f]);
      return { y, dx: dx!, df: df! };
    });
    try {
      const [y, dx, df] = await Promise.all([res.y.data(), res.dx.data(), res.df.data()]);
      const bad = mismatch(`${c.name}: forward`, y, c.y) ?? mismatch(`${c.name}: input gradient`, dx, c.dx) ?? mismatch(`${c.name}: filter gradient`, df, c.dFilter);
      if (bad) return bad;
    } finally {
      res.y.dispose();
      res.dx.dispose();
      res.df.dispose();
    }
  }
  return null;
}
