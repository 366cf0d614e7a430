// The process runner as the CLI uses it (runTrainingProcess), driven by the scripted stand-in trainer.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeFork, type ForkFn } from '../../../electron/engine/train/fork';
import { runTrainingProcess } from '../../../electron/engine/train/runner';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { tempDir } from './helpers';

const tmp = tempDir('kestrel-runner-');
after(() => tmp.cleanup());
const worker = join(import.meta.dirname, '../../app/fixtures/scripted-worker.mjs');

async function run(mode: string, name: string, checkpoint: boolean) {
  const runDir = join(tmp.dir, name);
  if (checkpoint) {
    mkdirSync(join(runDir, 'weights/last'), { recursive: true });
    writeFileSync(join(runDir, 'weights/last/meta.json'), '{}');
    writeFileSync(join(runDir, 'weights/last/train-state.json'), JSON.stringify({ epoch: 1, step: 7, layout: { perDeviceBatch: 8, accumulation: 2 } }));
  }
  const events: TrainingEvent[] = [];
  const fork: ForkFn = (entry, args, o) => nodeFork(worker, [...args, mode], o);
  const job = { runDir, datasetPath: '/data', model: { scale: 'n' as const, imgsz: 160 }, epochs: 1, overrides: {}, resume: false };
  const ok = await runTrainingProcess(job, { fork, onEvent: (e) => events.push(e) });
  const jobs = readFileSync(join(runDir, 'jobs.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { resume: boolean; restarts: string });
  return { ok, events, jobs, runDir };
}

test('the CLI restarts a crashed process from its checkpoint three times, then fails with an error event in the run history', async () => {
  const { ok, events, jobs, runDir } = await run('crash', 'crash', true);
  assert.equal(ok, false);
  assert.deepEqual(jobs.map((j) => [j.resume, j.restarts]), [[false, '0'], [true, '1'], [true, '2'], [true, '3']]);
  const rec = events.filter((e) => e.type === 'recovered');
  assert.deepEqual(rec.map((e) => e.type === 'recovered' && [e.kind, e.reason.code, e.reason.params['resumeStep']]), Array(3).fill(['crash', 'TRAIN_CRASH_RECOVERED', 7]));
  const last = events.at(-1)!;
  assert.ok(last.type === 'error' && last.error.code === 'TRAIN_CRASH_GAVE_UP' && last.resumable);
  assert.match(last.error.message, /4 times.*kestrel train --resume/);
  const history = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(history.map((e) => e.type), ['recovered', 'recovered', 'recovered', 'error']);
});

test('the CLI halves the batch after a memory death and ends true when the run ends cleanly', async () => {
  const { ok, events, jobs } = await run('oom-4', 'oom', false);
  assert.equal(ok, true);
  assert.equal(jobs.length, 2);
  const rec = events.find((e) => e.type === 'recovered');
  assert.ok(rec?.type === 'recovered' && rec.reason.code === 'APP_RECOVERED_OOM_RESTART_FRESH' && rec.to?.perDeviceBatch === 4);
  assert.equal(events.at(-1)!.type, 'train-end');
});
