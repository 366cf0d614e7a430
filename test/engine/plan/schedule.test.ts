import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildSchedule, lrAt, planWarmup, sampleSchedule, warmupOverrideWarning, warmupStepsFor } from '../../../electron/engine/plan/index';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('warmup is max(3 epochs, 1,600 images), capped at 10% of the run', () => {
  // 100 epochs of 14 steps at E 72: 3 epochs (42) beat the image floor (23); far below the cap (140).
  assert.deepEqual(planWarmup(14, 1400, 72), { steps: 42, rule: 'epochs', epochSteps: 42, imageSteps: 23, capSteps: 140, wantedSteps: 42 });
  assert.equal(planWarmup(278, 27800, 72).steps, 834);
  // A tiny dataset: 2 steps per epoch at E 16, 100 epochs: the floor of 1,600 images (100 steps) wins.
  assert.deepEqual(planWarmup(2, 200, 16), { steps: 20, rule: 'cap', epochSteps: 6, imageSteps: 100, capSteps: 20, wantedSteps: 100 });
  assert.deepEqual(planWarmup(2, 2000, 16), { steps: 100, rule: 'images', epochSteps: 6, imageSteps: 100, capSteps: 200, wantedSteps: 100 });
  // NEU-DET at 224 px, 10 epochs of 23 steps at E 64: was 100 of 230 steps (43%), now 23 (one epoch).
  assert.deepEqual(planWarmup(23, 230, 64), { steps: 23, rule: 'cap', epochSteps: 69, imageSteps: 25, capSteps: 23, wantedSteps: 69 });
  // From 30 epochs up the cap never bites: the seed's 3 epochs.
  assert.equal(planWarmup(23, 690, 64).steps, 69);
  // Degenerate runs still get one warmup step and never more than the run.
  assert.equal(planWarmup(1, 1, 64).steps, 1);
  assert.equal(planWarmup(4, 5, 64).steps, 1);
});

test('property: warmup never takes more than a tenth of a run (or one step), for any dataset size and epochs', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 512 }), (stepsPerEpoch, epochs, E) => {
      const total = stepsPerEpoch * epochs;
      const w = planWarmup(stepsPerEpoch, total, E);
      assert.ok(w.steps >= 1 && w.steps <= total);
      assert.ok(w.steps <= Math.max(1, 0.1 * total), `${w.steps} of ${total}`);
      // Below the cap it is exactly the seed's rule: the larger of 3 epochs and 1,600 images.
      if (w.rule !== 'cap') assert.equal(w.steps, Math.max(3 * stepsPerEpoch, Math.ceil(1600 / E)));
      // Runs of 30 epochs or more keep the full 3 epochs whenever the image floor does not exceed the cap.
      if (epochs >= 30 && w.imageSteps <= w.capSteps) assert.ok(w.steps >= 3 * stepsPerEpoch);
    }),
    { numRuns: 500 },
  );
});

test('a warmup set in epochs: whole optimizer steps, never past the run; warned when none or over a tenth of the run', () => {
  assert.equal(warmupStepsFor(1, 23, 230), 23);
  assert.equal(warmupStepsFor(0.5, 23, 230), 12); // 11.5 rounds up
  assert.equal(warmupStepsFor(0, 23, 230), 0);
  assert.equal(warmupStepsFor(20, 23, 230), 230, 'at most the whole run');
  assert.equal(warmupOverrideWarning(23, 230, 23), null, 'a tenth of the run is inside the range');
  assert.equal(warmupOverrideWarning(1, 5, 1), null, 'one step is always allowed');
  const none = warmupOverrideWarning(0, 230, 23);
  assert.equal(none?.code, 'PLAN_WARN_NO_WARMUP');
  assert.deepEqual(none?.params, { planned: 23 });
  const long = warmupOverrideWarning(115, 230, 23);
  assert.equal(long?.code, 'PLAN_WARN_WARMUP_LONG');
  assert.deepEqual(long?.params, { warmupSteps: 115, totalSteps: 230, percent: 50, maxPercent: 10, planned: 23 });
  assert.match(long!.message, /115 of the run's 230 optimizer steps \(50%\), more than the 10%/);
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
