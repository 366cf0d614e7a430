// The Plan step's pure decisions: run time, the "Fix it" of each warning, dataset blockers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reason } from '../../electron/shared/reason';
import { acceptedOf, applyOverrideFix, blockersOf, finishAt, fixFor, MAX_FIX_EPOCHS, roughDuration, trainingSeconds, type FixContext } from '../../renderer/src/lib/plan-view';

const ctx = (over: Partial<FixContext> = {}): FixContext => ({
  plan: { epochs: 10, stepsPerEpoch: 23, memory: { budgetBytes: 4e9, predictedBytes: 3e9, fixedBytes: 1e8, perImageBytes: 5e7, maxBatch: 71, source: 'estimate', calibratedAt: null } },
  overrides: {},
  imgsz: 320,
  sizes: [64, 96, 128, 160, 224, 320, 416, 512, 640],
  recommendedImgsz: 224,
  ...over,
});

test('training time: epochs x (train + a third of val) / speed', () => {
  assert.equal(trainingSeconds({ epochs: 10, trainImages: 900 }, 300, { imagesPerSec: 10 }), 10 * (90 + 10));
});

test('rough durations round the way people say them', () => {
  assert.deepEqual(roughDuration(20), { hours: 0, minutes: 1 });
  assert.deepEqual(roughDuration(7 * 60 + 20), { hours: 0, minutes: 7 });
  assert.deepEqual(roughDuration(110 * 60 + 100), { hours: 1, minutes: 50 });
  assert.deepEqual(roughDuration(4 * 3600 + 14 * 60), { hours: 4, minutes: 10 });
  assert.equal(finishAt(1000, 2), 3000);
});

test('a short run is fixed by enough epochs that the warmup is not cut', () => {
  const fix = fixFor(reason('PLAN_WARN_SHORT_RUN', { totalSteps: 230, warmupSteps: 23, wantedSteps: 69 }), ctx());
  assert.deepEqual(fix, { kind: 'epochs', epochs: Math.ceil(690 / 23) });
  const capped = fixFor(reason('PLAN_WARN_SHORT_RUN', { totalSteps: 10, warmupSteps: 1, wantedSteps: 100000 }), ctx());
  assert.deepEqual(capped, { kind: 'epochs', epochs: MAX_FIX_EPOCHS });
});

test('over budget: the largest batch that fits; hand-set LR: back to the planner', () => {
  const over = fixFor(reason('PLAN_WARN_OVER_BUDGET', { batch: 128, predictedGiB: 6, budgetGiB: 4, maxBatch: 71 }), ctx());
  assert.deepEqual(over, { kind: 'override', set: { batch: 71 }, clear: [] });
  const lr = fixFor(reason('PLAN_WARN_LR_HIGH', { lr: 0.5 }), ctx({ overrides: { lr: 0.5, batch: 8 } }));
  assert.ok(lr && lr.kind === 'override');
  if (lr?.kind === 'override') assert.deepEqual(applyOverrideFix({ lr: 0.5, batch: 8 }, lr), { batch: 8 });
  // Nothing to undo when the engineer did not set it.
  assert.equal(fixFor(reason('PLAN_WARN_LR_HIGH', { lr: 0.5 }), ctx()), null);
});

test('batch one: clear a hand-set batch, else the recommended (smaller) size', () => {
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx()), { kind: 'model', imgsz: 224 });
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx({ recommendedImgsz: null })), { kind: 'model', imgsz: 224 });
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx({ overrides: { batch: 1 } })), { kind: 'override', set: {}, clear: ['batch'] });
});

test('blockers: no boxes, no validation images', () => {
  assert.deepEqual(blockersOf({ trainImages: 10, valImages: 0, boxesPerImage: 0 }), ['noBoxes', 'noVal']);
  assert.deepEqual(blockersOf({ trainImages: 10, valImages: 3, boxesPerImage: 1.2 }), []);
});

test('the accepted plan sent with train:start is the plan\'s key figures', () => {
  const plan = { perDeviceBatch: 8, accumulation: 2, lr: 0.01, warmupSteps: 40, epochs: 30, optimizer: 'sgd' } as unknown as Parameters<typeof acceptedOf>[0];
  assert.deepEqual(acceptedOf(plan), { perDeviceBatch: 8, accumulation: 2, lr: 0.01, warmupSteps: 40, epochs: 30 });
});
