/**
 * Index arithmetic that turns the two convolution gradients into forward convolutions, which
 * the wasm backend runs through XNNPACK (its own backprop-input kernel is a plain loop, and it
 * has no backprop-filter kernel at all). Pure functions, one spatial dimension at a time.
 */

/** One spatial dimension of a forward convolution (dilation 1, as tfjs conv gradients require). */
export interface ConvDim {
  /** Input size. */
  inSize: number;
  /** Output size of the forward conv. */
  outSize: number;
  filterSize: number;
  stride: number;
  /** Zero padding before the input (top or left) of the forward conv. */
  padBefore: number;
}

/**
 * How the filter gradient runs as a conv of the input (batch and channels swapped) with the
 * output gradient as the filter, dilated by the stride: `cropEnd` input rows are never read by
 * the forward conv and are dropped; `padBefore`/`padAfter` make the result exactly filterSize long.
 */
export interface FilterGradDim {
  padBefore: number;
  padAfter: number;
  cropEnd: number;
}

/** Plan of the filter gradient in one dimension. */
export function filterGradDim(d: ConvDim): FilterGradDim {
  // Output length of a stride-1 conv, dilation s, kernel outSize: in + pads - ((out-1)*s + 1) + 1.
  const padAfter = d.filterSize + (d.outSize - 1) * d.stride - d.inSize - d.padBefore;
  return padAfter >= 0
    ? { padBefore: d.padBefore, padAfter, cropEnd: 0 }
    : { padBefore: d.padBefore, padAfter: 0, cropEnd: -padAfter };
}

/**
 * How the input gradient runs as one stride-1 conv over the output gradient that produces
 * stride x stride "phases" side by side in its channels, interleaved afterwards (depth-to-space).
 *
 * Input row `i*s + p` (phase p) receives dy[i + m] * w[k] for every tap k with
 * p + padBefore - k = m*s; the conv's tap t covers offset m = t + mMin.
 */
export interface InputGradDim {
  /** Taps of the phase filter. */
  size: number;
  /** For phase p and tap t: the original filter tap, or -1 (zero). Indexed [p * size + t]. */
  taps: number[];
  /** Padding/cropping of dy so the conv returns exactly ceil(inSize / stride) rows. */
  padBefore: number;
  padAfter: number;
  cropBefore: number;
  cropAfter: number;
  /** Rows per phase: ceil(inSize / stride). */
  phaseSize: number;
}

/** Plan of the input gradient in one dimension. */
export function inputGradDim(d: ConvDim): InputGradDim {
  const s = d.stride;
  let mMin = Infinity;
  let mMax = -Infinity;
  for (let p = 0; p < s; p++) {
    for (let k = 0; k < d.filterSize; k++) {
      const num = p + d.padBefore - k;
      if (num % s !== 0) continue;
      const m = num / s;
      mMin = Math.min(mMin, m);
      mMax = Math.max(mMax, m);
    }
  }
  if (!Number.isFinite(mMin)) {
    // Cannot happen for filterSize >= 1 (phase (padBefore mod s) always has tap 0).
    throw new Error('inputGradDim: no tap reaches any phase');
  }
  const size = mMax - mMin + 1;
  const taps = new Array<number>(s * size).fill(-1);
  for (let p = 0; p < s; p++) {
    for (let t = 0; t < size; t++) {
      const k = p + d.padBefore - s * (t + mMin);
      if (k >= 0 && k < d.filterSize) taps[p * size + t] = k;
    }
  }
  const phaseSize = Math.ceil(d.inSize / s);
  let padBefore = -mMin;
  let cropBefore = 0;
  if (padBefore < 0) {
    cropBefore = -padBefore;
    padBefore = 0;
  }
  // conv output rows = (outSize - cropBefore) + padBefore + padAfter - size + 1 = phaseSize
  let padAfter = phaseSize - (d.outSize - cropBefore) - padBefore + size - 1;
  let cropAfter = 0;
  if (padAfter < 0) {
    cropAfter = -padAfter;
    padAfter = 0;
  }
  return { size, taps, padBefore, padAfter, cropBefore, cropAfter, phaseSize };
}

/**
 * Gather indices that build the phase filter [th, tw, sh, sw] from the original filter's taps
 * flattened as kh * kw_size + kw; `zeroIndex` (one past the last tap) selects a zero row.
 */
export function phaseFilterIndices(
  h: InputGradDim,
  w: InputGradDim,
  strideH: number,
  strideW: number,
  filterH: number,
  filterW: number,
): Int32Array {
  const zeroIndex = filterH * filterW;
  const out = new Int32Array(h.size * w.size * strideH * strideW);
  let i = 0;
  for (let th = 0; th < h.size; th++) {
    for (let tw = 0; tw < w.size; tw++) {
      for (let ph = 0; ph < strideH; ph++) {
        for (let pw = 0; pw < strideW; pw++) {
          const kh = h.taps[ph * h.size + th] ?? -1;
          const kw = w.taps[pw * w.size + tw] ?? -1;
          out[i++] = kh < 0 || kw < 0 ? zeroIndex : kh * filterW + kw;
        }
      }
    }
  }
  return out;
}

/**
 * The phase filter [th, tw, cOut, sh * sw * cIn] of the input gradient, from the forward filter
 * [kh, kw, cIn, cOut] (flat, row-major) and {@link phaseFilterIndices}. Built on the host:
 * filters are small, and wasm's Reverse and Gather are ~20x slower than this loop.
 */
export function buildPhaseFilter(
  w: ArrayLike<number>,
  filterShape: readonly [number, number, number, number],
  indices: Int32Array,
  h: InputGradDim,
  wd: InputGradDim,
  strideH: number,
  strideW: number,
): Float32Array {
  const [kh, kw, ci, co] = filterShape;
  const zeroIndex = kh * kw;
  const phases = strideH * strideW;
  const out = new Float32Array(h.size * wd.size * co * phases * ci);
  for (let th = 0; th < h.size; th++) {
    for (let tw = 0; tw < wd.size; tw++) {
      const tap = th * wd.size + tw;
      for (let p = 0; p < phases; p++) {
        const e = indices[tap * phases + p]!;
        if (e === zeroIndex) continue;
        const src = e * ci * co;
        for (let o = 0; o < co; o++) {
          const dst = ((tap * co + o) * phases + p) * ci;
          for (let c = 0; c < ci; c++) out[dst + c] = w[src + c * co + o]!;
        }
      }
    }
  }
  return out;
}
