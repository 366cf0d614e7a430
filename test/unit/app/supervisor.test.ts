import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeFork, type ForkFn } from '../../../electron/app/fork';
import { TrainingSupervisor } from '../../../electron/app/supervisor';
import type { EventPayload } from '../../../electron/shared/ipc-contract';

const root = mkdtempSync(join(tmpdir(), 'kestrel-supervisor-'));
after(() => rmSync(root, { recursive: true, force: true }));
const worker = join(import.meta.dirname, 'fixtures/scripted-worker.mjs');

/** Runs the scripted worker in a mode, collecting what the supervisor reports, until the process is gone. */
async function runScripted(mode: string, opts: { checkpoint?: boolean; stopAfterFirstEvent?: boolean; name?: string } = {}) {
  const training: EventPayload<'evt:training'>[] = [];
  const states: EventPayload<'evt:run-state'>[] = [];
  let gone!: () => void;
  const done = new Promise<void>((ok) => (gone = ok));
  // Pass the mode to the worker after the supervisor's own --job argument.
  const fork: ForkFn = (entry, args, o) => nodeFork(entry, [...args, mode], o);
  const sup = new TrainingSupervisor(fork, worker, {
    training: (p) => {
      training.push(p);
      if (opts.stopAfterFirstEvent && p.event.type === 'epoch-start') sup.stop(p.runId);
    },
    runState: (s) => {
      states.push(s);
      if (s.state !== 'running') gone();
    },
  });
  const runDir = join(root, opts.name ?? mode);
  if (opts.checkpoint) mkdirSync(join(runDir, 'weights/last'), { recursive: true });
  const job = { runDir, datasetPath: '/data', model: { scale: 'n' as const, imgsz: 160 }, epochs: 1, overrides: {}, resume: false };
  await sup.start(mode, job);
  await assert.rejects(sup.start('other', { ...job, runDir: join(root, 'other') }), /still training/);
  assert.equal(sup.status()?.runId, mode);
  await done;
  return { sup, training, states, runDir };
}

test('a clean run: events relayed in order, foreign messages ignored, exit reported as clean', async () => {
  const { sup, training, states, runDir } = await runScripted('clean');
  assert.deepEqual(training.map((p) => p.event.type), ['train-start', 'batch-end', 'train-end']);
  assert.ok(training.every((p) => p.runId === 'clean'));
  assert.deepEqual(states.map((s) => [s.state, s.exitCode, s.resumable]), [['running', null, false], ['exited', 0, false]]);
  assert.equal(sup.status(), null);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'job.json'), 'utf8')).datasetPath, '/data', 'the job is written to the run folder');
});

test('a crash after a checkpoint is reported as resumable, with its exit code', async () => {
  const { states } = await runScripted('crash', { checkpoint: true });
  const last = states.at(-1)!;
  assert.equal(last.state, 'crashed');
  assert.equal(last.exitCode, 3);
  assert.equal(last.resumable, true);
  assert.match(last.message!, /Resume continues from the last checkpoint/);
});

test('a crash before any checkpoint says to start again', async () => {
  const { states } = await runScripted('crash', { name: 'crash-early' });
  assert.equal(states.at(-1)!.resumable, false);
});

test('stop asks the process to save and end; it ends cleanly', async () => {
  const { training, states } = await runScripted('stop', { stopAfterFirstEvent: true });
  assert.equal(training.at(-1)!.event.type, 'train-end');
  assert.equal(states.at(-1)!.state, 'exited');
});
