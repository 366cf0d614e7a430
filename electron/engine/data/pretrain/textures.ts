/**
 * Formula-driven surfaces for pretraining images: multi-octave value noise, directional streaks
 * (rolled or brushed stock), gratings (woven or machined) and their mixes, gray or lightly
 * tinted. Nothing here comes from a photo: every pixel is a formula of the seed.
 */
import type { Rng } from '../rng';
import { gauss } from '../demo/render';

/** A one-channel surface being painted (values in 0..255, floats). */
export interface Gray {
  width: number;
  height: number;
  v: Float32Array;
}

/** Value noise on a grid of `cell` pixels, bilinear between random lattice values in [-1, 1]. */
export function valueNoise(rng: Rng, width: number, height: number, cell: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.uniform(-1, 1));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = y / cell;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const sy = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < width; x++) {
      const fx = x / cell;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const sx = tx * tx * (3 - 2 * tx);
      const a = grid[y0 * gw + x0] as number;
      const b = grid[y0 * gw + x0 + 1] as number;
      const c = grid[(y0 + 1) * gw + x0] as number;
      const d = grid[(y0 + 1) * gw + x0 + 1] as number;
      out[y * width + x] = (a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy;
    }
  }
  return out;
}

/** Fractal (fBm) noise: octaves of value noise from `cell` pixels down, each half the last's amplitude. */
export function fbm(rng: Rng, width: number, height: number, cell: number, octaves: number): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  let c = cell;
  for (let o = 0; o < octaves && c >= 1; o++) {
    const n = valueNoise(rng, width, height, c);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + amp * (n[i] as number);
    amp *= 0.5;
    c /= 2;
  }
  return out;
}

/** Streaks along an angle: a 1-D noise profile across the direction, like rolled or brushed stock. */
function streaks(rng: Rng, width: number, height: number, angle: number): Float32Array {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const span = Math.ceil(Math.abs(width * sin) + Math.abs(height * cos)) + 2;
  const profile = Float32Array.from({ length: span }, () => gauss(rng) * 2);
  const out = new Float32Array(width * height);
  const off = Math.abs(Math.min(0, -width * sin)) + Math.abs(Math.min(0, height * cos));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.round(-x * sin + y * cos + off);
      out[y * width + x] = profile[Math.max(0, Math.min(span - 1, t))] as number;
    }
  }
  return out;
}

/** A sinusoidal grating (period in pixels, along an angle). */
function grating(width: number, height: number, period: number, angle: number): Float32Array {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = Math.sin((2 * Math.PI * (x * cos + y * sin)) / period);
  return out;
}

/**
 * A random surface: a base level, broad shading, and one to three texture layers (fBm, streaks,
 * grating) at random scales and strengths, plus fine grain. Low- and high-contrast alike.
 */
export function paintSurface(rng: Rng, width: number, height: number): Gray {
  const v = new Float32Array(width * height);
  const side = Math.min(width, height);
  const base = rng.uniform(50, 200);
  const shade = fbm(rng, width, height, Math.max(8, side * rng.uniform(0.5, 1.2)), 1);
  const shadeAmp = rng.uniform(0, 30);
  for (let i = 0; i < v.length; i++) v[i] = base + shadeAmp * (shade[i] as number);
  const layers = 1 + rng.int(3);
  for (let l = 0; l < layers; l++) {
    const kind = rng.int(3);
    const amp = rng.uniform(3, 28);
    const layer =
      kind === 0
        ? fbm(rng, width, height, Math.max(2, side * rng.uniform(0.02, 0.25)), 1 + rng.int(4))
        : kind === 1
          ? streaks(rng, width, height, rng.chance(0.6) ? (rng.chance(0.5) ? 0 : Math.PI / 2) : rng.uniform(0, Math.PI))
          : grating(width, height, rng.uniform(3, Math.max(4, side / 6)), rng.uniform(0, Math.PI));
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + amp * (layer[i] as number) * 0.5;
  }
  const grain = rng.uniform(1, 12);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + gauss(rng) * grain;
  return { width, height, v };
}

/** Gray to 8-bit RGB: mostly gray (most inspection cameras are), sometimes lightly tinted. */
export function toRgb(g: Gray, rng: Rng): Uint8Array {
  const tint = rng.chance(0.6) ? [1, 1, 1] : [rng.uniform(0.75, 1.2), rng.uniform(0.75, 1.2), rng.uniform(0.75, 1.2)];
  const out = new Uint8Array(g.v.length * 3);
  for (let i = 0; i < g.v.length; i++) {
    const val = g.v[i] as number;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.max(0, Math.min(255, Math.round(val * (tint[k] as number))));
  }
  return out;
}
