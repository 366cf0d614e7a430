/**
 * Formula-driven defect-like objects for pretraining: eight families that cover the shapes
 * inspection finds (lines, curves, blobs, pit clusters, crack networks, IFS fractals as in the
 * FractalDB papers, rings, textured patches), each painted as a soft coverage mask blended at a
 * random contrast (bright or dark, faint or strong) over the surface, with its tight box.
 */
import type { Rng } from '../rng';
import { gauss, segmentDistance } from '../demo/render';
import { fbm, type Gray } from './textures';

/** The families, in label order (the pretraining set's class names). */
export const PRETRAIN_CLASSES = ['line', 'curve', 'blob', 'pits', 'cracks', 'fractal', 'ring', 'patch'] as const;

/** An object's tight box in pixels. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A coverage mask (0..1) over a pixel window of the image. */
interface Mask {
  x0: number;
  y0: number;
  w: number;
  h: number;
  a: Float32Array;
}

function maskFor(g: Gray, cx: number, cy: number, half: number): Mask {
  const x0 = Math.max(0, Math.floor(cx - half));
  const y0 = Math.max(0, Math.floor(cy - half));
  const w = Math.max(1, Math.min(g.width, Math.ceil(cx + half)) - x0);
  const h = Math.max(1, Math.min(g.height, Math.ceil(cy + half)) - y0);
  return { x0, y0, w, h, a: new Float32Array(w * h) };
}

/** Raises the mask to `cover(x, y)` (pixel centres, image coordinates) inside a sub-window. */
function cover(m: Mask, b: Box, f: (x: number, y: number) => number): void {
  const xa = Math.max(m.x0, Math.floor(b.x1));
  const xb = Math.min(m.x0 + m.w, Math.ceil(b.x2));
  const ya = Math.max(m.y0, Math.floor(b.y1));
  const yb = Math.min(m.y0 + m.h, Math.ceil(b.y2));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const c = Math.min(1, f(x + 0.5, y + 0.5));
      const i = (y - m.y0) * m.w + (x - m.x0);
      if (c > (m.a[i] as number)) m.a[i] = c;
    }
  }
}

/** A thick segment into the mask. */
function stroke(m: Mask, ax: number, ay: number, bx: number, by: number, half: number): void {
  const b = { x1: Math.min(ax, bx) - half - 1, y1: Math.min(ay, by) - half - 1, x2: Math.max(ax, bx) + half + 1, y2: Math.max(ay, by) + half + 1 };
  cover(m, b, (x, y) => half + 0.5 - segmentDistance(x, y, ax, ay, bx, by));
}

/** A polyline into the mask. */
function polyline(m: Mask, pts: readonly [number, number][], half: number): void {
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1]!;
    const [bx, by] = pts[i]!;
    stroke(m, ax, ay, bx, by, half);
  }
}

/** A filled disc into the mask. */
function disc(m: Mask, x: number, y: number, r: number): void {
  cover(m, { x1: x - r - 1, y1: y - r - 1, x2: x + r + 1, y2: y + r + 1 }, (px, py) => r + 0.5 - Math.hypot(px - x, py - y));
}

/** An irregular closed region: radius 1 + low harmonics, soft edge of `soft` pixels. */
function region(m: Mask, rng: Rng, cx: number, cy: number, rx: number, ry: number, roughness: number, soft: number): void {
  const waves = Array.from({ length: 6 }, () => gauss(rng) * roughness);
  const phase = Array.from({ length: 6 }, () => rng.uniform(0, Math.PI * 2));
  const radius = (t: number): number => 1 + waves.reduce((s, w, k) => s + w * Math.sin((k + 2) * t + (phase[k] as number)) * 0.4, 0);
  const maxR = Math.max(rx, ry) * (1 + 2 * roughness) + soft;
  const rot = rng.uniform(0, Math.PI);
  const [c, s] = [Math.cos(rot), Math.sin(rot)];
  cover(m, { x1: cx - maxR, y1: cy - maxR, x2: cx + maxR, y2: cy + maxR }, (x, y) => {
    const u = ((x - cx) * c + (y - cy) * s) / rx;
    const v = (-(x - cx) * s + (y - cy) * c) / ry;
    return ((radius(Math.atan2(v, u)) - Math.hypot(u, v)) * Math.min(rx, ry)) / soft + 0.5;
  });
}

