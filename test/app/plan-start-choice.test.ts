// The Plan step's Starting weights choice (Advanced panel: Automatic, Kestrel's pretrained weights
// or random weights): plan:create plans with it (the plan's `pretrained`, its first reason, and
// which weights ship for the scale), asking for weights that do not ship is PRETRAINED_MISSING
// before anything starts, a fine-tune ignores it (it starts from its parent), train:start writes
// it into the run's config, and the training process started from that config plans the start
// the Plan step showed. The one decision is engine/model/pretrained-start.ts newRunStart; the
// shipped weights here are a tiny untrained detector in a folder KESTREL_PRETRAINED_DIR names.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp, nodeFork, type EnginePort, type ForkFn } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import { initBackend } from '../../electron/engine/backend/index';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import { createDetector } from '../../electron/engine/model/detector';
import { saveDetector } from '../../electron/engine/model/persist';
import { PRETRAINED_INFO_FILE, type PretrainedInfo } from '../../electron/engine/model/pretrained';
import { decideStart } from '../../electron/engine/plan/start';
import { train } from '../../electron/engine/train/index';
import type { EventPayload } from '../../electron/shared/ipc-contract';
import type { PlanResponse } from '../../electron/shared/schemas/ipc/plan';
import { TrainingPlanSchema, type TrainingPlan } from '../../electron/shared/schemas/plan';
import { TrainConfigSchema } from '../../electron/shared/schemas/train-config';
import { ipcCaller } from './ipc-caller';

const root = mkdtempSync(join(tmpdir(), 'kestrel-start-choice-'));
const saved = { pretrained: process.env['KESTREL_PRETRAINED_DIR'], calibrations: process.env['KESTREL_CALIBRATIONS'], backend: process.env['KESTREL_BACKEND'] };
const restore = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
after(() => {
  restore('KESTREL_PRETRAINED_DIR', saved.pretrained);
  restore('KESTREL_CALIBRATIONS', saved.calibrations);
  restore('KESTREL_BACKEND', saved.backend);
  rmSync(root, { recursive: true, force: true });
});
// The Plan step and the trainer plan from the estimate (no stored calibration) on the same backend.
process.env['KESTREL_CALIBRATIONS'] = join(root, 'none.json');
process.env['KESTREL_BACKEND'] = 'wasm';
await initBackend({ force: 'wasm' });

// Shipped weights for scale n only: a tiny untrained detector on eight synthetic classes, described.
const shippedDir = join(root, 'pretrained');
const info: PretrainedInfo = { name: 'kestrel-synth-test-n', images: 40, epochs: 1, imgsz: 64, command: 'kestrel pretrain --images 40 --epochs 1 --imgsz 64', map50: 0.1 };
{
  const classNames = ['line', 'curve', 'blob', 'pits', 'cracks', 'fractal', 'ring', 'patch'];
  const det = createDetector({ scale: 'n', imgsz: 64, numClasses: classNames.length, norm: 'batch' }, { seed: 5 });
  await saveDetector(det, join(shippedDir, 'n'), { classNames });
  det.dispose();
  writeFileSync(join(shippedDir, 'n', PRETRAINED_INFO_FILE), JSON.stringify(info));
}
process.env['KESTREL_PRETRAINED_DIR'] = shippedDir;

const datasetDir = join(root, 'demo');
await generateDemoDataset(datasetDir, { images: 10, size: [64, 96], seed: 3 });

// The scripted training process of the supervisor's tests: it reads the run's config.json and ends cleanly.
const worker = join(import.meta.dirname, 'fixtures/scripted-worker.mjs');
const fork: ForkFn = (_entry, args, o) => nodeFork(worker, [...args, 'clean'], o);
const ended = new Map<string, () => void>();
const runEnded = (runId: string) => new Promise<void>((ok) => ended.set(runId, ok));
const onRunState = (s: EventPayload<'evt:run-state'>) => {
  if (s.state !== 'running') ended.get(s.runId)?.();
};
// The real engine, but a fine-tune's parent 'base' is taken as found (its weights are the engine's tests' business).
const starts: string[] = [];
const engine: EnginePort = {
  ...realEngine,
  newRunStart: (mode, scale) => (starts.push(`${mode} ${scale}`), realEngine.newRunStart(mode, scale)),
  resolveParent: async (dir, runs, scale) => (dir.endsWith('base') ? { name: 'base', weightsDir: join(dir, 'weights', 'best'), norm: 'batch' } : realEngine.resolveParent(dir, runs, scale)),
};
const dialogs = [datasetDir];
const core = await createApp({
  host: { userDataDir: join(root, 'user'), version: '0.0.0-test', openFolderDialog: async () => dialogs.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined },
  engine,
  fork,
  workerEntry: worker,
  sink: { training: () => undefined, runState: onRunState },
});
const { call, codeOf } = ipcCaller(core.handlers);
await call('dialog:openFolder', {});

const model = { scale: 'n' as const, imgsz: 64 };
async function planWith(start: unknown, extra: Record<string, unknown> = {}): Promise<PlanResponse> {
  return call<PlanResponse>('plan:create', { datasetPath: datasetDir, model, overrides: { epochs: 2 }, ...(start === undefined ? {} : { start }), ...extra });
}
const codes = (p: TrainingPlan) => p.reasons.map((r) => r.code);

