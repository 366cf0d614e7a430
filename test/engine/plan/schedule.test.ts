import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchedule, lrAt, sampleSchedule, warmupStepsFor } from '../../../electron/engine/plan/index';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('warmup is max(3 epochs, 100 steps), capped at the run length', () => {
  assert.equal(warmupStepsFor(14, 1400), 100);
  assert.equal(warmupStepsFor(278, 27800), 834);
  assert.equal(warmupStepsFor(4, 40), 40);
});

test('SGD: lrAt at warmup start, warmup end and the last step', () => {
  const s = buildSchedule('sgd', 0.01, 100, 1000);
  const start = lrAt(s, 0);
  close(start.lr, 0.01 * 1e-6);
  close(start.biasLr, 0.1);
  close(start.momentum, 0.8);
  const mid = lrAt(s, 50);
  close(mid.lr, 0.01 * (1e-6 + (1 - 1e-6) * 0.5));
  close(mid.biasLr, 0.055);
  close(mid.momentum, 0.8685);
  const peak = lrAt(s, 100);
  close(peak.lr, 0.01);
  close(peak.biasLr, 0.01);
  close(peak.momentum, 0.937);
  const last = lrAt(s, 999);
  close(last.lr, 0.0001);
  close(last.biasLr, 0.0001);
  // Halfway through the cosine: the mean of peak and floor.
  close(lrAt(s, 100 + (999 - 100) / 2).lr, (0.01 + 0.0001) / 2, 1e-3);
  // Beyond the run it stays at the floor.
  close(lrAt(s, 5000).lr, 0.0001);
});

test('AdamW: no bias-LR or momentum warmup', () => {
  const s = buildSchedule('adamw', 1e-3, 100, 500);
  const start = lrAt(s, 0);
  close(start.lr, 1e-9);
  close(start.biasLr, start.lr);
  close(start.momentum, 0.9);
  close(lrAt(s, 100).lr, 1e-3);
  close(lrAt(s, 499).lr, 1e-5);
});

test('the LR rises monotonically in warmup and falls monotonically after it', () => {
  const s = buildSchedule('sgd', 0.0175, 120, 4000);
  let prev = -1;
  for (let i = 0; i <= 120; i++) {
    const v = lrAt(s, i).lr;
    assert.ok(v > prev);
    prev = v;
  }
  for (let i = 121; i < 4000; i++) {
    const v = lrAt(s, i).lr;
    assert.ok(v <= prev);
    prev = v;
  }
});

test('sampleSchedule includes the first step, the peak and the last step', () => {
  const s = buildSchedule('sgd', 0.01, 100, 1000);
  const pts = sampleSchedule(s, 11);
  const steps = pts.map((p) => p.step);
  assert.ok(steps.includes(0) && steps.includes(100) && steps.includes(999));
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
  assert.equal(new Set(steps).size, steps.length);
  assert.equal(pts.find((p) => p.step === 100)!.lr, 0.01);
});
