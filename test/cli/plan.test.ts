import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILES } from '../engine/plan/profiles';
import { DEFAULT_EPOCHS, DEFAULT_SCALE, FALLBACK_IMGSZ } from '../../electron/shared/defaults';
import { recommendModel } from '../../electron/engine/plan/recommend';
import { importDataset } from '../../electron/engine/data/import/index';
import { summarizeDataset } from '../../electron/engine/data/summary';
import { demoSet } from '../engine/train/helpers';
import { storeCalibration } from '../../electron/engine/train/calibrations';
import { stepMemoryVersion } from '../../electron/engine/plan/constants';
import { elementwiseKernelsEnabled } from '../../electron/engine/backend/simd-kernels';
import { heavyCalibrationFor } from '../helpers/calibration';
import { planTraining } from '../../electron/engine/plan/plan';
import type { TrainingPlan } from '../../electron/shared/schemas/plan';
import { kestrel } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'kestrel-plan-cli-'));
const hwFile = join(dir, 'hw.json');
writeFileSync(hwFile, JSON.stringify(PROFILES.win3090));
const vmFile = join(dir, 'vm.json');
writeFileSync(vmFile, JSON.stringify(PROFILES.vmNoGpu));
// `kestrel plan` reads the machine's stored calibrations (KESTREL_CALIBRATIONS): these tests
// plan with a file of their own, never this machine's ~/.kestrel/calibrations.json.
const calFile = join(dir, 'calibrations.json');
const savedCalEnv = process.env['KESTREL_CALIBRATIONS'];
process.env['KESTREL_CALIBRATIONS'] = calFile;
test.after(() => {
  if (savedCalEnv === undefined) delete process.env['KESTREL_CALIBRATIONS'];
  else process.env['KESTREL_CALIBRATIONS'] = savedCalEnv;
  rmSync(dir, { recursive: true, force: true });
});

