import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { planTraining, lrAt, estimateMemoryLine, MEMORY_MODEL, STEP_MEMORY_VERSION, stepMemoryVersion } from '../../../electron/engine/plan/index';
import { describeModel } from '../../../electron/engine/model/describe';
import { KestrelError } from '../../../electron/shared/errors';
import { TrainingPlanSchema, type MemoryCalibration, type PlanOverrides, type TrainingPlan } from '../../../electron/shared/schemas/plan';
import type { HardwareProfile } from '../../../electron/shared/schemas/hardware';
import type { ModelScale } from '../../../electron/shared/schemas/model';
import { GiB, MiB, PROFILES, gpuBox, measuredLine } from './profiles';

const codes = (rs: { code: string }[]) => rs.map((r) => r.code);

function plan(hw: HardwareProfile, scale: ModelScale, imgsz: number, trainImages = 1000, ov: PlanOverrides = {}, calibrations?: MemoryCalibration[]): TrainingPlan {
  const p = planTraining(hw, { scale, imgsz, numClasses: 6 }, { trainImages }, ov, calibrations ? { calibrations } : {});
  TrainingPlanSchema.parse(p); // every plan is a valid TrainingPlan
  return p;
}

interface Row {
  name: string;
  hw: HardwareProfile;
  scale: ModelScale;
  imgsz: number;
  trainImages?: number;
  want: {
    device: 'cpu' | number;
    backend: string;
    batch: number;
    acc: number;
    E: number;
    optimizer: 'sgd' | 'adamw';
    lr: number;
    warmup: number;
    norm: 'batch' | 'group';
    dp?: [devices: number, batch: number, acc: number, E: number];
  };
}

