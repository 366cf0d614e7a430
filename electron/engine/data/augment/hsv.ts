/**
 * Shifts hue and scales saturation and value of RGB bytes in place.
 *
 * dh is a fraction of the colour circle; gs and gv multiply saturation and value. Gray pixels
 * (no hue) take the fast path: only value changes, which is what grayscale steel images need.
 */
export function hsvJitter(data: Uint8Array, dh: number, gs: number, gv: number): void {
  const shift = (((dh * 6) % 6) + 6) % 6;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i] as number;
    const g = data[i + 1] as number;
    const b = data[i + 2] as number;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const v = Math.min(255, max * gv);
    const delta = max - min;
    if (delta === 0) {
      const o = Math.round(v);
      data[i] = o;
      data[i + 1] = o;
      data[i + 2] = o;
      continue;
    }
    const s = Math.min(1, (delta / max) * gs);
    let h: number;
    if (max === r) h = (g - b) / delta;
    else if (max === g) h = (b - r) / delta + 2;
    else h = (r - g) / delta + 4;
    h += shift;
    h = ((h % 6) + 6) % 6;
    const c = v * s;
    const x = c * (1 - Math.abs((h % 2) - 1));
    const m = v - c;
    let rr = 0;
    let gg = 0;
    let bb = 0;
    if (h < 1) {
      rr = c;
      gg = x;
    } else if (h < 2) {
      rr = x;
      gg = c;
    } else if (h < 3) {
      gg = c;
      bb = x;
    } else if (h < 4) {
      gg = x;
      bb = c;
    } else if (h < 5) {
      rr = x;
      bb = c;
    } else {
      rr = c;
      bb = x;
    }
    data[i] = Math.round(rr + m);
    data[i + 1] = Math.round(gg + m);
    data[i + 2] = Math.round(bb + m);
  }
}
