// The Plan step's Tiles choice (Advanced panel: Automatic, Off or a tile size) on large images
// with small boxes: plan:create plans with it (the plan's `tiles`, sample count, reasons and,
// for Off where tiles are needed, a warning), train:start writes it into the run's config, the
// runs list reports it (a fine-tune starts with its parent's choice), and the training process
// started from that config plans the same tiles the Plan step showed. The one decision is
// engine/plan/tiles.ts planTrainSplit; the training process here is the scripted stand-in,
// except for the last test, where the real trainer is stopped at its plan event.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp, dispatch, nodeFork, type ForkFn } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import { importDataset } from '../../electron/engine/data/import/index';
import { splitDataset } from '../../electron/engine/data/split';
import { planTrainSplit } from '../../electron/engine/plan/tiles';
import { train } from '../../electron/engine/train/index';
import type { EventPayload } from '../../electron/shared/ipc-contract';
import type { PlanResponse } from '../../electron/shared/schemas/ipc/plan';
import type { RunSummary } from '../../electron/shared/schemas/ipc/runs';
import { TrainingPlanSchema, type TrainingPlan } from '../../electron/shared/schemas/plan';
import { TrainConfigSchema } from '../../electron/shared/schemas/train-config';
import { smallBoxesOnLargeImages } from './small-boxes-fixture';
import { ipcCaller } from './ipc-caller';

const { root, dir: datasetDir } = await smallBoxesOnLargeImages('kestrel-tiles-choice-');
const tree = { dir: datasetDir };

// The scripted training process of the supervisor's tests: it reads the run's config.json and ends cleanly.
const worker = join(import.meta.dirname, 'fixtures/scripted-worker.mjs');
const fork: ForkFn = (_entry, args, o) => nodeFork(worker, [...args, 'clean'], o);
const ended = new Map<string, () => void>();
const runEnded = (runId: string) => new Promise<void>((ok) => ended.set(runId, ok));
const onRunState = (s: EventPayload<'evt:run-state'>) => {
  if (s.state !== 'running') ended.get(s.runId)?.();
};
const dialogs = [tree.dir];
const core = await createApp({
  host: { userDataDir: join(root, 'user'), version: '0.0.0-test', openFolderDialog: async () => dialogs.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined },
  engine: realEngine,
  fork,
  workerEntry: worker,
  sink: { training: () => undefined, runState: onRunState },
});
const { call } = ipcCaller(core.handlers);
await call('dialog:openFolder', {});

const model = { scale: 'n' as const, imgsz: 64 };
const plans = new Map<string, TrainingPlan>();
async function planWith(tiles: unknown): Promise<TrainingPlan> {
  const key = JSON.stringify(tiles ?? null);
  const cached = plans.get(key);
  if (cached) return cached;
  const req = { datasetPath: tree.dir, model, overrides: { epochs: 2 }, ...(tiles === undefined ? {} : { tiles }) };
  const plan = (await call<PlanResponse>('plan:create', req)).plan;
  plans.set(key, plan);
  return plan;
}
const codes = (rs: readonly { code: string }[]) => rs.map((r) => r.code);
const tilingCodes = (p: TrainingPlan) => codes(p.reasons).filter((c) => c.startsWith('PLAN_TILES'));