// Concrete plans for the probe's fixture machines (6 classes, 1000 training images unless
// stated). E.g. RTX 3090, n @ 640: budget 0.8 x 22.3 GiB free = 17.9 GiB; the model needs
// ~0.55 GiB + ~0.69 GiB per image, so 24 fit; accumulation round(64/24) = 3, E = 72;
// AdamW (1,400 steps < 10,000) at 1e-3 x sqrt(72/64) x 0.875 = 9.28e-4; warmup max(3 epochs = 3 x 14, 1,600 images = 23 steps).
const TABLE: Row[] = [
  { name: 'RTX 3090 24 GB, n @ 640', hw: PROFILES.win3090, scale: 'n', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 24, acc: 3, E: 72, optimizer: 'adamw', lr: 0.000928, warmup: 42, norm: 'batch' } },
  { name: 'RTX 3090 24 GB, s @ 640', hw: PROFILES.win3090, scale: 's', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 12, acc: 5, E: 60, optimizer: 'adamw', lr: 0.000968, warmup: 51, norm: 'batch' } },
  { name: 'RTX 3090 24 GB, m @ 640', hw: PROFILES.win3090, scale: 'm', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 7, acc: 9, E: 63, optimizer: 'adamw', lr: 0.000992, warmup: 48, norm: 'batch' } },
  { name: 'RTX 3090, n @ 640, 20,000 images (long run: SGD)', hw: PROFILES.win3090, scale: 'n', imgsz: 640, trainImages: 20000, want: { device: 0, backend: 'tfjs-node-gpu', batch: 24, acc: 3, E: 72, optimizer: 'sgd', lr: 0.00984, warmup: 834, norm: 'batch' } },
  { name: 'laptop RTX 3060 6 GB (iGPU skipped), n @ 640', hw: PROFILES.laptop3060, scale: 'n', imgsz: 640, want: { device: 1, backend: 'tfjs-node-gpu', batch: 5, acc: 13, E: 65, optimizer: 'adamw', lr: 0.000882, warmup: 48, norm: 'batch' } },
  { name: 'laptop RTX 3060 6 GB, s @ 640: GroupNorm', hw: PROFILES.laptop3060, scale: 's', imgsz: 640, want: { device: 1, backend: 'tfjs-node-gpu', batch: 2, acc: 32, E: 64, optimizer: 'adamw', lr: 0.001, warmup: 48, norm: 'group' } },
  { name: 'laptop RTX 3060 6 GB, n @ 320', hw: PROFILES.laptop3060, scale: 'n', imgsz: 320, want: { device: 1, backend: 'tfjs-node-gpu', batch: 22, acc: 3, E: 66, optimizer: 'adamw', lr: 0.000889, warmup: 48, norm: 'batch' } },
  { name: '4x A100 80 GB, n @ 640', hw: PROFILES.a100x4, scale: 'n', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 64, acc: 1, E: 64, optimizer: 'adamw', lr: 0.001, warmup: 48, norm: 'batch', dp: [4, 16, 1, 64] } },
  { name: '4x A100 80 GB, m @ 640', hw: PROFILES.a100x4, scale: 'm', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 25, acc: 3, E: 75, optimizer: 'adamw', lr: 0.000947, warmup: 42, norm: 'batch', dp: [4, 19, 1, 76] } },
  { name: 'RTX 4090 + RTX 3060, n @ 640', hw: PROFILES.rtx4090and3060, scale: 'n', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 24, acc: 3, E: 72, optimizer: 'adamw', lr: 0.000928, warmup: 42, norm: 'batch', dp: [2, 12, 3, 72] } },
  { name: 'RTX 4090 + RTX 3060, m @ 640 (3060 limits the split)', hw: PROFILES.rtx4090and3060, scale: 'm', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 6, acc: 11, E: 66, optimizer: 'adamw', lr: 0.000889, warmup: 48, norm: 'batch', dp: [2, 3, 11, 66] } },
  { name: 'RTX 4090 without tfjs-node-gpu: CPU, tfjs-node', hw: PROFILES.rtx4090NoCuda, scale: 'n', imgsz: 640, want: { device: 'cpu', backend: 'tfjs-node', batch: 64, acc: 1, E: 64, optimizer: 'adamw', lr: 0.001, warmup: 48, norm: 'batch' } },
  { name: 'VM without GPU, wasm, n @ 640', hw: PROFILES.vmNoGpu, scale: 'n', imgsz: 640, want: { device: 'cpu', backend: 'wasm', batch: 8, acc: 8, E: 64, optimizer: 'adamw', lr: 0.001, warmup: 48, norm: 'batch' } },
  { name: 'VM without GPU, wasm, m @ 480: GroupNorm', hw: PROFILES.vmNoGpu, scale: 'm', imgsz: 480, want: { device: 'cpu', backend: 'wasm', batch: 3, acc: 21, E: 63, optimizer: 'adamw', lr: 0.000992, warmup: 48, norm: 'group' } },
  { name: 'VM without GPU, wasm, n @ 320', hw: PROFILES.vmNoGpu, scale: 'n', imgsz: 320, want: { device: 'cpu', backend: 'wasm', batch: 35, acc: 2, E: 70, optimizer: 'adamw', lr: 0.000915, warmup: 45, norm: 'batch' } },
  { name: 'GTX 1080 Ti (4095 MB cap corrected by nvidia-smi), n @ 640', hw: PROFILES.win1080tiCapped, scale: 'n', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 10, acc: 6, E: 60, optimizer: 'adamw', lr: 0.000968, warmup: 51, norm: 'batch' } },
  { name: 'GTX 1080 Ti, m @ 640: GroupNorm', hw: PROFILES.win1080tiCapped, scale: 'm', imgsz: 640, want: { device: 0, backend: 'tfjs-node-gpu', batch: 3, acc: 21, E: 63, optimizer: 'adamw', lr: 0.000992, warmup: 48, norm: 'group' } },
  { name: 'GTX 1080 Ti at 4095 MB without nvidia-smi: CPU', hw: PROFILES.win1080tiNoSmi, scale: 'n', imgsz: 640, want: { device: 'cpu', backend: 'tfjs-node', batch: 14, acc: 5, E: 70, optimizer: 'adamw', lr: 0.000915, warmup: 45, norm: 'batch' } },
];