test('kestrel plan --json contains the contract fields', async () => {
  const r = await kestrel('plan', '--hardware', hwFile, '--imgsz', '640', '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as Record<string, unknown>;
  for (const k of ['device', 'backend', 'perDeviceBatch', 'accumulation', 'effectiveBatch', 'lr', 'warmupSteps', 'norm', 'reasons', 'warnings']) assert.ok(k in plan, k);
  const mem = plan.memory as Record<string, unknown>;
  assert.equal(typeof mem.budgetBytes, 'number');
  assert.equal(typeof mem.predictedBytes, 'number');
  assert.equal(plan.perDeviceBatch, 24);
  assert.equal(plan.accumulation, 3);
  // The assumed dataset size is stated.
  assert.equal((plan.reasons as Array<{ code: string }>)[0]!.code, 'PLAN_TRAIN_IMAGES_ASSUMED');
});

test('kestrel plan prints a readable table with reasons and passes flags as overrides', async () => {
  const r = await kestrel('plan', '--hardware', vmFile, '--model', 's', '--imgsz', '320', '--train-images', '5000', '--optimizer', 'sgd', '--epochs', '50', '--classes', '3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Kestrel training plan/);
  assert.match(r.out, /YOLOv8s, 320 px, 3 classes/);
  assert.match(r.out, /backend wasm/);
  assert.match(r.out, /SGD \(Nesterov\)/);
  assert.match(r.out, /50 x \d+ optimizer steps \(5000 images/);
  assert.match(r.out, /Why:\n {2}- /);
  assert.doesNotMatch(r.out, /assumed/);
});

test('kestrel plan --batch/--accumulate/--lr/--devices reach the plan', async () => {
  const r = await kestrel('plan', '--hardware', hwFile, '--batch', '16', '--accumulate', '1', '--devices', '8', '--lr', '0.08', '--optimizer', 'sgd', '--json');
  assert.equal(r.code, 0, r.err);
  const p = JSON.parse(r.out) as { perDeviceBatch: number; devices: number; effectiveBatch: number; lr: number; warnings: Array<{ code: string }> };
  assert.deepEqual([p.perDeviceBatch, p.devices, p.effectiveBatch, p.lr], [16, 8, 128, 0.08]);
  assert.ok(p.warnings.some((w) => w.code === 'PLAN_WARN_LR_ABOVE_LINEAR'));
});

for (const args of [
  ['--model', 'x'],
  ['--imgsz', '300'],
  ['--imgsz', 'abc'],
  ['--batch', '0'],
  ['--lr', '-1'],
  ['--optimizer', 'adam'],
  ['--memory-fraction', '1.5'],
  ['--bogus'],
  ['extra-positional'],
]) {
  test(`kestrel plan ${args.join(' ')}: exit 2 with a clear message`, async () => {
    const r = await kestrel('plan', '--hardware', hwFile, ...args);
    assert.equal(r.code, 2);
    assert.match(r.err, args[0] === '--bogus' ? /error CLI_UNKNOWN_FLAG: .+/ : /error CLI_BAD_FLAG: .+/);
    assert.equal(r.out, '');
  });
}

test('kestrel plan with a missing or invalid hardware file: exit 2', async () => {
  const missing = await kestrel('plan', '--hardware', join(dir, 'nope.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /CLI_BAD_FILE: Cannot read the hardware file .*ENOENT/);
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{ not json');
  const r1 = await kestrel('plan', '--hardware', notJson);
  assert.equal(r1.code, 2);
  assert.match(r1.err, /not valid JSON/);
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ gpus: 'none' }));
  const r2 = await kestrel('plan', '--hardware', wrong);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /not a Kestrel hardware profile/);
});

test('kestrel plan when nothing fits: exit 1 naming what to change', async () => {
  const r = await kestrel('plan', '--hardware', vmFile, '--model', 'm', '--imgsz', '960');
  assert.equal(r.code, 1);
  assert.match(r.err, /PLAN_DOES_NOT_FIT: .*--imgsz 928/);
});

test('kestrel plan --help: exit 0', async () => {
  const r = await kestrel('plan', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--train-images N/);
});

for (const args of [
  ['--batch', '100000'],
  ['--accumulate', '100000'],
  ['--batch', '512', '--accumulate', '256'],
  ['--epochs', '99999999'],
  ['--imgsz', '8192'],
  ['--devices', '1000'],
  ['--batch', '1e3'],
]) {
  test(`kestrel plan ${args.join(' ')}: refused by the limits table before planning, exit 2`, async () => {
    const r = await kestrel('plan', '--hardware', hwFile, ...args);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error CLI_BAD_FLAG: (--\S+ .*must be|Batch .* above the \d+ any run trains well with)/);
    assert.doesNotMatch(r.err, /ZodError|INTERNAL|at .*\.ts:/);
    assert.equal(r.out, '');
  });
}

test('kestrel plan with a batch far above the plan warns that the scaled weight decay is unsafe', async () => {
  const r = await kestrel('plan', '--hardware', hwFile, '--batch', '512', '--accumulate', '8', '--optimizer', 'adamw', '--json');
  assert.equal(r.code, 0, r.err);
  const p = JSON.parse(r.out) as { weightDecay: number; effectiveBatch: number; warnings: Array<{ code: string; params: Record<string, number> }> };
  assert.equal(p.effectiveBatch, 4096);
  const w = p.warnings.find((x) => x.code === 'PLAN_WARN_WEIGHT_DECAY_UNSAFE');
  assert.ok(w, `warnings: ${p.warnings.map((x) => x.code).join(', ')}`);
  assert.equal(w.params['weightDecay'], p.weightDecay);
  assert.ok(p.weightDecay > w.params['max']!);
  // The planner's own choice never gets the warning.
  const own = JSON.parse((await kestrel('plan', '--hardware', hwFile, '--json')).out) as { warnings: Array<{ code: string }> };
  assert.ok(!own.warnings.some((x) => x.code === 'PLAN_WARN_WEIGHT_DECAY_UNSAFE'));
});

test('kestrel plan --warmup-epochs and --weight-decay are planned around, with their reasons and warnings', async () => {
  const r = await kestrel('plan', '--hardware', hwFile, '--epochs', '10', '--warmup-epochs', '5', '--weight-decay', '0.5', '--optimizer', 'adamw', '--json');
  assert.equal(r.code, 0, r.err);
  const p = JSON.parse(r.out) as { warmupSteps: number; stepsPerEpoch: number; weightDecay: number; overrides: Record<string, unknown>; reasons: Array<{ code: string }>; warnings: Array<{ code: string }> };
  assert.equal(p.warmupSteps, 5 * p.stepsPerEpoch);
  assert.equal(p.weightDecay, 0.5);
  assert.deepEqual([p.overrides['warmupEpochs'], p.overrides['weightDecay']], [5, 0.5]);
  const reasons = p.reasons.map((x) => x.code);
  assert.ok(reasons.includes('PLAN_WARMUP_OVERRIDE') && reasons.includes('PLAN_WEIGHT_DECAY_OVERRIDE'), reasons.join(', '));
  const warnings = p.warnings.map((x) => x.code);
  assert.ok(warnings.includes('PLAN_WARN_WARMUP_LONG') && warnings.includes('PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE'), warnings.join(', '));
  const table = await kestrel('plan', '--hardware', hwFile, '--warmup-epochs', '0');
  assert.match(table.out, /No warmup: the first updates hit a freshly initialised network/);
  assert.match(table.out, /Warmup of 0 epoch\(s\), as you chose/);
  const bad = await kestrel('plan', '--weight-decay', '-0.1');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--weight-decay \(weight decay\) must be from 0 to 1/);
});

