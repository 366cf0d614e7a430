// A fake detector for the predict tests: it "detects" bright squares in its letterboxed input
// (connected bright pixels), but only those at least `minPx` input pixels on each side, as a
// real network misses objects that shrink to a few pixels. Fast and deterministic.
import type { Detection } from '../../../electron/shared/schemas/evaluation';
import type { DecodedImage } from '../../../electron/engine/data/image';
import type { DetectFn } from '../../../electron/engine/predict/detect-image';

/** Bright-blob detector on imgsz x imgsz RGB inputs; counts its calls and inputs. */
export function brightSquareModel(minPx = 6, level = 160): DetectFn & { inputs: number } {
  const fn = (async (inputs: Uint8Array[], imgsz: number): Promise<Detection[][]> => {
    fn.inputs += inputs.length;
    return inputs.map((px) => blobs(px, imgsz, level).filter((b) => b.x2 - b.x1 >= minPx && b.y2 - b.y1 >= minPx));
  }) as DetectFn & { inputs: number };
  fn.inputs = 0;
  return fn;
}

function blobs(px: Uint8Array, n: number, level: number): Detection[] {
  const seen = new Uint8Array(n * n);
  const out: Detection[] = [];
  const stack: number[] = [];
  for (let i = 0; i < n * n; i++) {
    if (seen[i] || (px[i * 3] as number) < level) continue;
    let x1 = n, y1 = n, x2 = 0, y2 = 0;
    stack.push(i);
    seen[i] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % n, y = (p - x) / n;
      x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
      for (const q of [x > 0 ? p - 1 : -1, x < n - 1 ? p + 1 : -1, y > 0 ? p - n : -1, y < n - 1 ? p + n : -1]) {
        if (q >= 0 && !seen[q] && (px[q * 3] as number) >= level) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    out.push({ x1, y1, x2, y2, score: 0.9, cls: 0 });
  }
  return out;
}

/** A dark gray image with white squares [x, y, side] drawn on it. */
export function imageWithSquares(width: number, height: number, squares: Array<[number, number, number]>): DecodedImage {
  const data = new Uint8Array(width * height * 3).fill(40);
  for (const [sx, sy, side] of squares) {
    for (let y = sy; y < sy + side; y++) for (let x = sx; x < sx + side; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return { data, width, height };
}