for (const row of TABLE) {
  test(`plan: ${row.name}`, () => {
    const p = plan(row.hw, row.scale, row.imgsz, row.trainImages);
    const w = row.want;
    assert.equal(p.device.kind === 'cpu' ? 'cpu' : p.device.gpuIndex, w.device);
    assert.equal(p.backend, w.backend);
    assert.deepEqual(
      { batch: p.perDeviceBatch, acc: p.accumulation, E: p.effectiveBatch, optimizer: p.optimizer, lr: p.lr, warmup: p.warmupSteps, norm: p.norm },
      { batch: w.batch, acc: w.acc, E: w.E, optimizer: w.optimizer, lr: w.lr, warmup: w.warmup, norm: w.norm },
    );
    assert.equal(p.effectiveBatch, p.perDeviceBatch * p.devices * p.accumulation);
    assert.equal(p.modelSpec.norm, p.norm);
    assert.ok(p.memory.predictedBytes <= p.memory.budgetBytes);
    if (w.dp) {
      assert.ok(p.dataParallel);
      assert.deepEqual([p.dataParallel.devices, p.dataParallel.perDeviceBatch, p.dataParallel.accumulation, p.dataParallel.effectiveBatch], w.dp);
      assert.ok(codes(p.reasons).includes('PLAN_LOCAL_ONE_DEVICE'));
      assert.ok(codes(p.reasons).includes('PLAN_DATA_PARALLEL'));
    } else {
      assert.equal(p.dataParallel, null);
    }
    if (w.norm === 'group') assert.ok(codes(p.reasons).includes('PLAN_GROUPNORM'));
  });
}

test('the RTX 3090 case follows from the figures by hand', () => {
  const p = plan(PROFILES.win3090, 'n', 640);
  const f = describeModel({ scale: 'n', imgsz: 640, numClasses: 6, norm: 'batch' });
  const fixed = f.params * (4 + 4 + 8) + f.buffers * 4 + 512 * MiB; // AdamW state: 8 bytes
  const perImage = f.activationBytesPerImage * 8 + 640 * 640 * 3 * 4;
  const budget = 23966253056 * 0.8;
  assert.equal(p.memory.fixedBytes, fixed);
  assert.equal(p.memory.perImageBytes, perImage);
  assert.equal(p.memory.budgetBytes, Math.floor(budget));
  assert.equal(p.perDeviceBatch, Math.floor((budget - fixed) / perImage));
  assert.equal(p.stepsPerEpoch, Math.ceil(Math.ceil(1000 / 24) / 3)); // 42 batches -> 14 steps
  assert.equal(p.totalSteps, 1400);
  assert.equal(p.figures.gflopsPerImage, Number((f.forwardFlopsPerImage / 1e9).toPrecision(3)));
});

test('wasm estimate matches the measured training step (npm run bench -- memory, AdamW)', () => {
  // Measured peaks (batches 8 and 16) fit to fixed + perImage x batch:
  // YOLOv8n @ 224: 80.7 MiB + 55.0 MiB per image; YOLOv8s @ 224: 297.9 MiB + 97.7 MiB per image.
  const n = estimateMemoryLine(describeModel({ scale: 'n', imgsz: 224, numClasses: 6, norm: 'batch' }), 'adamw', 'wasm');
  const s = estimateMemoryLine(describeModel({ scale: 's', imgsz: 224, numClasses: 6, norm: 'batch' }), 'adamw', 'wasm');
  const within = (got: number, want: number, tol: number) => assert.ok(Math.abs(got / MiB - want) / want < tol, `${(got / MiB).toFixed(1)} MiB vs ${want} MiB`);
  within(n.perImageBytes, 55.0, 0.03);
  within(s.perImageBytes, 97.7, 0.14);
  within(n.fixedBytes, 80.7, 0.25);
  within(s.fixedBytes, 297.9, 0.1);
  // Never below the measurement: an estimate that errs plans a smaller batch, not an OOM.
  assert.ok(n.perImageBytes / MiB >= 55.0 && s.perImageBytes / MiB >= 97.7);
  assert.equal(MEMORY_MODEL.wasm.backwardFactor, 5.1);
});

