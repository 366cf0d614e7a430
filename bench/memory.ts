// `npm run bench -- memory [--quick] [--backend wasm]`
// Predicted vs measured peak training memory on wasm. For each (scale, input size) the probe's
// calibration (real steps at batches 1, 2, 4, fitted to fixed + perImage x batch) predicts larger
// batches, which are then measured: the target is within 10% over at least 8 cases. The
// planner's architecture-based estimate is shown beside it, and the plan made with the
// calibration is checked to fit its budget. Prints a table, writes bench/results/memory.json.
// --quick: small inputs (64, 96 px) and batches 6 and 8, for a busy machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '../electron/engine/tf-gradients';
import { initBackend } from '../electron/engine/backend/index';
import { probeHardware } from '../electron/engine/hardware/index';
import { describeModel } from '../electron/engine/model/describe';
import { stepMemoryVersion } from '../electron/engine/plan/constants';
import { elementwiseKernelsEnabled } from '../electron/engine/backend/simd-kernels';
import { calibrationDeviceKey, estimateMemoryLine } from '../electron/engine/plan/memory';
import { planTraining } from '../electron/engine/plan/plan';
import { alignProfileToBackend } from '../electron/engine/train/index';
import { fitMemoryLine, measureStepPeaks, probeBatches } from '../electron/engine/train/memory-probe';
import type { BackendId } from '../electron/shared/schemas/hardware';
import type { ModelScale, NormKind } from '../electron/shared/schemas/model';
import type { MemoryCalibration } from '../electron/shared/schemas/plan';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
  },
});
const quick = values.quick === true;
const backend = await initBackend({ force: values.backend as BackendId });
const hw = alignProfileToBackend(await probeHardware(), backend);
const sizes = quick ? [64, 96] : [96, 160, 224];
const testBatches = quick ? [6, 8] : [8, 16];
const scales: ModelScale[] = ['n', 's'];
const optimizer = 'adamw' as const;

interface Case {
  scale: ModelScale;
  imgsz: number;
  norm: NormKind;
  batch: number;
  measuredBytes: number;
  predictedBytes: number;
  errorPercent: number;
  estimateBytes: number;
  estimateErrorPercent: number;
}
const cases: Case[] = [];
const plans: Array<{ scale: ModelScale; imgsz: number; perDeviceBatch: number; predictedBytes: number; budgetBytes: number; fits: boolean }> = [];
for (const scale of scales) {
  for (const imgsz of sizes) {
    const norm: NormKind = 'batch';
    const spec = { scale, imgsz, numClasses: 6, norm };
    const probe = await measureStepPeaks(spec, optimizer, probeBatches(64));
    const line = fitMemoryLine(probe);
    const est = estimateMemoryLine(describeModel(spec), optimizer, backend.id);
    const measured = await measureStepPeaks(spec, optimizer, testBatches);
    for (const m of measured) {
      const predictedBytes = line.fixedBytes + line.perImageBytes * m.batch;
      const estimateBytes = est.fixedBytes + est.perImageBytes * m.batch;
      cases.push({
        scale,
        imgsz,
        norm,
        batch: m.batch,
        measuredBytes: m.peakBytes,
        predictedBytes,
        errorPercent: ((predictedBytes - m.peakBytes) / m.peakBytes) * 100,
        estimateBytes,
        estimateErrorPercent: ((estimateBytes - m.peakBytes) / m.peakBytes) * 100,
      });
    }
    const cal: MemoryCalibration = {
      key: { scale, imgsz, norm, backend: backend.id, device: calibrationDeviceKey({ kind: 'cpu', name: '' }), optimizer, engine: stepMemoryVersion(elementwiseKernelsEnabled()) },
      fixedBytes: line.fixedBytes,
      perImageBytes: line.perImageBytes,
      measuredAt: new Date().toISOString(),
      points: probe,
    };
    const plan = planTraining(hw, { scale, imgsz, numClasses: 6 }, { trainImages: 1000 }, { optimizer }, { calibrations: [cal], stepMemoryVersion: stepMemoryVersion(elementwiseKernelsEnabled()) });
    plans.push({ scale, imgsz, perDeviceBatch: plan.perDeviceBatch, predictedBytes: plan.memory.predictedBytes, budgetBytes: plan.memory.budgetBytes, fits: plan.memory.predictedBytes <= plan.memory.budgetBytes });
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`\nPeak training memory on ${backend.id}: calibrated prediction (batches ${probeBatches(64).join(', ')}) vs measured (${quick ? 'quick' : 'full'})\n`);
console.log('scale  imgsz  batch  measured MiB  predicted MiB  error %  estimate MiB  estimate error %');
for (const c of cases) {
  console.log(
    `${c.scale.padEnd(5)}  ${String(c.imgsz).padStart(5)}  ${String(c.batch).padStart(5)}  ${mib(c.measuredBytes).padStart(12)}  ${mib(c.predictedBytes).padStart(13)}  ${c.errorPercent.toFixed(1).padStart(7)}  ${mib(c.estimateBytes).padStart(12)}  ${c.estimateErrorPercent.toFixed(1).padStart(16)}`,
  );
}
const within = cases.filter((c) => Math.abs(c.errorPercent) <= 10).length;
console.log(`\n${within} of ${cases.length} cases within 10% (target: all, at least 8 cases).`);
console.log('\nPlans made with the calibration (1000 images, AdamW):');
for (const p of plans) console.log(`  ${p.scale} ${p.imgsz}px: batch ${p.perDeviceBatch}, predicted ${mib(p.predictedBytes)} MiB of a ${mib(p.budgetBytes)} MiB budget${p.fits ? '' : '  OVER BUDGET'}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/memory.json', JSON.stringify({ bench: 'memory', quick, backend: backend.id, at: new Date().toISOString(), cases, within10: within, plans }, null, 2) + '\n');
console.log('\nwrote bench/results/memory.json');
