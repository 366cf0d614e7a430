import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFork, type ChildExit, type ChildHandle } from '../../../electron/engine/train/fork';
import { train } from '../../../electron/engine/train/index';
import { FromWorkerSchema, type FromWorker } from '../../../electron/shared/schemas/ipc/worker';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import type { TrainConfigInput } from '../../../electron/shared/schemas/train-config';
import { demoSet, tempDir, tinyConfig } from '../../engine/train/helpers';

const ENTRY = fileURLToPath(new URL('../../../electron/worker/trainer-entry.ts', import.meta.url));
const tmp = tempDir('kestrel-worker-');
after(() => tmp.cleanup());

interface Child {
  proc: ChildHandle;
  messages: FromWorker[];
  exit: Promise<ChildExit>;
}

/** Forks the training process on a job file holding its whole config, through the one fork wrapper. */
function start(cfg: TrainConfigInput, onEvent?: (e: TrainingEvent, c: Child) => void): Child {
  const jobFile = join(cfg.runDir + '.job.json');
  writeFileSync(jobFile, JSON.stringify(cfg));
  const proc = nodeFork(ENTRY, ['--job', jobFile], { name: 'kestrel-train-test', quiet: true });
  const child: Child = { proc, messages: [], exit: new Promise((resolve) => proc.onExit(resolve)) };
  proc.onMessage((raw) => {
    const msg = FromWorkerSchema.parse(raw); // every message follows the protocol
    child.messages.push(msg);
    if (msg.type === 'event') onEvent?.(msg.event, child);
  });
  return child;
}

const events = (c: Child) => c.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
const lastTrainLoss = (runDir: string) => {
  const rows = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  const header = rows[0]!.split(',');
  return Number(rows.at(-1)!.split(',')[header.indexOf('train_total')]);
};

test('SIGKILL mid-epoch, then resume: same optimizer steps and a result within noise of an uninterrupted run', async () => {
  const data = await demoSet();
  const base = { epochs: 3, checkpointEverySteps: 1 };

  const refDir = join(tmp.dir, 'ref');
  const ref = await train(tinyConfig(refDir, data, base));

  const runDir = join(tmp.dir, 'killed');
  const cfg = tinyConfig(runDir, data, base);
  let midEpochSaves = 0;
  const first = start(cfg, (e, c) => {
    // Kill right after the first mid-epoch checkpoint of epoch 1: the run is inside an epoch.
    if (e.type === 'checkpoint-saved' && e.kind === 'last' && e.epoch === 1 && ++midEpochSaves === 1) c.proc.kill(); // SIGKILL
  });
  const exit1 = await first.exit;
  assert.equal(exit1.cause, 'SIGKILL');
  assert.ok(!first.messages.some((m) => m.type === 'done'));
  const state = JSON.parse(readFileSync(join(runDir, 'weights', 'last', 'train-state.json'), 'utf8')) as { epoch: number; batchInEpoch: number; step: number };
  assert.equal(state.epoch, 1);
  assert.ok(state.batchInEpoch > 0, 'the checkpoint is inside the epoch');

  const second = start({ ...cfg, resume: true });
  const exit2 = await second.exit;
  assert.equal(exit2.code, 0);
  const done = second.messages.at(-1)!;
  assert.deepEqual(done, { type: 'done', ok: true });
  const ev = events(second);
  const startEv = ev.find((e) => e.type === 'train-start');
  assert.ok(startEv && startEv.type === 'train-start' && startEv.resumed && startEv.startEpoch === 1);
  const endEv = ev.find((e) => e.type === 'train-end');
  assert.ok(endEv && endEv.type === 'train-end' && endEv.status === 'completed');

  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as {
    steps: number;
    best: { map50: number; map50_95: number } | null;
    evaluation: { map50_95: number; perClass: unknown[] } | null;
  };
  // The best model's full evaluation survives the killed process, whichever epoch was best.
  assert.ok(results.evaluation, 'results.json keeps the best evaluation after a resume');
  assert.equal(results.evaluation.map50_95, results.best?.map50_95);
  assert.equal(results.steps, ref.steps);
  assert.equal(results.steps, ref.plan.totalSteps);
  const a = lastTrainLoss(refDir);
  const b = lastTrainLoss(runDir);
  assert.ok(Math.abs(a - b) <= 0.02 * Math.abs(a), `last-epoch training loss ${b} vs uninterrupted ${a}`);
  assert.ok(Math.abs((results.best?.map50_95 ?? 0) - (ref.best?.map50_95 ?? 0)) <= 0.02, 'mAP50-95 within noise');
});

test('the stop message saves a checkpoint and the process exits cleanly with done', async () => {
  const data = await demoSet();
  const runDir = join(tmp.dir, 'stopped');
  const child = start(tinyConfig(runDir, data, { epochs: 3 }), (e, c) => {
    if (e.type === 'batch-end') c.proc.postMessage({ type: 'stop' });
  });
  const exit = await child.exit;
  assert.equal(exit.code, 0);
  assert.deepEqual(child.messages.at(-1), { type: 'done', ok: true });
  const ev = events(child);
  assert.ok(ev.some((e) => e.type === 'checkpoint-saved' && e.kind === 'last'));
  const end = ev.find((e) => e.type === 'train-end');
  assert.ok(end && end.type === 'train-end' && end.status === 'stopped');
  // Events arrive in order: plan, train-start, ..., train-end last.
  assert.equal(ev[0]!.type, 'plan');
  assert.equal(ev.at(-1)!.type, 'train-end');
});