test('webgpu estimate is within 10% of what nvidia-smi measured on a real GPU, never below it', () => {
  // bench/results/device-h200.json: the device check on an H200 (Dawn over Vulkan), AdamW,
  // 4 classes, batch 64. The estimate must err on the safe side (a smaller batch, not an OOM).
  const measured = JSON.parse(readFileSync(new URL('../../../bench/results/device-h200.json', import.meta.url), 'utf8')) as {
    gpuRows: Array<{ scale: ModelScale; imgsz: number; batch: number; webgpu: { nvidiaSmiBytes: number } }>;
  };
  assert.equal(measured.gpuRows.length, 4);
  for (const r of measured.gpuRows) {
    const line = estimateMemoryLine(describeModel({ scale: r.scale, imgsz: r.imgsz, numClasses: 4, norm: 'batch' }), 'adamw', 'webgpu');
    const ratio = (line.fixedBytes + line.perImageBytes * r.batch) / r.webgpu.nvidiaSmiBytes;
    assert.ok(ratio >= 1 && ratio <= 1.1, `${r.scale} ${r.imgsz}: predicted ${ratio.toFixed(3)}x the measurement`);
  }
});

test('8 GPUs x 16 (E = 128): planned SGD LR is derated below the strict linear value, with warmup', () => {
  const p = plan(gpuBox(8, 30), 's', 640, 5000, { devices: 8, batch: 16, optimizer: 'sgd' });
  assert.equal(p.devices, 8);
  assert.equal(p.effectiveBatch, 128);
  assert.equal(p.accumulation, 1);
  const strict = 0.01 * (128 / 64); // 0.02: what linear scaling from 0.01 @ 64 gives
  assert.equal(p.lr, 0.0175); // 12.5 % below
  assert.ok(p.lr < strict && p.lr < 0.08);
  assert.ok(codes(p.reasons).includes('PLAN_LR_DERATED'));
  assert.ok(codes(p.reasons).includes('PLAN_MULTI_DEVICE')); // SyncBN note
  assert.ok(codes(p.reasons).includes('PLAN_LOCAL_ENGINE_ONE'));
  // Warmup of 3 epochs: 40 steps per epoch -> 120 (above the 1,600-image floor of 13 steps).
  assert.equal(p.stepsPerEpoch, 40);
  assert.equal(p.warmupSteps, 120);
  assert.ok(lrAt(p.schedule, 0).lr < 1e-6);
  assert.equal(lrAt(p.schedule, p.warmupSteps).lr, p.lr);
  assert.deepEqual(p.warnings, []);
});

test('8 GPUs x 16 forced to the strictly linear LR 0.08: kept, with warnings that say so', () => {
  const p = plan(gpuBox(8, 30), 's', 640, 5000, { devices: 8, batch: 16, optimizer: 'sgd', lr: 0.08 });
  assert.equal(p.lr, 0.08);
  assert.equal(p.warmupSteps, 120);
  const w = codes(p.warnings);
  assert.ok(w.includes('PLAN_WARN_LR_ABOVE_LINEAR'));
  assert.ok(w.includes('PLAN_WARN_LR_UNSAFE'));
  const above = p.warnings.find((x) => x.code === 'PLAN_WARN_LR_ABOVE_LINEAR')!;
  assert.equal(above.params.planned, 0.0175);
});

test('8 devices without a batch override keep E near 64 (8 per device)', () => {
  const p = plan(gpuBox(8, 30), 's', 640, 5000, { devices: 8 });
  assert.equal(p.perDeviceBatch, 8);
  assert.equal(p.effectiveBatch, 64);
  assert.ok(codes(p.reasons).includes('PLAN_MULTI_DEVICE_BUDGET'));
});

