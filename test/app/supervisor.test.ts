import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeFork, type ForkFn } from '../../electron/engine/train/fork';
import { TrainingSupervisor } from '../../electron/app/supervisor';
import { STEP_HOST_ARG, type StepHostLink } from '../../electron/engine/train/step-host';
import { RunStateEventSchema } from '../../electron/shared/schemas/ipc/runs';
import { TrainingEventSchema } from '../../electron/shared/schemas/events';
import type { EventPayload } from '../../electron/shared/ipc-contract';

const root = mkdtempSync(join(tmpdir(), 'kestrel-supervisor-'));
after(() => rmSync(root, { recursive: true, force: true }));
const worker = join(import.meta.dirname, 'fixtures/scripted-worker.mjs');

/** Runs the scripted worker in a mode, collecting what the supervisor reports, until the process is gone. */
async function runScripted(
  mode: string,
  opts: { checkpoint?: boolean | { epoch: number; layout: { perDeviceBatch: number; accumulation: number } }; stopAfterFirstEvent?: boolean; name?: string; maxOomRestarts?: number } = {},
) {
  const training: EventPayload<'evt:training'>[] = [];
  const states: EventPayload<'evt:run-state'>[] = [];
  let gone!: () => void;
  const done = new Promise<void>((ok) => (gone = ok));
  // Pass the mode to the worker after the supervisor's own --job argument.
  const fork: ForkFn = (entry, args, o) => nodeFork(entry, [...args, mode], o);
  const runId = opts.name ?? mode;
  const sup = new TrainingSupervisor(
    fork,
    worker,
    {
      training: (p) => {
      training.push(p);
      if (opts.stopAfterFirstEvent && p.event.type === 'epoch-start') sup.stop(p.runId);
    },
    runState: (s) => {
      states.push(s);
      if (s.state !== 'running') gone();
    },
    },
    { maxOomRestarts: opts.maxOomRestarts ?? 3 },
  );
  const runDir = join(root, runId);
  if (opts.checkpoint) {
    mkdirSync(join(runDir, 'weights/last'), { recursive: true });
    // meta.json marks a complete checkpoint folder (written last by saveCheckpoint).
    writeFileSync(join(runDir, 'weights/last/meta.json'), '{}');
    if (typeof opts.checkpoint === 'object') {
      writeFileSync(join(runDir, 'weights/last/train-state.json'), JSON.stringify({ version: 1, step: 7, ...opts.checkpoint }));
    }
  }
  const job = { runDir, datasetPath: '/data', model: { scale: 'n' as const, imgsz: 160 }, epochs: 1, overrides: {}, resume: false };
  await sup.start(runId, job);
  await assert.rejects(sup.start('other', { ...job, runDir: join(root, 'other') }), /still training/);
  assert.equal(sup.status()?.runId, runId);
  await done;
  // Every relayed payload must pass the contract the renderer and the bridge check.
  for (const p of training) TrainingEventSchema.parse(p.event);
  for (const s of states) RunStateEventSchema.parse(s);
  return { sup, training, states, runDir, jobs: readJobs(runDir) };
}

/** The jobs the scripted worker was started with, in order (one per process). */
function readJobs(runDir: string): Array<{ resume: boolean; layout?: { perDeviceBatch: number; accumulation: number }; restarts?: string }> {
  return readFileSync(join(runDir, 'jobs.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const recoveredOf = (training: EventPayload<'evt:training'>[]) =>
  training.flatMap((p) => (p.event.type === 'recovered' ? [p.event] : []));

test('a clean run: events relayed in order, foreign messages ignored, exit reported as clean', async () => {
  const { sup, training, states, runDir } = await runScripted('clean');
  assert.deepEqual(training.map((p) => p.event.type), ['plan', 'train-start', 'batch-end', 'train-end']);
  assert.ok(training.every((p) => p.runId === 'clean'));
  assert.deepEqual(states.map((s) => [s.state, s.exitCode, s.resumable]), [['running', null, false], ['completed', 0, false]]);
  assert.equal(sup.status(), null);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).datasetPath, '/data', 'the config is written to the run folder');
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
  assert.equal(states.at(-1)!.state, 'stopped', "the process's end is told in train-end's words");
});

test('an out-of-memory death restarts from the checkpoint at half the batch and twice the accumulation', async () => {
  const { training, states, runDir, jobs } = await runScripted('oom-4', { name: 'oom-ckpt', checkpoint: { epoch: 1, layout: { perDeviceBatch: 8, accumulation: 2 } } });
  // First process at the planned batch 8 dies; the second runs 4 x 4 from the checkpoint and finishes.
  assert.deepEqual(
    jobs.map((j) => [j.resume, j.layout ?? null]),
    [
      [false, null],
      [true, { perDeviceBatch: 4, accumulation: 4 }],
    ],
  );
  assert.deepEqual(jobs.map((j) => j.restarts), ['0', '1'], 'the trainer is told it is a restart');
  const rec = recoveredOf(training);
  assert.equal(rec.length, 1);
  assert.equal(rec[0]!.kind, 'oom');
  assert.deepEqual(rec[0]!.from, { perDeviceBatch: 8, accumulation: 2 });
  assert.deepEqual(rec[0]!.to, { perDeviceBatch: 4, accumulation: 4 });
  assert.equal(rec[0]!.resumeEpoch, 1);
  assert.equal(rec[0]!.reason.code, 'APP_RECOVERED_OOM_RESTART');
  assert.match(rec[0]!.reason.message, /batch of 8 x 2 .*epoch 2 .*batch of 4 x 4 .*effective batch \(16\)/);
  // The engineer's window sees one run that went on: no crash in between, a clean end.
  assert.deepEqual(states.map((s) => s.state), ['running', 'completed']);
  assert.equal(training.at(-1)!.event.type, 'train-end');
  // The recovery is in the run's history too, with the layout that ran last (what Resume reuses);
  // the run's config stays as it was started.
  const history = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(history.map((e) => [e.type, e.kind]), [['recovered', 'oom']]);
  assert.deepEqual(history[0].to, { perDeviceBatch: 4, accumulation: 4 });
  assert.equal(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).layout, undefined);
});

