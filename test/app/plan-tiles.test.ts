// What the Plan step shows is what trains, on large images with small boxes: plan:create (the
// app's handler, the dataset's records, tiles 'auto' as Start runs it) plans the tiles, the
// sample count, the steps per epoch and the tiling reasons the training process plans, because
// both call the one decision (engine/plan/tiles.ts planTrainSplit). Planning only: the trainer
// is stopped at its plan event, before any network is built.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp, type ForkFn } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import { importDataset } from '../../electron/engine/data/import/index';
import { splitDataset } from '../../electron/engine/data/split';
import { planTrainSplit } from '../../electron/engine/plan/tiles';
import { train } from '../../electron/engine/train/index';
import type { PlanResponse } from '../../electron/shared/schemas/ipc/plan';
import { TrainingPlanSchema, type TrainingPlan } from '../../electron/shared/schemas/plan';
import { SMALL_BOX_IMAGES as N, smallBoxesOnLargeImages } from './small-boxes-fixture';
import { ipcCaller } from './ipc-caller';

const { root, dir: datasetDir } = await smallBoxesOnLargeImages('kestrel-plan-tiles-');
const tree = { dir: datasetDir };

const fork: ForkFn = () => {
  throw new Error('no training process in a planning test');
};
const dialogs = [tree.dir];
const core = await createApp({
  host: { userDataDir: join(root, 'user'), version: '0.0.0-test', openFolderDialog: async () => dialogs.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined },
  engine: realEngine,
  fork,
  workerEntry: join(root, 'none.mjs'),
  sink: { training: () => undefined, runState: () => undefined },
});
const { call } = ipcCaller(core.handlers);

/**
 * The figures that depend on the training samples, and the reasons: in full where they come from
 * the data, by code where they read the machine (free RAM and the backend report move between probes).
 */
const sampled = (p: TrainingPlan) => ({
  tiles: p.tiles,
  trainImages: p.trainImages,
  batchesPerEpoch: p.batchesPerEpoch,
  stepsPerEpoch: p.stepsPerEpoch,
  totalSteps: p.totalSteps,
  warmupSteps: p.warmupSteps,
  perDeviceBatch: p.perDeviceBatch,
  accumulation: p.accumulation,
  lr: p.lr,
  reasonCodes: p.reasons.map((r) => r.code),
  dataReasons: p.reasons.filter((r) => !r.code.startsWith('PLAN_BACKEND') && !r.code.startsWith('PLAN_BUDGET') && !r.code.startsWith('PLAN_DEVICE')),
});

test("the Plan step's plan of a large-image dataset is the trainer's: tiles, samples, steps and reasons", async () => {
  await call('dialog:openFolder', {});
  const model = { scale: 'n' as const, imgsz: 64 };
  const shown = (await call<PlanResponse>('plan:create', { datasetPath: tree.dir, model, overrides: { epochs: 1 } })).plan;

  // The decision itself: the split the trainer makes (seed 0, 20% held out), tiled at the input size.
  const split = splitDataset(await importDataset(tree.dir), { seed: 0 }).splits.train;
  assert.ok(split.length > 0 && split.length < N, `the trainer's split holds out validation images (${split.length} of ${N})`);
  const expected = planTrainSplit(split, 'auto', 64, 0);
  assert.equal(expected.tiling.tiles?.size, 64);
  assert.deepEqual(
    expected.tiling.reasons.map((r) => r.code),
    ['PLAN_TILES_AUTO_SMALL', 'PLAN_TILES_SAMPLES'],
  );
  assert.ok(expected.samples.length > split.length, `tiles are the samples: ${expected.samples.length} from ${split.length} images`);

  // The Plan step shows it.
  assert.deepEqual(shown.tiles, expected.tiling.tiles);
  assert.equal(shown.trainImages, expected.samples.length, 'the sample count is the tiles, not the images');
  const shownCodes = shown.reasons.map((r) => r.code);
  assert.ok(shownCodes.includes('PLAN_TILES_AUTO_SMALL') && shownCodes.includes('PLAN_TILES_SAMPLES'), shownCodes.join());
  assert.deepEqual(
    shown.reasons.filter((r) => r.code.startsWith('PLAN_TILES')),
    expected.tiling.reasons,
  );

  // The training process, started as the app starts it (tiles and seed at their defaults), stopped at its plan.
  const runDir = join(root, 'run');
  const stop = new AbortController();
  const res = await train(
    { runDir, datasetPath: tree.dir, model, epochs: shown.epochs, overrides: {}, calibrate: 'off', calibrationFile: join(root, 'none.json'), workers: 0, checkpointEverySeconds: 0 },
    { signal: stop.signal, onEvent: (e) => e.type === 'plan' && stop.abort() },
  );
  assert.equal(res.status, 'stopped');
  const trained = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.deepEqual(sampled(shown), sampled(trained));
});
