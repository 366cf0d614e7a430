// Issue 17 on the train path: one writer per run (RUN_LOCKED, a dead writer's lock taken over),
// abandoned temp files cleaned and metrics.csv cut back to the checkpoint on resume, the dataset
// vanishing mid-run (a coded error, then --resume finds the checkpoint), a truncated JPEG skipped
// with the dataset check's code, a batch that cannot fit refused before training, and the wasm
// heap's own "Aborted(OOM)" reaching the OOM recovery.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../electron/cli/main';
import type { CliIO } from '../../../electron/cli/io';
import { checkDataset } from '../../../electron/engine/data/check/index';
import { train } from '../../../electron/engine/train/index';
import { writeRunConfigOnce } from '../../../electron/engine/train/run-config';
import { KestrelError } from '../../../electron/shared/errors';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { demoSet, tempDir, tinyConfig } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-run-folder-');
after(() => tmp.cleanup());

function capture(): CliIO & { outText: () => string; errText: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { out: (t) => o.push(t), err: (t) => e.push(t), outText: () => o.join('\n'), errText: () => e.join('\n') };
}

const epochsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
const warnings = (events: TrainingEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.reason] : []));

test('a second writer gets RUN_LOCKED naming the live pid, in the CLI and in-process, and writes nothing', async () => {
  const data = await demoSet();
  const dir = join(tmp.dir, 'locked');
  await writeRunConfigOnce(tinyConfig(dir, data, { epochs: 1 }));
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: holder.pid, hostname: hostname(), startedAt: new Date().toISOString() }));
    const viaRunner = capture();
    assert.equal(await main(['train', '--resume', dir, '--json-events'], viaRunner), 1);
    assert.match(viaRunner.errText(), new RegExp(`RUN_LOCKED: .*pid ${holder.pid}`));
    const inProcess = capture();
    assert.equal(await main(['train', '--resume', dir, '--in-process'], inProcess), 1);
    assert.match(inProcess.errText(), /error RUN_LOCKED/);
    assert.equal(existsSync(join(dir, 'events.jsonl')), false, 'the second writer wrote nothing into the run');
    assert.equal((JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid, holder.pid);
  } finally {
    holder.kill();
  }
});

test('a resume takes over a dead writer\'s lock, removes temp files and keeps metrics.csv to the checkpoint\'s epochs', async () => {
  const data = await demoSet();
  const dir = join(tmp.dir, 'resume');
  const cfg = tinyConfig(dir, data, { epochs: 2, overrides: { batch: 4, accumulation: 1 } });
  const stop = new AbortController();
  // Stop in epoch 2: the checkpoint then stands at the start of epoch 2 (index 1), metrics.csv has epoch 0.
  const first = await train(cfg, { signal: stop.signal, onEvent: (e) => e.type === 'epoch-end' && stop.abort() });
  assert.equal(first.status, 'stopped');
  assert.deepEqual(epochsOf(join(dir, 'metrics.csv')), [0]);
  assert.equal(existsSync(join(dir, 'run.lock')), false, 'released at the end');
  // What a writer killed mid-write leaves: its lock, temp files, and the row of an epoch it did not checkpoint.
  writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
  writeFileSync(join(dir, '.plan.json.0a1b2c3d.tmp'), '{"half');
  mkdirSync(join(dir, 'weights', 'last.tmp-0badf00d'));
  const row = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n')[1]!;
  appendFileSync(join(dir, 'metrics.csv'), row.replace(/^0,/, '1,') + '\n');

  const events: TrainingEvent[] = [];
  const res = await train({ ...cfg, resume: true }, { onEvent: (e) => events.push(e) });
  assert.equal(res.status, 'completed');
  const codes = warnings(events).map((r) => r.code);
  assert.ok(codes.includes('RUN_LOCK_TAKEN_OVER'), codes.join(','));
  assert.ok(codes.includes('TRAIN_TEMP_CLEANED'), codes.join(','));
  const trimmed = warnings(events).find((r) => r.code === 'TRAIN_METRICS_TRIMMED');
  assert.deepEqual(trimmed?.params, { dropped: 1, epoch: 2 });
  assert.deepEqual(epochsOf(join(dir, 'metrics.csv')), [0, 1], 'one row per epoch, matching the checkpoints');
  assert.equal(existsSync(join(dir, '.plan.json.0a1b2c3d.tmp')), false);
  assert.equal(existsSync(join(dir, 'weights', 'last.tmp-0badf00d')), false);
  assert.equal(existsSync(join(dir, 'run.lock')), false);
});

