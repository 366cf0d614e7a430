// The decisions of "keep improving a model": which runs can be fine-tuned, when a result is
// weak, how many epochs each action suggests, the `from` field, and Try-it boxes as a draft.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canImprove, clampEpochs, continueEpochs, draftBoxes, fineTuneOf, firstStepOf, fromOf, isWeak, moreEpochsDefault, MORE_EPOCHS_MAX, MORE_EPOCHS_MIN } from '../../renderer/src/lib/improve';
import type { RunSummary } from '../../electron/shared/schemas/ipc/runs';

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: 'n96-1',
  dir: '/runs/n96-1',
  createdAt: null,
  status: 'completed',
  datasetPath: '/data/pcb',
  model: { scale: 'n', imgsz: 96 },
  epochsPlanned: 12,
  epochsDone: 12,
  best: { epoch: 11, map50: 0.3, map50_95: 0.1 },
  resumable: false,
  hasResults: true,
  ...over,
});

test('only runs that ended with a model can be fine-tuned', () => {
  assert.equal(canImprove(run()), true);
  assert.equal(canImprove(run({ status: 'early-stopped' })), true);
  assert.equal(canImprove(run({ status: 'stopped' })), true, 'stopped by the engineer: its checkpoint is a model');
  for (const status of ['running', 'failed', 'crashed', 'incomplete'] as const) assert.equal(canImprove(run({ status })), false, status);
  assert.equal(canImprove(run({ epochsDone: 0 })), false, 'no epoch, no weights');
  assert.equal(canImprove(run({ model: null })), false);
  assert.equal(canImprove(run({ model: { scale: 'x', imgsz: 96 } })), false, 'a scale Kestrel does not build');
});

test('a weak result is one below mAP50 0.5; unknown is not weak', () => {
  assert.equal(isWeak(0.12), true);
  assert.equal(isWeak(0.5), false);
  assert.equal(isWeak(0.9), false);
  assert.equal(isWeak(null), false);
  assert.equal(isWeak(Number.NaN), false);
});

test('epoch suggestions: as many again (multiple of 5) within 10..100; continue repeats the run', () => {
  assert.equal(moreEpochsDefault(2), MORE_EPOCHS_MIN);
  assert.equal(moreEpochsDefault(12), 15);
  assert.equal(moreEpochsDefault(30), 30);
  assert.equal(moreEpochsDefault(300), MORE_EPOCHS_MAX);
  assert.equal(continueEpochs({ epochsPlanned: 12 }), 12);
  assert.equal(continueEpochs({ epochsPlanned: null }), 30);
  assert.equal(clampEpochs(0), 1);
  assert.equal(clampEpochs(2.6), 3);
  assert.equal(clampEpochs(1e9), 10000);
  assert.equal(clampEpochs(Number.NaN), 1);
});

test('a fine-tune keeps the parent network and names the parent in from', () => {
  const ft = fineTuneOf(run({ title: 'PCB, first try' }), 'more-epochs');
  assert.deepEqual(ft, { parentRun: 'n96-1', parentTitle: 'PCB, first try', kind: 'more-epochs', model: { scale: 'n', imgsz: 96 }, tiles: 'auto' });
  // The parent's tiling choice (its config's `tiles`) carries over; a run without one is automatic.
  assert.equal(fineTuneOf(run({ tiles: 'off' }), 'continue')?.tiles, 'off');
  assert.equal(fineTuneOf(run({ tiles: 640 }), 'more-images')?.tiles, 640);
  assert.deepEqual(fromOf(ft), { from: 'n96-1' });
  assert.deepEqual(fromOf(null), {});
  assert.equal(fineTuneOf(run({ status: 'failed' }), 'continue'), null);
  assert.equal(firstStepOf('more-images'), 'dataset', 'new images are checked first');
  assert.equal(firstStepOf('continue'), 'plan');
  assert.equal(firstStepOf('corrections'), 'plan');
});

test('Try-it detections become draft boxes in image pixels, clipped, without scores', () => {
  const im = { width: 400, height: 200, thumbWidth: 200, detections: [
    { x1: 10, y1: 20, x2: 30, y2: 40, cls: 1, score: 0.9 },
    { x1: -5, y1: 90, x2: 250, y2: 120, cls: 0, score: 0.4 },
    { x1: 220, y1: 10, x2: 260, y2: 30, cls: 2, score: 0.3 },
  ] };
  assert.deepEqual(draftBoxes(im), [
    { x1: 20, y1: 40, x2: 60, y2: 80, cls: 1, key: null },
    { x1: 0, y1: 180, x2: 400, y2: 200, cls: 0, key: null },
  ]);
});
