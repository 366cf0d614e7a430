import type { Rng } from '../rng';
import { gauss, paintShape, segmentDistance, type Canvas } from './render';

/** Class names of the demo set, in label order. */
export const DEMO_CLASSES = ['scratch', 'spot', 'hole'] as const;

/** A painted defect: its class and its tight box in pixels. */
export interface PaintedDefect {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Paints one defect of class `cls` centred near (cx, cy), sized from `side` (the image's
 * shorter side). The three classes differ in shape and colour on purpose (a bright thin
 * line, a rust-brown irregular blob, a black disc with a bright rim), so a small detector can
 * learn them in minutes; each is at least ~12% of the shorter side.
 */
export function paintDefect(c: Canvas, rng: Rng, cls: number, cx: number, cy: number, side: number): PaintedDefect {
  if (cls === 0) {
    const len = side * rng.uniform(0.3, 0.55);
    // Diagonal-ish angles keep both box sides large enough to learn.
    const angle = rng.uniform(0.35, 1.2) + (rng.chance(0.5) ? Math.PI / 2 : 0);
    const dx = (Math.cos(angle) * len) / 2;
    const dy = (Math.sin(angle) * len) / 2;
    const half = Math.max(1.2, side * rng.uniform(0.012, 0.02));
    const [ax, ay, bx, by] = [cx - dx, cy - dy, cx + dx, cy + dy];
    const box = { x1: Math.min(ax, bx) - half, y1: Math.min(ay, by) - half, x2: Math.max(ax, bx) + half, y2: Math.max(ay, by) + half };
    const level = rng.uniform(225, 250);
    paintShape(c, box, (x, y) => half + 0.5 - segmentDistance(x, y, ax, ay, bx, by), () => [level, level, level - 5]);
    return { cls, ...box };
  }
  if (cls === 1) {
    const r = side * rng.uniform(0.08, 0.14);
    const rx = r * rng.uniform(0.8, 1.25);
    const ry = r * rng.uniform(0.8, 1.25);
    const wobble = Array.from({ length: 5 }, () => gauss(rng) * 0.25);
    const phase = rng.uniform(0, Math.PI * 2);
    const radius = (t: number): number => 1 + wobble.reduce((s, w, k) => s + w * Math.sin((k + 2) * t + phase) * 0.5, 0);
    const maxR = Math.max(rx, ry) * 1.4;
    const box = { x1: cx - maxR, y1: cy - maxR, x2: cx + maxR, y2: cy + maxR };
    const cover = (x: number, y: number): number => {
      const t = Math.atan2((y - cy) / ry, (x - cx) / rx);
      const d = Math.hypot((x - cx) / rx, (y - cy) / ry);
      return (radius(t) - d) * Math.min(rx, ry) + 0.5;
    };
    paintShape(c, box, cover, () => [135, 70, 30]);
    return { cls, ...tightBox(c, box, cover) };
  }
  const r = side * rng.uniform(0.06, 0.1);
  const rim = Math.max(1.5, r * 0.3);
  const box = { x1: cx - r - rim, y1: cy - r - rim, x2: cx + r + rim, y2: cy + r + rim };
  paintShape(c, box, (x, y) => r + rim + 0.5 - Math.hypot(x - cx, y - cy), () => [235, 235, 230]);
  paintShape(c, box, (x, y) => r + 0.5 - Math.hypot(x - cx, y - cy), () => [12, 12, 14]);
  return { cls, ...box };
}

/** The smallest box holding every pixel the shape covers by at least half. */
function tightBox(c: Canvas, b: { x1: number; y1: number; x2: number; y2: number }, cover: (x: number, y: number) => number): { x1: number; y1: number; x2: number; y2: number } {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let y = Math.max(0, Math.floor(b.y1)); y < Math.min(c.height, Math.ceil(b.y2)); y++) {
    for (let x = Math.max(0, Math.floor(b.x1)); x < Math.min(c.width, Math.ceil(b.x2)); x++) {
      if (cover(x + 0.5, y + 0.5) < 0.5) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
    }
  }
  return x1 === Infinity ? b : { x1, y1, x2, y2 };
}