/** Chaos-game points of a random iterated function system (2-4 contractive affine maps), in [0, 1]^2. */
function ifsPoints(rng: Rng, n: number): [number, number][] {
  const maps = Array.from({ length: 2 + rng.int(3) }, () => {
    const sc = rng.uniform(0.3, 0.65);
    const th = rng.uniform(0, Math.PI * 2);
    const sk = rng.uniform(0.6, 1.4);
    return [sc * Math.cos(th), -sc * sk * Math.sin(th), sc * Math.sin(th), sc * sk * Math.cos(th), rng.uniform(-1, 1), rng.uniform(-1, 1)] as const;
  });
  const pts: [number, number][] = [];
  let [x, y] = [0, 0];
  for (let i = 0; i < n + 20; i++) {
    const [a, b, c, d, e, f] = maps[rng.int(maps.length)]!;
    [x, y] = [a * x + b * y + e, c * x + d * y + f];
    if (i >= 20) pts.push([x, y]);
  }
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return pts.map(([px, py]) => [(px - minX) / (maxX - minX || 1), (py - minY) / (maxY - minY || 1)]);
}

/** Paints family `cls`'s shape into a mask around (cx, cy), about `size` pixels across. */
function shape(g: Gray, rng: Rng, cls: number, cx: number, cy: number, size: number): Mask {
  const m = maskFor(g, cx, cy, size * 0.75 + 4);
  const half = Math.max(0.6, size * rng.uniform(0.01, 0.04));
  const angle = rng.uniform(0, Math.PI);
  const [dx, dy] = [Math.cos(angle) * size * 0.5, Math.sin(angle) * size * 0.5];
  switch (PRETRAIN_CLASSES[cls]) {
    case 'line':
      stroke(m, cx - dx, cy - dy, cx + dx, cy + dy, half);
      break;
    case 'curve': {
      const bend = rng.uniform(0.15, 0.5) * size;
      const waves = rng.uniform(0.5, 2);
      const pts: [number, number][] = [];
      for (let i = 0; i <= 16; i++) {
        const t = i / 16 - 0.5;
        const off = Math.sin(t * Math.PI * 2 * waves) * bend * 0.5;
        pts.push([cx + 2 * dx * t - Math.sin(angle) * off, cy + 2 * dy * t + Math.cos(angle) * off]);
      }
      polyline(m, pts, half);
      break;
    }
    case 'blob':
      region(m, rng, cx, cy, size * rng.uniform(0.25, 0.45), size * rng.uniform(0.25, 0.45), 0.3, rng.uniform(1, size * 0.1 + 1));
      break;
    case 'pits': {
      const n = 5 + rng.int(25);
      const r = Math.max(0.8, size * rng.uniform(0.02, 0.06));
      for (let i = 0; i < n; i++) disc(m, cx + gauss(rng) * size * 0.3, cy + gauss(rng) * size * 0.3, r * rng.uniform(0.6, 1.4));
      break;
    }
    case 'cracks': {
      const thin = Math.max(0.5, half * 0.5);
      const walk = (x: number, y: number, dir: number, steps: number, depth: number): void => {
        const pts: [number, number][] = [[x, y]];
        const step = size / 14;
        for (let i = 0; i < steps; i++) {
          dir += gauss(rng) * 0.8;
          x += Math.cos(dir) * step;
          y += Math.sin(dir) * step;
          if (Math.hypot(x - cx, y - cy) > size * 0.55) break;
          pts.push([x, y]);
          if (depth < 2 && rng.chance(0.15)) walk(x, y, dir + rng.uniform(0.6, 1.4) * (rng.chance(0.5) ? 1 : -1), steps - i, depth + 1);
        }
        polyline(m, pts, thin);
      };
      for (let k = 0; k < 1 + rng.int(3); k++) walk(cx + gauss(rng) * size * 0.1, cy + gauss(rng) * size * 0.1, rng.uniform(0, Math.PI * 2), 10, 0);
      break;
    }
    case 'fractal': {
      const w = size * rng.uniform(0.6, 1);
      const h = size * rng.uniform(0.6, 1);
      const dot = Math.max(0.5, size / 60);
      for (const [u, v] of ifsPoints(rng, 1500 + rng.int(2500))) {
        const x = cx + (u - 0.5) * w;
        const y = cy + (v - 0.5) * h;
        cover(m, { x1: x - dot - 1, y1: y - dot - 1, x2: x + dot + 1, y2: y + dot + 1 }, (px, py) => dot + 0.5 - Math.hypot(px - x, py - y));
      }
      break;
    }
    case 'ring': {
      const r = size * rng.uniform(0.25, 0.45);
      const width = rng.chance(0.5) ? r : Math.max(1, r * rng.uniform(0.15, 0.4));
      cover(m, { x1: cx - r - 1, y1: cy - r - 1, x2: cx + r + 1, y2: cy + r + 1 }, (x, y) => {
        const d = Math.hypot(x - cx, y - cy);
        return Math.min(r + 0.5 - d, d - (r - width) + 0.5);
      });
      break;
    }
    default:
      region(m, rng, cx, cy, size * rng.uniform(0.3, 0.5), size * rng.uniform(0.2, 0.5), 0.15, 1.5);
  }
  return m;
}

