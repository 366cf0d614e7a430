import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lrAt } from '../../../electron/engine/plan/schedule';
import { train, type StepRecord } from '../../../electron/engine/train/index';
import { resolveFaults } from '../../../electron/engine/train/faults';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { demoSet, tempDir, tinyConfig } from './helpers';

const tmp = tempDir();
after(() => tmp.cleanup());

test('an out-of-memory error restarts from the last checkpoint with half the batch and twice the accumulation', async () => {
  const data = await demoSet();
  const steps: StepRecord[] = [];
  const events: TrainingEvent[] = [];
  // Batch 4 x 1; the fault fires at step 3 (epoch 1) while the batch is above 2.
  const res = await train(tinyConfig(join(tmp.dir, 'oom'), data, { overrides: { batch: 4, accumulation: 1 }, faults: { oomAtStep: 5, oomWhileBatchAbove: 2 } }), {
    onStep: (s) => steps.push(s),
    onEvent: (e) => events.push(e),
  });
  assert.equal(res.status, 'completed');
  const rec = events.filter((e) => e.type === 'recovered');
  assert.equal(rec.length, 1);
  const r = rec[0]!;
  assert.ok(r.type === 'recovered');
  assert.equal(r.kind, 'oom');
  assert.deepEqual(r.from, { perDeviceBatch: 4, accumulation: 1 });
  assert.deepEqual(r.to, { perDeviceBatch: 2, accumulation: 2 });
  assert.equal(r.reason.code, 'TRAIN_OOM_RECOVERED');
  assert.equal(r.resumeEpoch, 1, 'continues from the end-of-epoch-0 checkpoint');
  assert.deepEqual(res.layout, { perDeviceBatch: 2, accumulation: 2 });
  assert.equal(res.recoveries, 1);
  // The schedule is the plan's: every step index run once after the recovery point, LR unchanged.
  assert.equal(res.steps, res.plan.totalSteps);
  const after = steps.slice(steps.findIndex((s, i) => i > 0 && s.step <= steps[i - 1]!.step));
  for (const s of after) {
    assert.equal(s.microBatches === 2 || s.microBatches === 1, true, `step ${s.step}: ${s.microBatches} micro-batches`);
    assert.equal(s.lr, lrAt(res.plan.schedule, s.step).lr, 'the LR is unchanged by the recovery');
  }
  assert.equal(after[0]!.images, 4, 'the effective batch (images per update) is unchanged');
});

test('a non-finite loss skips the update with a warning; a streak goes back to the checkpoint with a lower LR', async () => {
  const data = await demoSet();
  const steps: StepRecord[] = [];
  const events: TrainingEvent[] = [];
  const res = await train(tinyConfig(join(tmp.dir, 'nan'), data, { overrides: { batch: 4, accumulation: 1 }, faults: { nanAtSteps: [1, 5, 6, 7] } }), {
    onStep: (s) => steps.push(s),
    onEvent: (e) => events.push(e),
  });
  assert.equal(res.status, 'completed');
  const skipped = steps.filter((s) => s.skipped).map((s) => s.step);
  assert.deepEqual(skipped, [1, 5, 6, 7]);
  const warnings = events.filter((e) => e.type === 'warning' && e.reason.code === 'TRAIN_NAN_SKIPPED');
  assert.equal(warnings.length, 4);
  const rec = events.filter((e) => e.type === 'recovered');
  assert.equal(rec.length, 1, 'three in a row (5, 6, 7) restore the checkpoint');
  assert.ok(rec[0]!.type === 'recovered' && rec[0]!.kind === 'nan');
  // After the recovery the run repeats from the epoch-1 checkpoint (step 4) at half the LR.
  const again = steps.filter((s, i) => i > 0 && steps.slice(0, i).some((p) => p.step === s.step));
  assert.ok(again.length > 0);
  for (const s of again) assert.equal(s.lr, lrAt(res.plan.schedule, s.step).lr * 0.5);
  assert.equal(res.steps, res.plan.totalSteps);
});

test('faults come from the config or KESTREL_FAULTS', () => {
  assert.deepEqual(resolveFaults(undefined, { KESTREL_FAULTS: '{"oomAtStep":3}' }), { oomAtStep: 3 });
  assert.deepEqual(resolveFaults({ nanAtSteps: [1] }, { KESTREL_FAULTS: '{"oomAtStep":3}' }), { nanAtSteps: [1] });
  assert.throws(() => resolveFaults(undefined, { KESTREL_FAULTS: '{"bogus":1}' }));
});