test('the dataset vanishing mid-run ends it with TRAIN_DATASET_GONE; --resume afterwards continues from the checkpoint', async () => {
  const data = join(tmp.dir, 'vanishing-data');
  cpSync(await demoSet(), data, { recursive: true });
  const dir = join(tmp.dir, 'vanishing');
  // No RAM cache: the second epoch reads the images again.
  const cfg = tinyConfig(dir, data, { epochs: 2, overrides: { batch: 4, accumulation: 1 }, cache: 'none' });
  const events: TrainingEvent[] = [];
  const err = await train(cfg, {
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'epoch-end' && e.epoch === 0) renameSync(data, `${data}-gone`);
    },
  }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof KestrelError && err.code === 'TRAIN_DATASET_GONE', String(err));
  const last = events.at(-1)!;
  assert.ok(last.type === 'error' && last.error.code === 'TRAIN_DATASET_GONE' && last.resumable);
  assert.match(last.error.message, /kestrel train --resume/);
  renameSync(`${data}-gone`, data);
  const io = capture();
  assert.equal(await main(['train', '--resume', dir, '--in-process', '--json-events'], io), 0, io.errText());
  const resumed = io.outText().trim().split('\n').map((l) => JSON.parse(l) as TrainingEvent);
  const start = resumed.find((e) => e.type === 'train-start');
  assert.ok(start?.type === 'train-start' && start.resumed && start.startEpoch === 1);
  assert.equal(resumed.at(-1)!.type, 'train-end');
});

test('a truncated JPEG the check reports is skipped by training with a warning carrying the same code', async () => {
  const data = join(tmp.dir, 'truncated-data');
  cpSync(await demoSet(), data, { recursive: true });
  const bad = join(data, 'images', 'train', 'demo_03.jpg');
  truncateSync(bad, Math.floor(statSync(bad).size / 2));
  const report = await checkDataset(data);
  const problem = report.problems.find((p) => typeof p.file === 'string' && p.file.endsWith('demo_03.jpg'));
  assert.ok(problem, 'the check reports the file');
  const events: TrainingEvent[] = [];
  const res = await train(tinyConfig(join(tmp.dir, 'truncated'), data, { epochs: 1, overrides: { batch: 4, accumulation: 1 } }), { onEvent: (e) => events.push(e) });
  assert.equal(res.status, 'completed');
  const skipped = warnings(events).filter((r) => r.message.includes('demo_03.jpg'));
  assert.equal(skipped.length, 1, 'warned once');
  assert.equal(skipped[0]!.code, problem.code);
});

test('a batch that cannot fit the memory budget is refused with a coded error before training starts', async () => {
  const data = await demoSet();
  const out = join(tmp.dir, 'huge-runs');
  const io = capture();
  const code = await main(['train', '--data', data, '--imgsz', '1280', '--batch', '512', '--epochs', '1', '--workers', '0', '--backend', 'wasm', '--name', 'huge', '--out', out, '--in-process', '--json-events'], io);
  assert.equal(code, 2, 'bad input: exit 2');
  const events = io.outText().trim().split('\n').map((l) => JSON.parse(l) as TrainingEvent);
  assert.ok(!events.some((e) => e.type === 'train-start' || e.type === 'batch-end' || e.type === 'recovered'), 'nothing was tried');
  const last = events.at(-1)!;
  assert.ok(last.type === 'error' && last.error.code === 'TRAIN_BATCH_TOO_LARGE', JSON.stringify(last));
  assert.match(last.error.message, /batch of 512 at 1280 px .*Leave --batch out/);
});

test('the wasm heap\'s own Aborted(OOM) error reaches the out-of-memory recovery (half the batch)', async () => {
  const data = await demoSet();
  const events: TrainingEvent[] = [];
  const res = await train(tinyConfig(join(tmp.dir, 'heap'), data, { epochs: 1, overrides: { batch: 4, accumulation: 1 }, faults: { heapAbortAtStep: 1, oomWhileBatchAbove: 2 } }), { onEvent: (e) => events.push(e) });
  assert.equal(res.status, 'completed');
  const rec = events.find((e) => e.type === 'recovered');
  assert.ok(rec?.type === 'recovered' && rec.kind === 'oom' && rec.to?.perDeviceBatch === 2, JSON.stringify(rec));
  assert.match(rec.reason.message, /Aborted\(OOM\)/);
});
