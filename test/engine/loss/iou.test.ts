import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../../electron/engine/tf-gradients';
import { ciou, ciouTensor } from '../../../electron/engine/loss/iou';

type Box = [number, number, number, number];
const close = (got: number, want: number, tol = 1e-6, what = '') => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} != ${want}`);

// Hand-worked cases (eps 1e-7 of Ultralytics' bbox_iou only moves the 7th digit).
const CASES: Array<{ a: Box; b: Box; iou: number; ciou: number; why: string }> = [
  // Same box: IoU 1, centres equal, same aspect: CIoU 1.
  { a: [0, 0, 2, 2], b: [0, 0, 2, 2], iou: 1, ciou: 1, why: 'identical' },
  // Overlap 1x1 = 1, union 4 + 4 - 1 = 7: IoU 1/7 = 0.142857.
  // Enclosing box 3x3: c^2 = 9 + 9 = 18; centres (1,1) and (2,2): rho^2 = 1 + 1 = 2.
  // Same aspect, v = 0: CIoU = 1/7 - 2/18 = 0.142857 - 0.111111 = 0.031746.
  { a: [0, 0, 2, 2], b: [1, 1, 3, 3], iou: 1 / 7, ciou: 1 / 7 - 1 / 9, why: 'shifted' },
  // 4x2 and 2x2 at the origin: overlap 4, union 8 + 4 - 4 = 8: IoU 0.5.
  // Enclosing 4x2: c^2 = 16 + 4 = 20; centres (2,1), (1,1): rho^2 = 1: 1/20 = 0.05.
  // v = 4/pi^2 (atan(2/2) - atan(4/2))^2 = 0.405285 x (0.785398 - 1.107149)^2 = 0.041956;
  // alpha = v / (v - IoU + 1) = 0.041956 / 0.541956 = 0.077417; v alpha = 0.003248.
  // CIoU = 0.5 - 0.05 - 0.003248 = 0.446752.
  { a: [0, 0, 4, 2], b: [0, 0, 2, 2], iou: 0.5, ciou: 0.446752, why: 'aspect' },
  // Disjoint, side by side: IoU 0; enclosing 3x1: c^2 = 10; centres 2 apart: rho^2 = 4: CIoU = -0.4.
  { a: [0, 0, 1, 1], b: [2, 0, 3, 1], iou: 0, ciou: -0.4, why: 'disjoint' },
];

test('plain IoU and CIoU match the hand-worked cases', () => {
  for (const c of CASES) {
    const r = ciou(...c.a, ...c.b);
    close(r.iou, c.iou, 1e-6, `${c.why} iou`);
    close(r.ciou, c.ciou, 1e-6, `${c.why} ciou`);
  }
});

test('tensor CIoU equals the plain one element-wise', async () => {
  await tf.setBackend('cpu');
  const col = (i: number, which: 'a' | 'b') => tf.tensor1d(CASES.map((c) => c[which][i]!));
  const got = tf.tidy(() =>
    ciouTensor({ x1: col(0, 'a'), y1: col(1, 'a'), x2: col(2, 'a'), y2: col(3, 'a') }, { x1: col(0, 'b'), y1: col(1, 'b'), x2: col(2, 'b'), y2: col(3, 'b') }).dataSync(),
  );
  CASES.forEach((c, i) => close(got[i]!, c.ciou, 1e-5, c.why));
});

test('CIoU gradient matches finite differences of the plain formula (aspect term zero-slope case)', async () => {
  await tf.setBackend('cpu');
  // Shifted case: v = 0 and dv = 0 there, so the stopped alpha changes nothing and the
  // gradient must be that of IoU - rho^2/c^2, which finite differences of the plain code give.
  const b: Box = [1, 1, 3, 3];
  const a: Box = [0, 0, 2, 2];
  const g = tf.tidy(() => {
    const f = (x2: tf.Tensor) =>
      tf.sum(ciouTensor({ x1: tf.scalar(a[0]), y1: tf.scalar(a[1]), x2, y2: tf.scalar(a[3]) }, { x1: tf.scalar(b[0]), y1: tf.scalar(b[1]), x2: tf.scalar(b[2]), y2: tf.scalar(b[3]) }));
    return tf.grad(f)(tf.scalar(a[2])).dataSync()[0]!;
  });
  const h = 1e-4;
  const fd = (ciou(a[0], a[1], a[2] + h, a[3], ...b).ciou - ciou(a[0], a[1], a[2] - h, a[3], ...b).ciou) / (2 * h);
  // Here v != 0 once x2 moves, but its slope at the point is 0: both sides see the same first order.
  close(g, fd, 1e-4, 'dCIoU/dx2');
  assert.ok(Math.abs(g) > 0.01, 'gradient should not vanish');
});
