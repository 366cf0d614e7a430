import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTrainingProcess } from '../../../electron/engine/train/runner';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { demoSet, tempDir, tinyConfig } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-recovery-');
after(() => tmp.cleanup());

test('a training process that dies (SIGKILL, as the OOM killer does) is restarted from its checkpoint with half the batch', async () => {
  const data = await demoSet();
  const runDir = join(tmp.dir, 'crash');
  const events: TrainingEvent[] = [];
  const ok = await runTrainingProcess(
    tinyConfig(runDir, data, { epochs: 2, overrides: { batch: 4, accumulation: 1 }, checkpointEverySteps: 1, faults: { crashAtStep: 6 } }),
    { onEvent: (e) => events.push(e) },
  );
  assert.equal(ok, true);
  const rec = events.filter((e) => e.type === 'recovered');
  assert.equal(rec.length, 1);
  const r = rec[0]!;
  assert.ok(r.type === 'recovered' && r.kind === 'oom');
  assert.deepEqual(r.from, { perDeviceBatch: 4, accumulation: 1 });
  assert.deepEqual(r.to, { perDeviceBatch: 2, accumulation: 2 });
  assert.equal(r.resumeEpoch, 1);
  const starts = events.filter((e) => e.type === 'train-start');
  assert.equal(starts.length, 2);
  assert.ok(starts[1]!.type === 'train-start' && starts[1]!.resumed);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { steps: number; layout: unknown; status: string };
  const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as { totalSteps: number };
  assert.equal(results.status, 'completed');
  assert.equal(results.steps, plan.totalSteps);
  assert.deepEqual(results.layout, { perDeviceBatch: 2, accumulation: 2 });
  // The kill left metrics.csv consistent with the checkpoint the restart resumed from: one row per epoch.
  const epochs = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
  assert.deepEqual(epochs, [0, 1]);
  // The recovery is in the run's own record too.
  assert.ok(readFileSync(join(runDir, 'events.jsonl'), 'utf8').includes('"APP_RECOVERED_KILLED_RESTART"'));
  // A kill without a word is told apart from a reported memory death: the event says it was assumed.
  assert.ok(r.type === 'recovered' && r.basis === 'killed-assumed-oom' && r.reason.code === 'APP_RECOVERED_KILLED_RESTART');
  assert.match(r.reason.message, /killed from outside \(SIGKILL\).*assumed the system ran out of memory/);
});