test('kestrel plan without --data plans the shared defaults (scale, epochs, fallback input size)', async () => {
  const r = await kestrel('plan', '--hardware', vmFile, '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as { modelSpec: { scale: string; imgsz: number }; epochs: number };
  assert.deepEqual([plan.modelSpec.scale, plan.modelSpec.imgsz, plan.epochs], [DEFAULT_SCALE, FALLBACK_IMGSZ, DEFAULT_EPOCHS]);
});

test('kestrel plan --data plans from the real dataset: its images, classes and the recommended input size', async () => {
  const data = await demoSet();
  const r = await kestrel('plan', '--hardware', vmFile, '--data', data, '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as { modelSpec: { imgsz: number; numClasses: number }; reasons: Array<{ code: string }> };
  const summary = summarizeDataset(await importDataset(data));
  assert.equal(plan.modelSpec.imgsz, recommendModel(PROFILES.vmNoGpu, summary).imgsz);
  assert.equal(plan.modelSpec.numClasses, summary.classNames.length);
  assert.ok(!plan.reasons.some((x) => x.code === 'PLAN_TRAIN_IMAGES_ASSUMED'));
  const missing = await kestrel('plan', '--hardware', vmFile, '--data', join(dir, 'nope'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /CLI_BAD_FILE/);
});

test('kestrel plan plans with the stored memory calibration, as kestrel train and the app do', async () => {
  const args = ['plan', '--hardware', vmFile, '--imgsz', '64', '--classes', '3', '--train-images', '400', '--epochs', '10', '--json'];
  const before = JSON.parse((await kestrel(...args)).out) as TrainingPlan;
  assert.equal(before.memory.source, 'estimate', 'no calibration stored yet');
  assert.ok(before.perDeviceBatch > 6, `the estimate fits batch ${before.perDeviceBatch}`);
  // This machine measured far more per image than the estimate: at most 6 images fit in 4 GiB.
  const cal = heavyCalibrationFor(before);

  await storeCalibration(calFile, cal);
  const r = await kestrel(...args);
  assert.equal(r.code, 0, r.err);
  const after = JSON.parse(r.out) as TrainingPlan;
  assert.equal(after.memory.source, 'calibration');
  assert.equal(after.memory.calibratedAt, cal.measuredAt);
  assert.equal(after.perDeviceBatch, 6, '(4 GiB - 64 MiB) / 620 MiB per image');
  // What the trainer plans from the same file (engine/train/index.ts planWithCalibration).
  const trainer = planTraining(PROFILES.vmNoGpu, { scale: 'n', imgsz: 64, numClasses: 3 }, { trainImages: 400 }, { epochs: 10 }, { calibrations: [cal], stepMemoryVersion: stepMemoryVersion(elementwiseKernelsEnabled()) });
  assert.deepEqual(after.memory, trainer.memory);
  assert.deepEqual([after.perDeviceBatch, after.accumulation, after.lr], [trainer.perDeviceBatch, trainer.accumulation, trainer.lr]);
  const table = await kestrel(...args.slice(0, -1));
  assert.match(table.out, /Memory .*\(calibration: 64 MiB \+ 620 MiB per image/);
});