test('a 24 GB card at 640 px with SGD: LR linear in E, weight decay scaled by E/64, SGD warmup', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 1000, { optimizer: 'sgd' });
  assert.equal(p.perDeviceBatch, 24);
  assert.equal(p.effectiveBatch, 72);
  assert.equal(p.lr, 0.00984); // 0.01 x 72/64 x 0.875
  assert.equal(p.weightDecay, 0.000563); // 5e-4 x 72/64
  assert.equal(p.momentum, 0.937);
  assert.equal(p.nesterov, true);
  assert.equal(p.schedule.warmupBiasLr, 0.1);
  assert.equal(p.schedule.warmupMomentum, 0.8);
  assert.ok(codes(p.reasons).includes('PLAN_OPTIMIZER_OVERRIDE'));
});

test('6 GB laptop, m @ 640: batch 1 with GroupNorm and a warning', () => {
  const p = plan(PROFILES.laptop3060, 'm', 640);
  assert.equal(p.perDeviceBatch, 1);
  assert.equal(p.accumulation, 64);
  assert.equal(p.norm, 'group');
  assert.equal(p.figures.buffers, 0); // GroupNorm figures: no running statistics
  assert.ok(codes(p.warnings).includes('PLAN_WARN_BATCH_ONE'));
  assert.ok(codes(p.reasons).includes('PLAN_GPU_INTEGRATED'));
});

test('CPU only: wasm budget is the heap limit, not half the RAM', () => {
  const p = plan(PROFILES.vmNoGpu, 'n', 320);
  assert.equal(p.device.kind, 'cpu');
  assert.equal(p.memory.budgetBytes, 4 * GiB);
  assert.ok(codes(p.reasons).includes('PLAN_BUDGET_WASM'));
  assert.ok(codes(p.reasons).includes('PLAN_DEVICE_CPU_NO_GPU'));
  // tfjs-node would use half the available RAM instead.
  const node = plan(PROFILES.rtx4090NoCuda, 'n', 320);
  assert.equal(node.memory.budgetBytes, Math.floor(118662328320 * 0.5));
  assert.ok(codes(node.reasons).includes('PLAN_DEVICE_CPU_NO_CUDA'));
});

test('--device cpu on a GPU machine plans on the CPU; --device gpu without one fails', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 1000, { device: 'cpu' });
  assert.equal(p.device.kind, 'cpu');
  assert.equal(p.backend, 'tfjs-node');
  assert.throws(() => plan(PROFILES.vmNoGpu, 'n', 640, 1000, { device: 'gpu' }), (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_NO_GPU');
});

test('not even one image fits: PLAN_DOES_NOT_FIT names a smaller input and scale', () => {
  assert.throws(
    () => plan(PROFILES.vmNoGpu, 'm', 960),
    (e: unknown) => {
      assert.ok(e instanceof KestrelError);
      assert.equal(e.code, 'PLAN_DOES_NOT_FIT');
      assert.equal(e.details?.smallerImgsz, 928);
      assert.equal(e.details?.smallerScale, 's');
      assert.match(e.message, /--imgsz 928/);
      assert.match(e.message, /--model s/);
      return true;
    },
  );
  // On a busy GPU the CPU is offered as well.
  const busy = gpuBox(1, 0.5, 'NVIDIA GeForce RTX 3080');
  assert.throws(() => plan(busy, 'm', 640), (e: unknown) => e instanceof KestrelError && e.details?.cpuFits === true && /--device cpu/.test(e.message));
});

test('a batch override that does not fit is kept, with an over-budget warning', () => {
  const p = plan(PROFILES.laptop3060, 'n', 640, 1000, { batch: 16 });
  assert.equal(p.perDeviceBatch, 16);
  assert.ok(p.memory.predictedBytes > p.memory.budgetBytes);
  assert.ok(codes(p.warnings).includes('PLAN_WARN_OVER_BUDGET'));
  assert.equal(p.accumulation, 4);
});

test('batch 2 with BatchNorm forced: warning, norm kept', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 1000, { batch: 2, norm: 'batch' });
  assert.equal(p.norm, 'batch');
  assert.ok(codes(p.warnings).includes('PLAN_WARN_SMALL_BATCH_BN'));
  const auto = plan(PROFILES.win3090, 'n', 640, 1000, { batch: 2 });
  assert.equal(auto.norm, 'group');
  assert.deepEqual(codes(auto.warnings), []);
});

