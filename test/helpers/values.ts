/**
 * Deterministic pseudo-random values (a linear congruential generator), uniform in
 * offset ± scale, so a failing numeric test reproduces.
 */
export function values(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = offset + scale * (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}
