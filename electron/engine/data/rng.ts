/**
 * Seeded pseudo-random numbers for splits, shuffles and augmentation.
 *
 * Why not Math.random: a run must be reproducible from its seed, and every sample must draw
 * the same numbers whichever worker thread happens to build it. So each sample gets its own
 * generator derived from (seed, epoch, position) instead of sharing one stream.
 */

/** A seeded generator of uniform numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** Mixes 32-bit words into one well-spread 32-bit seed (murmur3 finaliser per word). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Split doubles into two words so large or fractional parts still change the result.
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      let k = Math.imul(w, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * sfc32 generator seeded from the given parts.
 *
 * sfc32 passes PractRand, is a few adds and shifts per number, and has no bad seeds once
 * warmed up, which mulberry32's single-word state cannot promise.
 */
export function createRng(...seedParts: number[]): Rng {
  let a = deriveSeed(...seedParts, 1);
  let b = deriveSeed(...seedParts, 2);
  let c = deriveSeed(...seedParts, 3);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    chance: (p) => p > 0 && next() < p,
  };
}

/** Fisher-Yates shuffle in place with the given generator; returns the array. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** Stable 32-bit hash of a string (FNV-1a), to fold ids into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
