import type { Rng } from '../rng';

/** An RGB canvas being painted; float channels so soft edges blend without banding. */
export interface Canvas {
  width: number;
  height: number;
  px: Float32Array;
}

/** Approximately normal noise (sum of uniforms): cheap and deterministic from the generator. */
export function gauss(rng: Rng): number {
  return rng.next() + rng.next() + rng.next() - 1.5;
}

/** Brushed metal: gray base, per-row streaks, slow shading and fine grain. */
export function paintMetal(c: Canvas, rng: Rng): void {
  const base = rng.uniform(115, 160);
  const tint = [rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-6, 6)];
  const rows = Float32Array.from({ length: c.height }, () => gauss(rng) * 14);
  const gx = rng.uniform(-25, 25) / c.width;
  const gy = rng.uniform(-25, 25) / c.height;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const v = base + (rows[y] as number) + gx * x + gy * y + gauss(rng) * 10;
      const o = (y * c.width + x) * 3;
      for (let k = 0; k < 3; k++) c.px[o + k] = v + (tint[k] as number);
    }
  }
}

/** PCB: green solder mask with grain, copper traces and pads. */
export function paintPcb(c: Canvas, rng: Rng): void {
  const g = rng.uniform(80, 110);
  for (let i = 0; i < c.width * c.height; i++) {
    const n = gauss(rng) * 8;
    c.px[i * 3] = 25 + n;
    c.px[i * 3 + 1] = g + n;
    c.px[i * 3 + 2] = 45 + n;
  }
  const copper: [number, number, number] = [150, 130, 70];
  const traces = 2 + rng.int(4);
  for (let t = 0; t < traces; t++) {
    const w = 2 + rng.int(3);
    if (rng.chance(0.5)) {
      const y = rng.int(c.height);
      fillRect(c, 0, y, c.width, y + w, copper, 0.9);
    } else {
      const x = rng.int(c.width);
      fillRect(c, x, 0, x + w, c.height, copper, 0.9);
    }
  }
  const pads = rng.int(4);
  for (let p = 0; p < pads; p++) {
    const x = rng.uniform(0, c.width);
    const y = rng.uniform(0, c.height);
    fillRect(c, x - 3, y - 3, x + 3, y + 3, [190, 180, 150], 1);
  }
}

function fillRect(c: Canvas, x1: number, y1: number, x2: number, y2: number, rgb: readonly number[], alpha: number): void {
  for (let y = Math.max(0, Math.floor(y1)); y < Math.min(c.height, Math.ceil(y2)); y++) {
    for (let x = Math.max(0, Math.floor(x1)); x < Math.min(c.width, Math.ceil(x2)); x++) {
      const o = (y * c.width + x) * 3;
      for (let k = 0; k < 3; k++) c.px[o + k] = (c.px[o + k] as number) * (1 - alpha) + (rgb[k] as number) * alpha;
    }
  }
}

/** Blends colour into the canvas where `cover(x, y)` (0..1) says, inside the given bounds. */
export function paintShape(
  c: Canvas,
  bounds: { x1: number; y1: number; x2: number; y2: number },
  cover: (x: number, y: number) => number,
  color: (x: number, y: number) => readonly number[],
): void {
  for (let y = Math.max(0, Math.floor(bounds.y1) - 1); y < Math.min(c.height, Math.ceil(bounds.y2) + 1); y++) {
    for (let x = Math.max(0, Math.floor(bounds.x1) - 1); x < Math.min(c.width, Math.ceil(bounds.x2) + 1); x++) {
      const a = Math.min(1, Math.max(0, cover(x + 0.5, y + 0.5)));
      if (a <= 0) continue;
      const rgb = color(x + 0.5, y + 0.5);
      const o = (y * c.width + x) * 3;
      for (let k = 0; k < 3; k++) c.px[o + k] = (c.px[o + k] as number) * (1 - a) + (rgb[k] as number) * a;
    }
  }
}

/** Distance from (px, py) to the segment (ax, ay)-(bx, by). */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Canvas to 8-bit RGB. */
export function toBytes(c: Canvas): Uint8Array {
  const out = new Uint8Array(c.px.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(c.px[i] as number)));
  return out;
}