test('overrides are planned around, never changed', () => {
  const ov: PlanOverrides = { batch: 8, accumulation: 2, lr: 0.005, optimizer: 'sgd', epochs: 30, imgsz: 416 };
  const p = plan(PROFILES.win3090, 'n', 640, 1000, ov);
  assert.equal(p.perDeviceBatch, 8);
  assert.equal(p.accumulation, 2);
  assert.equal(p.effectiveBatch, 16);
  assert.equal(p.lr, 0.005);
  assert.equal(p.optimizer, 'sgd');
  assert.equal(p.epochs, 30);
  assert.equal(p.modelSpec.imgsz, 416);
  assert.deepEqual(p.overrides, ov);
  const w = codes(p.warnings);
  assert.ok(w.includes('PLAN_WARN_SMALL_E'));
  assert.ok(w.includes('PLAN_WARN_LR_UNSAFE')); // 0.005 < 0.008
});

test('LR of 0.1 or more and batch 1 overrides warn', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 1000, { lr: 0.1, batch: 1, optimizer: 'sgd' });
  const w = codes(p.warnings);
  assert.ok(w.includes('PLAN_WARN_LR_HIGH'));
  assert.ok(w.includes('PLAN_WARN_BATCH_ONE'));
  assert.ok(w.includes('PLAN_WARN_LR_UNSAFE'));
});

test('warmup and weight decay overrides are kept as given, each with a reason; outside the safe range, a warning', () => {
  const base = plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 30 });
  const p = plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 30, warmupEpochs: 1.5, weightDecay: 0.03 });
  assert.equal(p.optimizer, 'adamw');
  assert.equal(p.effectiveBatch, base.effectiveBatch, 'the layout does not move');
  assert.equal(p.warmupSteps, Math.round(1.5 * p.stepsPerEpoch));
  assert.equal(p.schedule.warmupSteps, p.warmupSteps);
  assert.equal(p.weightDecay, 0.03);
  assert.deepEqual(p.overrides, { epochs: 30, warmupEpochs: 1.5, weightDecay: 0.03 });
  const warmupReason = p.reasons.find((r) => r.code === 'PLAN_WARMUP_OVERRIDE');
  assert.deepEqual(warmupReason?.params, { warmupEpochs: 1.5, warmupSteps: p.warmupSteps, stepsPerEpoch: p.stepsPerEpoch, planned: base.warmupSteps });
  assert.ok(!codes(p.reasons).some((c) => c.startsWith('PLAN_WARMUP_RULE_')), 'the rule did not decide the length');
  const wdReason = p.reasons.find((r) => r.code === 'PLAN_WEIGHT_DECAY_OVERRIDE');
  assert.deepEqual(wdReason?.params, { weightDecay: 0.03, planned: base.weightDecay, effectiveBatch: p.effectiveBatch });
  assert.ok(!codes(p.reasons).includes('PLAN_WEIGHT_DECAY_ADAMW'));
  assert.deepEqual(codes(p.warnings), codes(base.warnings), 'inside the safe range: no new warning');

  // No warmup: the schedule starts at the peak LR, with a warning.
  const none = plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 30, warmupEpochs: 0 });
  assert.equal(none.warmupSteps, 0);
  assert.equal(lrAt(none.schedule, 0).lr, none.lr);
  assert.ok(codes(none.warnings).includes('PLAN_WARN_NO_WARMUP'));
  // Half of a 10-epoch run warming up: kept, warned with the share; the rule's own short-run warning is not given.
  const long = plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 10, warmupEpochs: 5 });
  assert.equal(long.warmupSteps, 5 * long.stepsPerEpoch);
  const lw = long.warnings.find((r) => r.code === 'PLAN_WARN_WARMUP_LONG');
  assert.equal(lw?.params['percent'], 50);
  assert.ok(!codes(long.warnings).includes('PLAN_WARN_SHORT_RUN'));
  // More warmup than the run: the whole run.
  assert.equal(plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 10, warmupEpochs: 40 }).warmupSteps, long.totalSteps);

  // Weight decay outside the planner's range (AdamW: 0.05 scaled by E 16-128, i.e. 0.0125-0.1), either way.
  for (const weightDecay of [0, 0.5]) {
    const q = plan(PROFILES.win3090, 'n', 640, 5000, { epochs: 30, weightDecay });
    assert.equal(q.weightDecay, weightDecay);
    const w = q.warnings.find((r) => r.code === 'PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE');
    assert.deepEqual(w?.params, { weightDecay, effectiveBatch: q.effectiveBatch, min: 0.0125, max: 0.1, optimizer: 'AdamW', planned: base.weightDecay }, String(weightDecay));
    assert.ok(!codes(q.warnings).includes('PLAN_WARN_WEIGHT_DECAY_UNSAFE'));
  }
});