test('a resume continues at the layout of the run\'s last recovery, from its config.json', async () => {
  const first = await runScripted('oom-4', { name: 'oom-resume', checkpoint: { epoch: 1, layout: { perDeviceBatch: 8, accumulation: 2 } } });
  const states: string[] = [];
  let gone!: () => void;
  const done = new Promise<void>((ok) => (gone = ok));
  const fork: ForkFn = (entry, args, o) => nodeFork(entry, [...args, 'clean'], o);
  const sup = new TrainingSupervisor(fork, worker, { training: () => undefined, runState: (s) => (states.push(s.state), s.state !== 'running' && gone()) });
  const config = JSON.parse(readFileSync(join(first.runDir, 'config.json'), 'utf8'));
  await sup.start('oom-resume', { ...config, runDir: first.runDir, resume: true });
  await done;
  assert.deepEqual(readJobs(first.runDir).at(-1)!.layout, { perDeviceBatch: 4, accumulation: 4 });
  assert.equal(readJobs(first.runDir).at(-1)!.resume, true);
  assert.deepEqual(states, ['running', 'completed']);
});

test('before any checkpoint it starts over (not resume) with the layout from the plan event halved, as often as needed', async () => {
  const { training, states, jobs } = await runScripted('oom-2', { name: 'oom-fresh' });
  assert.deepEqual(
    jobs.map((j) => [j.resume, j.layout?.perDeviceBatch ?? 8, j.layout?.accumulation ?? 2]),
    [
      [false, 8, 2],
      [false, 4, 4],
      [false, 2, 8],
    ],
  );
  const rec = recoveredOf(training);
  assert.deepEqual(rec.map((r) => [r.reason.code, r.from!.perDeviceBatch * r.from!.accumulation, r.to!.perDeviceBatch * r.to!.accumulation]), [
    ['APP_RECOVERED_OOM_RESTART_FRESH', 16, 16],
    ['APP_RECOVERED_OOM_RESTART_FRESH', 16, 16],
  ]);
  assert.equal(states.at(-1)!.state, 'completed');
});

test('an OUT_OF_MEMORY error event before a failed exit counts as a memory death; SIGKILL from outside too', async () => {
  const err = await runScripted('oomerr-4', { name: 'oom-error', checkpoint: { epoch: 0, layout: { perDeviceBatch: 8, accumulation: 2 } } });
  assert.deepEqual(err.jobs.map((j) => j.layout?.perDeviceBatch ?? 8), [8, 4]);
  assert.equal(recoveredOf(err.training)[0]!.reason.params['cause'], 'crashed');
  assert.equal(err.states.at(-1)!.state, 'completed');
  const killed = await runScripted('killed-4', { name: 'oom-killed' });
  assert.deepEqual(killed.jobs.map((j) => j.layout?.perDeviceBatch ?? 8), [8, 4]);
  assert.equal(recoveredOf(killed.training)[0]!.reason.params['cause'], 'SIGKILL');
});