/** The smallest box of mask pixels covered at least half, or null when the shape fell outside. */
function tightBox(m: Mask): Box | null {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < m.h; y++) {
    for (let x = 0; x < m.w; x++) {
      if ((m.a[y * m.w + x] as number) < 0.5) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
    }
  }
  return x1 === Infinity ? null : { x1: m.x0 + x1, y1: m.y0 + y1, x2: m.x0 + x2, y2: m.y0 + y2 };
}

/**
 * Paints one object of family `cls` (about `size` pixels across) centred near (cx, cy) and returns
 * its tight box, or null when too little of it is visible to label. Its tone is the surface's
 * local level plus or minus a contrast from faint (20) to strong (90); a patch carries its own
 * texture instead of a flat tone.
 */
export function paintObject(g: Gray, rng: Rng, cls: number, cx: number, cy: number, size: number): Box | null {
  const m = shape(g, rng, cls, cx, cy, size);
  const box = tightBox(m);
  if (!box || box.x2 - box.x1 < 3 || box.y2 - box.y1 < 3) return null;
  let sum = 0;
  for (let y = 0; y < m.h; y++) for (let x = 0; x < m.w; x++) sum += g.v[(m.y0 + y) * g.width + m.x0 + x] as number;
  const local = sum / (m.w * m.h);
  const contrast = rng.uniform(20, 90) * (rng.chance(0.5) ? 1 : -1);
  const texture = PRETRAIN_CLASSES[cls] === 'patch' ? fbm(rng, m.w, m.h, Math.max(2, size * rng.uniform(0.03, 0.15)), 3) : null;
  const texAmp = rng.uniform(15, 45);
  for (let y = 0; y < m.h; y++) {
    for (let x = 0; x < m.w; x++) {
      const a = m.a[y * m.w + x] as number;
      if (a <= 0) continue;
      const o = (m.y0 + y) * g.width + m.x0 + x;
      const tone = local + contrast * (texture ? 0.5 : 1) + (texture ? texAmp * (texture[y * m.w + x] as number) : gauss(rng) * 4);
      g.v[o] = (g.v[o] as number) * (1 - a) + tone * a;
    }
  }
  return box;
}