test('an effective batch override: accumulation follows; an impossible one warns', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 5000, { effectiveBatch: 96 });
  assert.equal(p.effectiveBatch, 96);
  assert.equal(p.perDeviceBatch, 24);
  assert.equal(p.accumulation, 4);
  assert.deepEqual(codes(p.warnings), []);
  const q = plan(PROFILES.win3090, 'n', 640, 5000, { effectiveBatch: 50, batch: 24 });
  assert.equal(q.effectiveBatch, 48);
  assert.ok(codes(q.warnings).includes('PLAN_WARN_EFFECTIVE_BATCH_INEXACT'));
});

test('E above 128: label smoothing and CutMix switch on; turned off by hand, a warning', () => {
  const p = plan(gpuBox(8, 30), 's', 640, 20000, { devices: 8, batch: 32, optimizer: 'sgd' });
  assert.equal(p.effectiveBatch, 256);
  assert.deepEqual(p.regularization, { labelSmoothing: 0.1, cutmix: true });
  assert.ok(codes(p.reasons).includes('PLAN_REGULARIZATION'));
  assert.equal(p.lr, 0.02); // 0.04 x 0.875 = 0.035, clamped to the safe maximum
  assert.ok(codes(p.reasons).includes('PLAN_LR_CLAMPED'));
  const off = plan(gpuBox(8, 30), 's', 640, 20000, { devices: 8, batch: 32, labelSmoothing: 0, cutmix: false });
  assert.ok(codes(off.warnings).includes('PLAN_WARN_LARGE_E_NO_REG'));
});

test('small dataset lowers E to keep ~8 steps per epoch, never below 16', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 200);
  assert.equal(p.effectiveBatch, 24); // 200 / 8 = 25 -> batch 24 (the memory limit), accumulation 1
  assert.equal(p.stepsPerEpoch, 9);
  assert.ok(codes(p.reasons).includes('PLAN_SMALL_DATASET'));
  assert.ok(codes(p.warnings).includes('PLAN_WARN_SMALL_E'));
  const tiny = plan(PROFILES.win3090, 'n', 640, 60);
  assert.equal(tiny.effectiveBatch, 16);
  assert.equal(tiny.perDeviceBatch, 16);
  assert.equal(tiny.stepsPerEpoch, 4);
  assert.equal(tiny.lr, 0.0005); // AdamW 1e-3 x sqrt(16/64)
  // With a small GPU the floor of 16 is met by accumulation.
  const small = plan(PROFILES.laptop3060, 'n', 640, 100);
  assert.equal(small.perDeviceBatch, 5);
  assert.equal(small.accumulation, 4);
  assert.equal(small.effectiveBatch, 20);
});

test('SGD LR below the safe minimum is clamped up, with a reason', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 200, { optimizer: 'sgd' });
  assert.equal(p.effectiveBatch, 24);
  assert.equal(p.lr, 0.008); // 0.01 x 24/64 = 0.00375 -> safe minimum
  assert.ok(codes(p.reasons).includes('PLAN_LR_CLAMPED'));
  assert.ok(!codes(p.warnings).includes('PLAN_WARN_LR_UNSAFE'));
});

