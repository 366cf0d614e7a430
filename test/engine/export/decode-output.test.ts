/** Decoding an export's output0 in TypeScript: best class per anchor, per-class thresholds, class-aware NMS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOutput0, detectionsFromRows, nhwcToNchw } from '../../../electron/engine/export/decode-output';

/** output0 [4 + 2, 4 anchors] from per-anchor rows [cx, cy, w, h, s0, s1]. */
function output0(rows: number[][]): Float32Array {
  const a = rows.length;
  const out = new Float32Array(6 * a);
  rows.forEach((r, i) => r.forEach((v, k) => (out[k * a + i] = v)));
  return out;
}

test('each anchor keeps its best class at that class threshold; same-class overlaps are suppressed', () => {
  const out = output0([
    [20, 20, 10, 10, 0.9, 0.1], // kept
    [21, 20, 10, 10, 0.8, 0.2], // same class, IoU 0.82 with the first: suppressed
    [21, 21, 10, 10, 0.1, 0.5], // class 1 at 0.5: its threshold is 0.6 -> dropped
    [50, 50, 8, 6, 0.3, 0.7], // class 1, kept
  ]);
  const dets = decodeOutput0(out, 2, 4, { confByClass: [0.25, 0.6], iou: 0.7 });
  assert.deepEqual(
    dets.map((d) => [d.cls, d.x1, d.y1, d.x2, d.y2, Number(d.score.toFixed(2))]),
    [
      [0, 15, 15, 25, 25, 0.9],
      [1, 46, 47, 54, 53, 0.7],
    ],
  );
  assert.equal(decodeOutput0(out, 2, 4, { confByClass: [0.25, 0.6], iou: 0.9 }).length, 3, 'a looser IoU keeps the overlap');
  assert.throws(() => decodeOutput0(out, 2, 5, { confByClass: [0.25, 0.6], iou: 0.7 }), /expected 30/);
});

test('detectionsFromRows and nhwcToNchw', () => {
  assert.deepEqual(detectionsFromRows([1, 2, 3, 4, 0.5, 1]), [{ x1: 1, y1: 2, x2: 3, y2: 4, score: 0.5, cls: 1 }]);
  assert.throws(() => detectionsFromRows([1, 2, 3]), /rows of 6/);
  // 1x2 image: pixels (r, g, b) = (1, 2, 3), (4, 5, 6).
  assert.deepEqual(Array.from(nhwcToNchw([1, 2, 3, 4, 5, 6], 1, 2)), [1, 4, 2, 5, 3, 6]);
});