test("plan:create plans 'pretrained', 'scratch' and 'auto' as the trainer will start them, and says what ships", async () => {
  const pretrained = await planWith('pretrained');
  const scratch = await planWith('scratch');
  const auto = await planWith('auto');
  const absent = await planWith(undefined);

  // What ships for the scale, whatever the choice: the Starting weights choice offers it.
  for (const r of [pretrained, scratch, auto, absent]) assert.deepEqual(r.pretrainedShipped, { name: info.name, images: info.images });

  // Pretrained: recorded in the plan and said first, with the weights' name and image count.
  assert.equal(pretrained.plan.pretrained, info.name);
  assert.equal(codes(pretrained.plan)[0], 'PLAN_START_PRETRAINED');
  assert.deepEqual(pretrained.plan.reasons[0]?.params, { name: info.name, images: info.images });
  // ... with the plan of a new run (the LR and warmup of one from scratch).
  assert.equal(pretrained.plan.lr, scratch.plan.lr);
  assert.equal(pretrained.plan.warmupSteps, scratch.plan.warmupSteps);

  // Scratch: random weights, nothing said of the pretrained ones.
  assert.equal(scratch.plan.pretrained, undefined);
  assert.equal(codes(scratch.plan).includes('PLAN_START_PRETRAINED'), false);

  // Automatic (also when the request names none): the one decision's default.
  const autoUse = decideStart('auto', true, 'n');
  for (const r of [auto, absent]) {
    assert.equal(r.plan.pretrained, autoUse === 'pretrained' ? info.name : undefined);
    assert.deepEqual(codes(r.plan), codes((autoUse === 'pretrained' ? pretrained : scratch).plan));
  }
});

test('a scale without shipped weights: none offered, Automatic starts from random weights, asking for them is PRETRAINED_MISSING', async () => {
  const small = { scale: 's' as const, imgsz: 64 };
  const auto = await call<PlanResponse>('plan:create', { datasetPath: datasetDir, model: small, overrides: { epochs: 2 }, start: 'auto' });
  assert.equal(auto.pretrainedShipped, null);
  assert.equal(auto.plan.pretrained, undefined);
  assert.equal(await codeOf('plan:create', { datasetPath: datasetDir, model: small, start: 'pretrained' }), 'PRETRAINED_MISSING');
  // Start says so too, before any run folder exists.
  assert.equal(await codeOf('train:start', { datasetPath: datasetDir, model: small, epochs: 1, start: 'pretrained', name: 'no-weights' }), 'PRETRAINED_MISSING');
  assert.equal(existsSync(join((await call<{ runsDir: string }>('app:info', {})).runsDir, 'no-weights')), false);
});

test('plan:create and train:start refuse a start the schema does not take', async () => {
  for (const start of ['imagenet', null, 1, true]) {
    assert.equal(await codeOf('plan:create', { datasetPath: datasetDir, model, start }), 'APP_BAD_REQUEST', String(start));
    assert.equal(await codeOf('train:start', { datasetPath: datasetDir, model, epochs: 1, start }), 'APP_BAD_REQUEST', String(start));
  }
});

test('a fine-tune starts from its parent: the start is not asked for, nothing pretrained is offered or planned', async () => {
  starts.length = 0;
  const tuned = await planWith('pretrained', { from: 'base' });
  assert.equal(tuned.plan.parentRun, 'base');
  assert.equal(tuned.plan.pretrained, undefined);
  assert.equal(codes(tuned.plan)[0], 'PLAN_FINETUNE');
  assert.equal(tuned.pretrainedShipped, undefined);
  assert.deepEqual(starts, [], 'no start decided for a fine-tune');
});

/** Starts a run as the Plan step does and waits until the (scripted) process is gone; its config.json. */
async function startRun(name: string, extra: Record<string, unknown>): Promise<Record<string, unknown>> {
  const done = runEnded(name);
  const { runDir } = await call<{ runDir: string }>('train:start', { datasetPath: datasetDir, model, epochs: 2, overrides: {}, name, ...extra });
  await done;
  return JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
}

test("train:start writes the Plan step's start into the run's config (a fine-tune's is its parent)", async () => {
  assert.equal((await startRun('start-pretrained', { start: 'pretrained' }))['start'], 'pretrained');
  assert.equal((await startRun('start-scratch', { start: 'scratch' }))['start'], 'scratch');
  assert.equal((await startRun('start-default', {}))['start'], 'auto', 'no choice sent: the default, as the Plan step planned it');
  const base = join((await call<{ runsDir: string }>('app:info', {})).runsDir, 'base');
  mkdirSync(join(base, 'weights', 'best'), { recursive: true });
  const tuned = await startRun('start-finetune', { start: 'pretrained', from: 'base' });
  assert.equal(tuned['from'], join(base, 'weights', 'best'));
  assert.equal(tuned['start'], 'auto', 'a fine-tune records no start of its own');
});

test('the training process started from that config plans the start the Plan step showed', async () => {
  const shown = (await planWith('pretrained')).plan;
  const started = JSON.parse(readFileSync(join((await call<{ runsDir: string }>('app:info', {})).runsDir, 'start-pretrained', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(TrainConfigSchema.parse(started).start, 'pretrained');
  const runDir = join(root, 'trainer-pretrained');
  const stop = new AbortController();
  const res = await train(
    { ...TrainConfigSchema.parse(started), runDir, backend: 'wasm', calibrate: 'off', calibrationFile: join(root, 'none.json'), workers: 0, checkpointEverySeconds: 0 },
    { signal: stop.signal, onEvent: (e) => e.type === 'plan' && stop.abort() },
  );
  assert.equal(res.status, 'stopped');
  const trained = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.equal(trained.pretrained, shown.pretrained);
  assert.deepEqual(trained.reasons[0], shown.reasons[0]);
});
