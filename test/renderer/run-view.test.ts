import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reason } from '../../electron/shared/reason';
import type { TrainingEvent } from '../../electron/shared/schemas/events';
import { applyEvent, newRunView } from '../../renderer/src/lib/run-view';

const t = 1_700_000_000_000;
const batchEnd = (epoch: number, batch: number, batches = 4, loss = 3): TrainingEvent => ({
  type: 'batch-end',
  t,
  epoch,
  batch,
  batches,
  step: epoch * batches + batch,
  loss: { total: loss, parts: { box: loss / 3, cls: loss / 3, dfl: loss / 3 } },
  lr: 0.001,
  imagesPerSec: 10,
  memoryBytes: 1e8,
  etaSeconds: 5,
});
const start = (startEpoch: number, resumed: boolean): TrainingEvent => ({
  type: 'train-start',
  t,
  runDir: '/r',
  epochs: 3,
  startEpoch,
  batchesPerEpoch: 4,
  totalSteps: 12,
  trainImages: 32,
  valImages: 8,
  backend: 'wasm',
  device: 'cpu',
  resumed,
});
const epochEnd = (epoch: number, map50: number): TrainingEvent => ({
  type: 'epoch-end',
  t,
  epoch,
  epochs: 3,
  trainLoss: { total: 1, parts: {} },
  metrics: { map50, map50_95: map50 / 2 },
  best: true,
  lr: 0.001,
  durationMs: 1000,
});

test('a run restarted after an out-of-memory death: the recovery is kept with its layouts, and the charts rewind to the checkpoint', () => {
  const run = newRunView('r', '/r');
  const events: TrainingEvent[] = [
    { type: 'plan', t, plan: { perDeviceBatch: 8, accumulation: 2 } },
    start(0, false),
    batchEnd(0, 1),
    batchEnd(0, 2),
    batchEnd(0, 3),
    batchEnd(0, 4),
    epochEnd(0, 0.1),
    batchEnd(1, 1),
    batchEnd(1, 2),
    batchEnd(1, 3),
    // The process dies in epoch 1; the supervisor restarts it from the checkpoint of epoch 1 at half the batch.
    {
      type: 'recovered',
      t,
      kind: 'oom',
      reason: reason('APP_RECOVERED_OOM_RESTART', { cause: 'oom', fromBatch: 8, fromAccumulation: 2, batch: 4, accumulation: 4, effective: 16, epoch: 2 }),
      from: { perDeviceBatch: 8, accumulation: 2 },
      to: { perDeviceBatch: 4, accumulation: 4 },
      resumeEpoch: 1,
    },
    // The restarted process repeats the original plan; the layout in use is the recovery's.
    { type: 'plan', t, plan: { perDeviceBatch: 8, accumulation: 2, resumed: true } },
    start(1, true),
    batchEnd(1, 1),
  ];
  for (const ev of events) applyEvent(run, ev);
  assert.equal(run.recoveries.length, 1);
  assert.equal(run.recoveries[0]!.kind, 'oom');
  assert.deepEqual(run.layout, { perDeviceBatch: 4, accumulation: 4 });
  assert.equal(run.state, 'running');
  // Epoch 0 stays; the lost part of epoch 1 is replaced by the redone batch: x strictly increasing.
  assert.deepEqual(run.series.x, [0.25, 0.5, 0.75, 1, 1.25]);
  for (let i = 1; i < run.series.x.length; i++) assert.ok(run.series.x[i]! > run.series.x[i - 1]!);
  for (const arr of [run.series.lossTotal, run.series.lr, ...Object.values(run.series.lossParts)]) assert.equal(arr.length, run.series.x.length);
  assert.deepEqual(
    run.notable.map((e) => e.type),
    ['train-start'],
    'the resume is noted; the recovery is listed on its own',
  );
});

test('an epoch validated again after a resume replaces its mAP point rather than adding one', () => {
  const run = newRunView('r', '/r');
  for (const ev of [start(0, false), epochEnd(0, 0.1), epochEnd(1, 0.2), start(1, true), epochEnd(1, 0.25), epochEnd(2, 0.3)]) applyEvent(run, ev);
  assert.deepEqual(run.series.epochX, [1, 2, 3]);
  assert.deepEqual(run.series.map50, [0.1, 0.25, 0.3]);
  assert.equal(run.bestMap?.map50, 0.3);
});

test('a plan without a recovery sets the layout; a crash notice is cleared when the run starts again', () => {
  const run = newRunView('r', '/r');
  applyEvent(run, { type: 'plan', t, plan: { perDeviceBatch: 16, accumulation: 1 } });
  assert.deepEqual(run.layout, { perDeviceBatch: 16, accumulation: 1 });
  run.state = 'crashed';
  run.crash = { runId: 'r', state: 'crashed', exitCode: 1, cause: 'crashed', resumable: true, message: 'x' };
  applyEvent(run, start(1, true));
  assert.equal(run.crash, null);
  assert.equal(run.state, 'running');
});