test("plan:create plans 'auto', 'off' and a tile size differently, each with its reasons", async () => {
  const split = splitDataset(await importDataset(tree.dir), { seed: 0 }).splits.train;
  const auto = await planWith('auto');
  const absent = await planWith(undefined);
  const off = await planWith('off');
  const sized = await planWith(160);

  // Automatic (the default, also when the request names none): tiles at the input size.
  assert.equal(auto.tiles?.size, 64);
  assert.deepEqual(tilingCodes(auto), ['PLAN_TILES_AUTO_SMALL', 'PLAN_TILES_SAMPLES']);
  assert.deepEqual(absent.tiles, auto.tiles);
  assert.equal(absent.trainImages, auto.trainImages);
  assert.equal(auto.trainImages, planTrainSplit(split, 'auto', 64, 0).samples.length);
  assert.ok(auto.trainImages > split.length, `tiles are the samples: ${auto.trainImages} from ${split.length} images`);

  // Off: whole images, as the engineer chose, and a warning with what it costs on this dataset.
  assert.equal(off.tiles, null);
  assert.equal(off.trainImages, split.length, 'whole images: one sample per training image');
  assert.deepEqual(tilingCodes(off), ['PLAN_TILES_OFF']);
  const warned = off.warnings.find((w) => w.code === 'PLAN_WARN_TILES_OFF');
  assert.ok(warned, `Off where tiles are needed warns: ${codes(off.warnings).join()}`);
  assert.equal(warned.params['percent'], 100, 'every 6 px box shrinks below 8 px at 64 px');
  assert.equal(warned.params['imgsz'], 64);
  assert.match(warned.message, /Tiles are off, but the images are 10x the model input/);
  assert.equal(codes(auto.warnings).includes('PLAN_WARN_TILES_OFF'), false, 'no such warning when tiling');

  // A size: tiles of that many source pixels, counted as the trainer cuts them.
  assert.equal(sized.tiles?.size, 160);
  assert.deepEqual(tilingCodes(sized), ['PLAN_TILES_SIZE', 'PLAN_TILES_SAMPLES']);
  const expected = planTrainSplit(split, 160, 64, 0);
  assert.deepEqual(sized.tiles, expected.tiling.tiles);
  assert.equal(sized.trainImages, expected.samples.length);
  assert.notEqual(sized.trainImages, auto.trainImages, 'larger tiles, fewer samples');
  assert.ok(sized.trainImages < auto.trainImages);
  assert.ok(sized.stepsPerEpoch <= auto.stepsPerEpoch);
});

test('plan:create and train:start refuse a tiling the schema does not take', async () => {
  for (const tiles of [16, 8193, 100.5, 'big', null]) {
    for (const [ch, payload] of [
      ['plan:create', { datasetPath: tree.dir, model, tiles }],
      ['train:start', { datasetPath: tree.dir, model, epochs: 1, tiles }],
    ] as const) {
      const r = await dispatch(core.handlers, ch, payload);
      assert.equal(r.ok, false, `${ch} ${String(tiles)}`);
      if (!r.ok) assert.equal(r.error.code, 'APP_BAD_REQUEST');
    }
  }
});

/** Starts a run as the Plan step does and waits until the (scripted) process is gone; its config.json. */
async function startRun(name: string, tiles: unknown): Promise<{ runDir: string; config: Record<string, unknown> }> {
  const done = runEnded(name);
  const { runDir } = await call<{ runDir: string }>('train:start', { datasetPath: tree.dir, model, epochs: 2, overrides: {}, name, ...(tiles === undefined ? {} : { tiles }) });
  await done;
  return { runDir, config: JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as Record<string, unknown> };
}

test("train:start writes the Plan step's tiling into the run's config, and the runs list reports it", async () => {
  const sized = await startRun('tiles-160', 160);
  assert.equal(sized.config['tiles'], 160);
  const off = await startRun('tiles-off', 'off');
  assert.equal(off.config['tiles'], 'off');
  const plain = await startRun('tiles-default', undefined);
  assert.equal(plain.config['tiles'], 'auto', 'no choice sent: the default, as the Plan step planned it');
  // The config is the trainer's: it parses as a TrainConfig with the choice in place.
  assert.equal(TrainConfigSchema.parse(sized.config).tiles, 160);

  const { runs } = await call<{ runs: RunSummary[] }>('runs:list', {});
  const tilesOf = (id: string) => runs.find((r) => r.id === id)?.tiles;
  assert.deepEqual([tilesOf('tiles-160'), tilesOf('tiles-off'), tilesOf('tiles-default')], [160, 'off', 'auto']);
});

test('the training process started from that config plans the tiles the Plan step showed', async () => {
  const shown = await planWith(160);
  const started = JSON.parse(readFileSync(join((await call<{ runsDir: string }>('app:info', {})).runsDir, 'tiles-160', 'config.json'), 'utf8')) as Record<string, unknown>;
  const runDir = join(root, 'trainer-160');
  const stop = new AbortController();
  const res = await train(
    { ...TrainConfigSchema.parse(started), runDir, calibrate: 'off', calibrationFile: join(root, 'none.json'), workers: 0, checkpointEverySeconds: 0 },
    { signal: stop.signal, onEvent: (e) => e.type === 'plan' && stop.abort() },
  );
  assert.equal(res.status, 'stopped');
  const trained = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.deepEqual(trained.tiles, shown.tiles);
  assert.equal(trained.trainImages, shown.trainImages);
  assert.deepEqual(
    trained.reasons.filter((r) => r.code.startsWith('PLAN_TILES')),
    shown.reasons.filter((r) => r.code.startsWith('PLAN_TILES')),
  );
});
