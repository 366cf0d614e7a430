import { PAD_VALUE } from '../letterbox';
import { clipBoxes } from './affine';
import type { Sample } from './sample';

/**
 * Places the real pixels of four samples around the point (xc, yc) of a 2s x 2s gray canvas
 * (top-left, top-right, bottom-left, bottom-right), the YOLO mosaic. Each image is anchored at
 * the centre and cut only by the canvas edge, so clipping boxes to the canvas is exact.
 * A random scale/translate warp then brings the canvas back to s x s.
 */
export function mosaic4(samples: readonly [Sample, Sample, Sample, Sample], s: number, xc: number, yc: number): Sample {
  const size = 2 * s;
  const out = new Uint8Array(size * size * 3).fill(PAD_VALUE);
  const boxes: number[] = [];
  const cls: number[] = [];
  const ignore: number[] = [];
  samples.forEach((smp, i) => {
    const { x: cx, y: cy, width: w, height: h } = smp.content;
    let x1a: number, y1a: number, x2a: number, y2a: number, x1b: number, y1b: number;
    if (i === 0) {
      x1a = Math.max(xc - w, 0);
      y1a = Math.max(yc - h, 0);
      x2a = xc;
      y2a = yc;
      x1b = w - (x2a - x1a);
      y1b = h - (y2a - y1a);
    } else if (i === 1) {
      x1a = xc;
      y1a = Math.max(yc - h, 0);
      x2a = Math.min(xc + w, size);
      y2a = yc;
      x1b = 0;
      y1b = h - (y2a - y1a);
    } else if (i === 2) {
      x1a = Math.max(xc - w, 0);
      y1a = yc;
      x2a = xc;
      y2a = Math.min(size, yc + h);
      x1b = w - (x2a - x1a);
      y1b = 0;
    } else {
      x1a = xc;
      y1a = yc;
      x2a = Math.min(xc + w, size);
      y2a = Math.min(size, yc + h);
      x1b = 0;
      y1b = 0;
    }
    const cw = x2a - x1a;
    const ch = y2a - y1a;
    for (let y = 0; y < ch; y++) {
      const srcStart = ((cy + y1b + y) * smp.width + cx + x1b) * 3;
      out.set(smp.data.subarray(srcStart, srcStart + cw * 3), ((y1a + y) * size + x1a) * 3);
    }
    // Box coordinates are in the sample's own frame; the content starts at (cx, cy) there.
    const dx = x1a - x1b - cx;
    const dy = y1a - y1b - cy;
    for (let k = 0; k < smp.cls.length; k++) {
      boxes.push(
        (smp.boxes[k * 4] as number) + dx,
        (smp.boxes[k * 4 + 1] as number) + dy,
        (smp.boxes[k * 4 + 2] as number) + dx,
        (smp.boxes[k * 4 + 3] as number) + dy,
      );
      cls.push(smp.cls[k] as number);
      ignore.push(smp.ignore[k] as number);
    }
  });
  return {
    data: out,
    width: size,
    height: size,
    boxes: clipBoxes(Float32Array.from(boxes), size, size),
    cls: Int32Array.from(cls),
    ignore: Uint8Array.from(ignore),
    content: { x: 0, y: 0, width: size, height: size },
  };
}
