import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCoalescer } from '../../electron/worker/coalesce';
import { configFromJobFile } from '../../electron/worker/trainer-entry-config';
import type { TrainingEvent } from '../../electron/shared/schemas/events';

const batchEnd = (t: number, batch: number): TrainingEvent => ({
  type: 'batch-end', t, epoch: 0, batch, batches: 100, step: batch, loss: { total: 1, parts: {} }, lr: 0.01, imagesPerSec: 1, memoryBytes: null, etaSeconds: null,
});

test('batch-end events are thinned to a few per second; other events pass at once and in order', () => {
  let now = 0;
  const sent: TrainingEvent[] = [];
  const c = createCoalescer((e) => sent.push(e), { intervalMs: 250, now: () => now });
  for (let i = 1; i <= 40; i++) {
    c.push(batchEnd(now, i));
    now += 10; // 100 batch-ends per second
  }
  // 400 ms of batch-ends at 100/s: the first passes, then at most one per 250 ms.
  assert.ok(sent.length <= 3, `${sent.length} sent`);
  c.push({ type: 'epoch-end', t: now, epoch: 0, epochs: 1, trainLoss: { total: 1, parts: {} }, metrics: null, best: false, lr: 0.01, durationMs: 1 });
  // The held batch-end (the latest, batch 40) goes out before the epoch-end.
  assert.equal(sent.at(-2)!.type, 'batch-end');
  const held = sent.at(-2)!;
  assert.equal(held.type === 'batch-end' ? held.batch : 0, 40);
  assert.equal(sent.at(-1)!.type, 'epoch-end');
  c.dispose();
});

test('a job file may be the app TrainJob or a full TrainConfig', () => {
  const job = { runDir: '/r', datasetPath: '/d', model: { scale: 'n', imgsz: 64 }, epochs: 3, overrides: {}, resume: false };
  const a = configFromJobFile(job);
  assert.equal(a.epochs, 3);
  assert.equal(a.calibrate, 'auto');
  const b = configFromJobFile({ ...job, workers: 0, calibrate: 'off' });
  assert.equal(b.workers, 0);
  assert.equal(b.calibrate, 'off');
  assert.throws(() => configFromJobFile({ runDir: '/r' }));
});