test('at batch 1 it stops with a clear error instead of restarting', async () => {
  const { training, states, jobs } = await runScripted('oom-0', {
    name: 'oom-batch-one',
    checkpoint: { epoch: 3, layout: { perDeviceBatch: 2, accumulation: 8 } },
  });
  assert.deepEqual(jobs.map((j) => j.layout?.perDeviceBatch ?? null), [null, 1]);
  assert.equal(recoveredOf(training).length, 1);
  const last = states.at(-1)!;
  assert.equal(last.state, 'crashed');
  assert.equal(last.cause, 'oom');
  assert.equal(last.resumable, true);
  assert.equal(last.reason?.code, 'APP_OOM_AT_BATCH_ONE');
  assert.match(last.message!, /even at a batch of 1 image.*smaller input size/);
});

test('it gives up after the allowed number of restarts and offers resume', async () => {
  const { training, states, jobs } = await runScripted('oom-0', { name: 'oom-give-up', maxOomRestarts: 1, checkpoint: { epoch: 0, layout: { perDeviceBatch: 16, accumulation: 1 } } });
  assert.equal(jobs.length, 2);
  assert.equal(recoveredOf(training).length, 1);
  const last = states.at(-1)!;
  assert.equal(last.reason?.code, 'APP_OOM_GAVE_UP');
  assert.equal(last.reason?.params['times'], 2);
  assert.equal(last.reason?.params['batch'], 8);
  assert.match(last.message!, /Resume continues from the last checkpoint/);
});

test('a plain crash is not taken for an out-of-memory death and is not restarted', async () => {
  const { training, jobs } = await runScripted('crash', { name: 'crash-no-restart', checkpoint: { epoch: 0, layout: { perDeviceBatch: 8, accumulation: 2 } } });
  assert.equal(jobs.length, 1);
  assert.equal(recoveredOf(training).length, 0);
});

test('a failure the process reported itself is told as failed, not as a crash', async () => {
  const { states } = await runScripted('oomerr-0', { name: 'failed-reported', checkpoint: { epoch: 0, layout: { perDeviceBatch: 1, accumulation: 16 } } });
  const last = states.at(-1)!;
  assert.equal(last.state, 'failed');
  assert.equal(last.reason?.code, 'APP_OOM_AT_BATCH_ONE');
});

test("main's step host: asked once per start with the job; every process of the run, a restart too, is started with --step-host and connected", async () => {
  const runDir = join(root, 'hosted');
  const asked: string[] = [];
  const launches: Array<{ stepHost: boolean; pid: number | undefined }> = [];
  const connected: Array<number | undefined> = [];
  // The scripted worker reads its arguments by position: it gets them without the switch, which is recorded here.
  const fork: ForkFn = (entry, args, o) => {
    const child = nodeFork(entry, [...args.filter((a) => a !== STEP_HOST_ARG), 'oom-4'], o);
    launches.push({ stepHost: args.includes(STEP_HOST_ARG), pid: child.pid });
    return child;
  };
  // Main's link posts the host's port with its message (utilityProcess only); here it records whom it connected.
  const link: StepHostLink = { connect: (child) => void connected.push(child.pid) };
  const states: EventPayload<'evt:run-state'>[] = [];
  let gone!: () => void;
  const done = new Promise<void>((ok) => (gone = ok));
  const sink = {
    training: () => undefined,
    runState: (s: EventPayload<'evt:run-state'>) => {
      states.push(s);
      if (s.state !== 'running') gone();
    },
  };
  const sup = new TrainingSupervisor(fork, worker, sink, {
    maxOomRestarts: 3,
    stepHost: async (job) => {
      asked.push(job.runDir);
      return link;
    },
  });
  const job = { runDir, datasetPath: '/data', model: { scale: 'n' as const, imgsz: 160 }, epochs: 1, overrides: {}, resume: false };
  await sup.start('hosted', job);
  await done;
  assert.equal(states.at(-1)!.state, 'completed');
  assert.deepEqual(asked, [runDir], 'asked once, with the job');
  assert.equal(launches.length, 2, 'the out-of-memory death at batch 8 restarts at batch 4');
  assert.ok(launches.every((l) => l.stepHost), 'every process waits for the host');
  assert.deepEqual(connected, launches.map((l) => l.pid), 'every process is handed its own port');

  // Main says no host (Dawn loads in the training process, or a CPU backend is forced): started as usual.
  const plain: boolean[] = [];
  const plainFork: ForkFn = (entry, args, o) => {
    plain.push(args.includes(STEP_HOST_ARG));
    return nodeFork(entry, [...args, 'clean'], o);
  };
  let ended!: () => void;
  const over = new Promise<void>((ok) => (ended = ok));
  const sup2 = new TrainingSupervisor(plainFork, worker, { training: () => undefined, runState: (s) => void (s.state !== 'running' && ended()) }, { stepHost: async () => null });
  await sup2.start('unhosted', { ...job, runDir: join(root, 'unhosted') });
  await over;
  assert.deepEqual(plain, [false]);
});
