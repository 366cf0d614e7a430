// Issue 16 on a calibrated machine: the Plan step's plan (the app's engine port behind
// plan:create, on the real hardware probe and dataset) is what the training process plans when a
// memory calibration is stored: train() with the app's accepted figures raises no
// TRAIN_PLAN_CHANGED_* warning, and plan.json holds the figures the Plan step showed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realEngine } from '../../../electron/app/engine';
import { storeCalibration } from '../../../electron/engine/train/calibrations';
import { train } from '../../../electron/engine/train/index';
import { stepMemoryVersion } from '../../../electron/engine/plan/constants';
import { elementwiseKernelsEnabled } from '../../../electron/engine/backend/simd-kernels';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { TrainingPlanSchema } from '../../../electron/shared/schemas/plan';
import { demoSet, tempDir } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-accepted-plan-');
after(() => tmp.cleanup());

test('with a stored calibration, Start trains the plan the Plan step showed, without a "plan changed" warning', async () => {
  const data = await demoSet();
  const calibrationFile = join(tmp.dir, 'calibrations.json');
  const model = { scale: 'n' as const, imgsz: 64 };
  const hw = await realEngine.probeHardware();
  const summary = await realEngine.summarizeDataset(await realEngine.importDataset(data));
  const spec = { ...model, numClasses: Math.max(1, summary.classNames.length) };
  const overrides = { epochs: 1 };

  // A calibration of this machine that fits fewer images than the estimate: 6.5 images per budget.
  const estimate = await realEngine.planTraining(hw, spec, summary, overrides, { calibrationFile });
  assert.equal(estimate.memory.source, 'estimate');
  const fixedBytes = 64 * 2 ** 20;
  const perImageBytes = Math.ceil((estimate.memory.budgetBytes - fixedBytes) / 6.5);
  await storeCalibration(calibrationFile, {
    key: { scale: 'n', imgsz: 64, norm: estimate.norm, backend: estimate.backend, device: 'cpu', optimizer: estimate.optimizer, engine: stepMemoryVersion(elementwiseKernelsEnabled()) },
    fixedBytes,
    perImageBytes,
    measuredAt: new Date().toISOString(),
    points: [{ batch: 1, peakBytes: fixedBytes + perImageBytes }],
  });
  const shown = await realEngine.planTraining(hw, spec, summary, overrides, { calibrationFile });
  assert.equal(shown.memory.source, 'calibration');
  assert.equal(shown.perDeviceBatch, 6);
  const accepted = { perDeviceBatch: shown.perDeviceBatch, accumulation: shown.accumulation, lr: shown.lr, warmupSteps: shown.warmupSteps, epochs: shown.epochs };

  // Start, as train:start sends it (the job's fields), stopped right after the plan.
  const runDir = join(tmp.dir, 'run');
  const events: TrainingEvent[] = [];
  const stop = new AbortController();
  const res = await train(
    { runDir, datasetPath: data, model, epochs: shown.epochs, overrides: {}, accepted, calibrationFile, workers: 0, checkpointEverySeconds: 0 },
    {
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'plan') stop.abort();
      },
    },
  );
  assert.equal(res.status, 'stopped');
  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.reason.code] : []));
  assert.deepEqual(
    warnings.filter((c) => c.startsWith('TRAIN_PLAN_CHANGED')),
    [],
    `warnings: ${warnings.join(', ')}`,
  );
  const trained = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.equal(trained.memory.source, 'calibration');
  assert.ok(trained.reasons.some((r) => r.code === 'TRAIN_MEMORY_CALIBRATION_USED'), 'no new probe ran: the stored calibration was used');
  assert.deepEqual(
    { perDeviceBatch: trained.perDeviceBatch, accumulation: trained.accumulation, lr: trained.lr, warmupSteps: trained.warmupSteps, epochs: trained.epochs },
    accepted,
  );
});
