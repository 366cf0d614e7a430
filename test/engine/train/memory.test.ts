import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCalibrations } from '../../../electron/engine/train/calibrations';
import { train } from '../../../electron/engine/train/index';
import { fitMemoryLine, probeBatches } from '../../../electron/engine/train/memory-probe';
import { runMemoryProbe } from '../../../electron/engine/train/probe-child';
import { stepMemoryVersion } from '../../../electron/engine/plan/constants';
import { elementwiseKernelsEnabled } from '../../../electron/engine/backend/simd-kernels';
import { TrainingPlanSchema } from '../../../electron/shared/schemas/plan';
import { demoSet, tempDir, tinyConfig } from './helpers';

const tmp = tempDir('kestrel-memory-');
after(() => tmp.cleanup());

test('fitMemoryLine: least squares through the measured peaks', () => {
  const line = fitMemoryLine([
    { batch: 1, peakBytes: 110 },
    { batch: 2, peakBytes: 120 },
    { batch: 4, peakBytes: 140 },
  ]);
  assert.deepEqual(line, { fixedBytes: 100, perImageBytes: 10 });
  assert.deepEqual(fitMemoryLine([{ batch: 2, peakBytes: 300 }], 100), { fixedBytes: 100, perImageBytes: 100 });
  assert.deepEqual(probeBatches(64), [1, 2, 4]);
  assert.deepEqual(probeBatches(2), [1, 2]);
});

test('the probe runs real steps in a child process; its line predicts another batch size', async () => {
  const spec = { scale: 'n' as const, imgsz: 64, numClasses: 3, norm: 'group' as const };
  const points = await runMemoryProbe({ spec, optimizer: 'adamw', backend: 'wasm', batches: [1, 2, 4, 6] });
  assert.equal(points.length, 4);
  for (let i = 1; i < points.length; i++) assert.ok(points[i]!.peakBytes > points[i - 1]!.peakBytes, 'peaks grow with the batch');
  const line = fitMemoryLine(points.slice(0, 3));
  const predicted6 = line.fixedBytes + line.perImageBytes * 6;
  const measured6 = points[3]!.peakBytes;
  assert.ok(Math.abs(predicted6 - measured6) / measured6 < 0.1, `batch 6: predicted ${predicted6}, measured ${measured6}`);
});

test('a run without a calibration measures one, stores it and plans with it', async () => {
  const data = await demoSet();
  const calFile = join(tmp.dir, 'calibrations.json');
  const runDir = join(tmp.dir, 'cal-run');
  const res = await train(tinyConfig(runDir, data, { epochs: 1, calibrate: 'auto', calibrationFile: calFile, overrides: { batch: 4, accumulation: 1 } }));
  const plan = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.equal(plan.memory.source, 'calibration');
  assert.ok(plan.reasons.some((r) => r.code === 'TRAIN_MEMORY_CALIBRATED'));
  const cals = await readCalibrations(calFile);
  assert.equal(cals.length, 1);
  assert.deepEqual(cals[0]!.key, { scale: 'n', imgsz: 64, norm: plan.norm, backend: 'wasm', device: 'cpu', optimizer: plan.optimizer, engine: stepMemoryVersion(elementwiseKernelsEnabled()) }); // the step this process trains with (element-wise kernels on by default)
  // The measured peak of the first real training step is close to the calibrated prediction.
  const measured = res.memory.measuredPeakBytes!;
  const diff = Math.abs(res.memory.predictedBytes - measured) / measured;
  assert.ok(diff < 0.15, `predicted ${res.memory.predictedBytes}, measured ${measured}`);
});
