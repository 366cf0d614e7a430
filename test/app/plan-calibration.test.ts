// What the Plan step shows is what trains, on a calibrated machine too: the app's plan (the
// engine port behind plan:create) reads the same stored memory calibrations as the training
// process, so its figures equal the trainer's and Start raises no "plan changed" warning.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { realEngine, storedCalibrations } from '../../electron/app/engine';
import { storeCalibration } from '../../electron/engine/train/calibrations';
import { comparePlanWithAccepted, planChangeCause } from '../../electron/engine/train/accepted-plan';
import { planTraining } from '../../electron/engine/plan/plan';
import { STEP_MEMORY_VERSION, stepMemoryVersion } from '../../electron/engine/plan/constants';
import { heavyCalibrationFor } from '../helpers/calibration';
import type { DatasetSummary } from '../../electron/shared/schemas/dataset';
import type { TrainingPlan } from '../../electron/shared/schemas/plan';
import type { AcceptedPlan } from '../../electron/shared/schemas/train-config';
import { PROFILES } from '../engine/plan/profiles';

const hw = PROFILES.vmNoGpu; // wasm on the CPU, a 4 GiB heap: the budget is the same at every call.
const model = { scale: 'n' as const, imgsz: 64, numClasses: 3 };
const summary: DatasetSummary = {
  trainImages: 400,
  valImages: 50,
  classNames: ['scratch', 'dent', 'pit'],
  typicalWidth: 200,
  typicalHeight: 200,
  boxesPerImage: 2,
  boxRelSize: { p10: 0.05, p50: 0.1, p90: 0.2 },
  warnings: [],
};
const overrides = { epochs: 10 };
/** What the renderer's Start sends as `accepted` (renderer/src/lib/plan-view.ts acceptedOf). */
const acceptedOf = (p: TrainingPlan): AcceptedPlan => ({ perDeviceBatch: p.perDeviceBatch, accumulation: p.accumulation, lr: p.lr, warmupSteps: p.warmupSteps, epochs: p.epochs });

let dir: string;
let file: string;
const savedEnv = process.env['KESTREL_CALIBRATIONS'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kestrel-plan-cal-'));
  file = join(dir, 'calibrations.json');
  process.env['KESTREL_CALIBRATIONS'] = file;
});
after(async () => {
  if (savedEnv === undefined) delete process.env['KESTREL_CALIBRATIONS'];
  else process.env['KESTREL_CALIBRATIONS'] = savedEnv;
  await rm(dir, { recursive: true, force: true });
});

test('with a stored calibration the app plans what the trainer plans: no "plan changed" warning', async () => {
  const estimate = await realEngine.planTraining(hw, model, summary, overrides);
  assert.equal(estimate.memory.source, 'estimate', 'no calibration stored yet');
  assert.ok(estimate.perDeviceBatch > 6, `the estimate fits batch ${estimate.perDeviceBatch}`);

  // This machine measured far more memory per image than the estimate: at most 6 images fit.
  const cal = heavyCalibrationFor(estimate);

  await storeCalibration(file, cal);
  assert.deepEqual((await storedCalibrations()).calibrations, [cal], "read from the trainer's file (KESTREL_CALIBRATIONS)");

  const app = await realEngine.planTraining(hw, model, summary, overrides);
  assert.equal(app.memory.source, 'calibration', "the Plan step's plan uses the stored calibration");
  assert.equal(app.memory.calibratedAt, cal.measuredAt);
  assert.equal(app.perDeviceBatch, 6, '(4 GiB - 64 MiB) / 620 MiB per image');

  // The trainer's plan: engine/train/index.ts plans with the calibrations it reads from the same
  // file and the step version of the kernels it runs, for the run's epochs.
  const trainer = planTraining(hw, model, { trainImages: summary.trainImages }, { ...overrides, epochs: app.epochs }, await storedCalibrations());
  assert.deepEqual(acceptedOf(trainer), acceptedOf(app));
  assert.deepEqual(trainer.memory, app.memory);
  const accepted: AcceptedPlan = JSON.parse(JSON.stringify(acceptedOf(app)));
  assert.deepEqual(comparePlanWithAccepted(accepted, trainer, planChangeCause(trainer, false)), [], 'Start raises no TRAIN_PLAN_CHANGED_* warning');

  // Before, the Plan step planned from the estimate: Start then said the layout changed.
  const before = comparePlanWithAccepted(acceptedOf(estimate), trainer, planChangeCause(trainer, false));
  assert.ok(before.some((r) => r.code === 'TRAIN_PLAN_CHANGED_LAYOUT'), 'the estimate-based Plan step would have been contradicted');
});

test('the step version follows the kernels that will run; a missing calibrations file plans from the estimate', async () => {
  const savedSimd = process.env['KESTREL_SIMD_KERNELS'];
  try {
    delete process.env['KESTREL_SIMD_KERNELS'];
    const stored = await storedCalibrations(join(dir, 'none.json'));
    assert.equal(stored.stepMemoryVersion, stepMemoryVersion(true), 'the default step (element-wise kernels on)');
    process.env['KESTREL_SIMD_KERNELS'] = '0';
    assert.equal((await storedCalibrations(join(dir, 'none.json'))).stepMemoryVersion, STEP_MEMORY_VERSION, 'KESTREL_SIMD_KERNELS=0: the plain step');
  } finally {
    if (savedSimd === undefined) delete process.env['KESTREL_SIMD_KERNELS'];
    else process.env['KESTREL_SIMD_KERNELS'] = savedSimd;
  }
  const other = join(dir, 'other.json');
  assert.deepEqual((await storedCalibrations(other)).calibrations, [], 'a missing file: no calibration');
  const plan = await realEngine.planTraining(hw, model, summary, overrides, { calibrationFile: other });
  assert.equal(plan.memory.source, 'estimate');
});