test('a matching calibration replaces the estimate; another device key does not', () => {
  const key = { scale: 'n', imgsz: 640, norm: 'batch', backend: 'tfjs-node-gpu', device: 'gpu:NVIDIA GeForce RTX 3090', optimizer: 'adamw', engine: STEP_MEMORY_VERSION } as const;
  const cal = measuredLine(key, 1 * GiB, 0.5 * GiB, [2, 8], '2025-02-01T10:00:00Z'); // peaks 2 and 5 GiB
  const p = plan(PROFILES.win3090, 'n', 640, 1000, {}, [cal]);
  assert.equal(p.memory.source, 'calibration');
  assert.equal(p.memory.calibratedAt, cal.measuredAt);
  assert.equal(p.perDeviceBatch, Math.floor((23966253056 * 0.8 - GiB) / (0.5 * GiB))); // 33
  assert.ok(codes(p.reasons).includes('PLAN_MEMORY_CALIBRATED'));
  const other = plan(PROFILES.win3090, 'n', 640, 1000, {}, [{ ...cal, key: { ...cal.key, device: 'gpu:NVIDIA GeForce RTX 4090' } }]);
  assert.equal(other.memory.source, 'estimate');
  // Measured with SGD, planned with AdamW: the fixed part grows by 4 bytes per parameter.
  const sgdCal = plan(PROFILES.win3090, 'n', 640, 1000, {}, [{ ...cal, key: { ...cal.key, optimizer: 'sgd' } }]);
  assert.equal(sgdCal.memory.fixedBytes, GiB + sgdCal.figures.params * 4);
  // Measured by an older training step (another version, or none recorded): stale, not used.
  const { engine: _engine, ...unversioned } = cal.key;
  for (const key of [{ ...cal.key, engine: STEP_MEMORY_VERSION - 1 }, unversioned]) {
    assert.equal(plan(PROFILES.win3090, 'n', 640, 1000, {}, [{ ...cal, key }]).memory.source, 'estimate');
  }
  // Measured with the opt-in element-wise kernels: it plans only a step that uses them too.
  const simd = { ...cal, key: { ...cal.key, engine: stepMemoryVersion(true) } };
  assert.equal(plan(PROFILES.win3090, 'n', 640, 1000, {}, [simd]).memory.source, 'estimate');
  const withSimd = planTraining(PROFILES.win3090, { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 1000 }, {}, { calibrations: [simd], stepMemoryVersion: stepMemoryVersion(true) });
  assert.equal(withSimd.memory.source, 'calibration');
});

test('invalid overrides and inputs give stable error codes', () => {
  const bad = (ov: PlanOverrides) => () => plan(PROFILES.win3090, 'n', 640, 1000, ov);
  assert.throws(bad({ batch: 0 }), (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_INVALID_OVERRIDE');
  assert.throws(bad({ imgsz: 300 }), (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_INVALID_OVERRIDE');
  assert.throws(bad({ memoryFraction: 1.5 }), (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_INVALID_OVERRIDE');
  assert.throws(() => plan(PROFILES.win3090, 'n', 640, 0), (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_NO_TRAIN_IMAGES');
});

test('memory fraction override changes the budget', () => {
  const p = plan(PROFILES.win3090, 'n', 640, 1000, { memoryFraction: 0.4 });
  assert.equal(p.memory.budgetBytes, Math.floor(23966253056 * 0.4));
  assert.equal(p.perDeviceBatch, 12);
});

test('the plan is deterministic and JSON-serialisable with the contract fields', () => {
  const a = plan(PROFILES.a100x4, 's', 640);
  const b = plan(PROFILES.a100x4, 's', 640);
  assert.deepEqual(a, b);
  const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  for (const k of ['device', 'backend', 'perDeviceBatch', 'accumulation', 'effectiveBatch', 'lr', 'warmupSteps', 'norm', 'memory', 'reasons', 'warnings']) assert.ok(k in json, k);
  assert.deepEqual(TrainingPlanSchema.parse(json), a);
});
