// Property tests of the planner's invariants over random hardware, models and overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planTraining, lrInSafeRange, RULES, weightDecayFor } from '../../../electron/engine/plan/index';
import { KestrelError } from '../../../electron/shared/errors';
import type { BackendId, HardwareProfile } from '../../../electron/shared/schemas/hardware';
import type { PlanOverrides, TrainingPlan } from '../../../electron/shared/schemas/plan';
import { GiB, gpu, profile } from './profiles';

const arbHardware: fc.Arbitrary<HardwareProfile> = fc
  .record({
    gpusFree: fc.array(fc.double({ min: 0.3, max: 80, noNaN: true }), { maxLength: 4 }),
    cuda: fc.boolean(),
    node: fc.boolean(),
    ramGiB: fc.double({ min: 1, max: 256, noNaN: true }),
  })
  .map(({ gpusFree, cuda, node, ramGiB }) => {
    const avail: BackendId[] = [...(cuda ? (['tfjs-node-gpu'] as const) : []), ...(node ? (['tfjs-node'] as const) : []), 'wasm', 'cpu'];
    const gpus = gpusFree.map((f, i) => gpu(i, 'NVIDIA GeForce RTX Test', Math.ceil(f * 1.1 * GiB), Math.floor(f * GiB)));
    return profile(gpus, avail, { total: ramGiB * 1.2 * GiB, available: ramGiB * GiB });
  });

const arbModel = fc.record({
  scale: fc.constantFrom('n' as const, 's' as const, 'm' as const),
  imgsz: fc.integer({ min: 2, max: 24 }).map((k) => k * 32),
  numClasses: fc.integer({ min: 1, max: 80 }),
});

const arbOverrides: fc.Arbitrary<PlanOverrides> = fc.record(
  {
    batch: fc.integer({ min: 1, max: 96 }),
    accumulation: fc.integer({ min: 1, max: 16 }),
    effectiveBatch: fc.integer({ min: 1, max: 512 }),
    lr: fc.double({ min: 1e-5, max: 0.3, noNaN: true }),
    optimizer: fc.constantFrom('sgd' as const, 'adamw' as const),
    epochs: fc.integer({ min: 1, max: 300 }),
    memoryFraction: fc.double({ min: 0.2, max: 1, noNaN: true }),
    devices: fc.integer({ min: 1, max: 16 }),
    norm: fc.constantFrom('batch' as const, 'group' as const),
  },
  { requiredKeys: [] },
);

const arbImages = fc.integer({ min: 1, max: 200_000 });

/** Cases planned and refused, so a property whose every case was refused cannot pass unnoticed. */
const tally = { planned: 0, refused: 0 };

/** Plans, or returns null where the planner legitimately refuses (nothing fits). */
function tryPlan(hw: HardwareProfile, model: { scale: 'n' | 's' | 'm'; imgsz: number; numClasses: number }, trainImages: number, ov: PlanOverrides) {
  try {
    const p = planTraining(hw, model, { trainImages }, ov);
    tally.planned += 1;
    return p;
  } catch (e) {
    if (e instanceof KestrelError && e.code === 'PLAN_DOES_NOT_FIT') {
      assert.equal(ov.batch, undefined, 'a batch override never throws DOES_NOT_FIT');
      tally.refused += 1;
      return null;
    }
    throw e;
  }
}

const RUNS = { numRuns: 300, seed: 20250101 };

/** Checks `check` on the plan of every generated case (machine, network, dataset size, overrides) the planner does not refuse. */
function forEveryPlan(check: (p: TrainingPlan, ov: PlanOverrides, trainImages: number) => void, overrides: fc.Arbitrary<PlanOverrides> = arbOverrides): void {
  fc.assert(
    fc.property(arbHardware, arbModel, arbImages, overrides, (hw, model, n, ov) => {
      const p = tryPlan(hw, model, n, ov);
      if (p) check(p, ov, n);
    }),
    RUNS,
  );
}

test('property: every plan has batch >= 1, E = batch x devices x accumulation, a valid schedule', () => {
  forEveryPlan((p) => {
    assert.ok(p.perDeviceBatch >= 1 && p.accumulation >= 1);
    assert.equal(p.effectiveBatch, p.perDeviceBatch * p.devices * p.accumulation);
    assert.ok(p.warmupSteps >= 0 && p.warmupSteps <= p.totalSteps);
    assert.equal(p.totalSteps, p.stepsPerEpoch * p.epochs);
    assert.ok(Number.isFinite(p.lr) && p.lr > 0);
  });
});

test('property: overrides come back unchanged', () => {
  forEveryPlan((p, ov) => {
    if (ov.batch !== undefined) assert.equal(p.perDeviceBatch, ov.batch);
    if (ov.accumulation !== undefined) assert.equal(p.accumulation, ov.accumulation);
    if (ov.lr !== undefined) assert.equal(p.lr, ov.lr);
    if (ov.optimizer !== undefined) assert.equal(p.optimizer, ov.optimizer);
    if (ov.epochs !== undefined) assert.equal(p.epochs, ov.epochs);
    if (ov.norm !== undefined) assert.equal(p.norm, ov.norm);
    if (ov.devices !== undefined) assert.equal(p.devices, ov.devices);
  });
});

test('property: GroupNorm exactly when the per-device batch is below 4 (norm not overridden)', () => {
  const withoutNorm = arbOverrides.map(({ norm: _norm, ...rest }) => rest);
  forEveryPlan((p) => {
    assert.equal(p.norm === 'group', p.perDeviceBatch < RULES.minBatchNormBatch);
    assert.equal(p.modelSpec.norm, p.norm);
  }, withoutNorm);
});

test('property: planned batches stay within the memory budget; overridden ones warn when they do not', () => {
  forEveryPlan((p, ov) => {
    const over = p.memory.predictedBytes > p.memory.budgetBytes;
    if (ov.batch === undefined) assert.ok(!over, `planned batch ${p.perDeviceBatch} over budget`);
    assert.equal(codesOf(p.warnings).includes('PLAN_WARN_OVER_BUDGET'), over);
    assert.ok(p.memory.maxBatch >= (ov.batch === undefined ? p.perDeviceBatch : 0));
  });
});

test('property: the LR is never outside the safe range without a warning; planned LRs are always inside', () => {
  forEveryPlan((p, ov) => {
    const safe = lrInSafeRange(p.optimizer, p.lr);
    if (ov.lr === undefined) assert.ok(safe, `planned LR ${p.lr} (${p.optimizer}) outside the safe range`);
    assert.equal(codesOf(p.warnings).includes('PLAN_WARN_LR_UNSAFE'), !safe);
    if (p.lr >= 0.1) assert.ok(codesOf(p.warnings).includes('PLAN_WARN_LR_HIGH'));
  });
});

test('property: without size overrides, E stays in [32, 128] when the dataset allows, and >= 16 always', () => {
  const devicesOnly = fc.integer({ min: 1, max: 4 }).map((devices) => ({ devices }));
  forEveryPlan((p, _ov, n) => {
    assert.ok(p.effectiveBatch >= RULES.floorEffectiveBatch, `E ${p.effectiveBatch}`);
    assert.ok(p.effectiveBatch <= RULES.maxEffectiveBatch, `E ${p.effectiveBatch}`);
    if (n >= RULES.minStepsPerEpoch * RULES.nominalBatch) {
      assert.ok(p.effectiveBatch >= RULES.minEffectiveBatch, `E ${p.effectiveBatch} with ${n} images`);
    } else {
      // A small dataset: E lowered towards n / 8, with its reason.
      assert.ok(p.effectiveBatch <= Math.max(RULES.floorEffectiveBatch, Math.floor(n / RULES.minStepsPerEpoch)) + p.perDeviceBatch * p.devices);
      assert.ok(codesOf(p.reasons).includes('PLAN_SMALL_DATASET'));
    }
    if (p.effectiveBatch < RULES.minEffectiveBatch) assert.ok(codesOf(p.warnings).includes('PLAN_WARN_SMALL_E'));
  }, devicesOnly);
});

test('property: warmup is the larger of 3 epochs and 1,600 images, never more than a tenth of the run', () => {
  forEveryPlan((p) => {
    const want = Math.max(3 * p.stepsPerEpoch, Math.ceil(1600 / p.effectiveBatch));
    const cap = Math.max(1, Math.floor(0.1 * p.totalSteps));
    assert.equal(p.warmupSteps, Math.min(want, cap, p.totalSteps));
    // The plan never spends most of a run warming up, whatever the dataset size and epochs.
    assert.ok(p.warmupSteps <= Math.max(1, 0.1 * p.totalSteps));
    // A capped warmup is always said, as a reason and as a warning.
    const capped = want > cap;
    assert.equal(codesOf(p.reasons).includes('PLAN_WARMUP_RULE_CAP'), capped);
    assert.equal(codesOf(p.warnings).includes('PLAN_WARN_SHORT_RUN'), capped);
  });
});

test('property: a warmup or weight decay set by hand comes back unchanged, warned exactly when outside the safe range', () => {
  const handSet = fc
    .tuple(arbOverrides, fc.record({ warmupEpochs: fc.double({ min: 0, max: 20, noNaN: true }), weightDecay: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }))
    .map(([ov, set]) => ({ ...ov, ...set }));
  forEveryPlan((p, ov) => {
    const warnings = codesOf(p.warnings);
    if (ov.warmupEpochs !== undefined) {
      assert.equal(p.warmupSteps, Math.min(p.totalSteps, Math.round(ov.warmupEpochs * p.stepsPerEpoch)));
      assert.equal(p.schedule.warmupSteps, p.warmupSteps);
      assert.ok(codesOf(p.reasons).includes('PLAN_WARMUP_OVERRIDE'));
      assert.equal(warnings.includes('PLAN_WARN_NO_WARMUP'), p.warmupSteps === 0);
      assert.equal(warnings.includes('PLAN_WARN_WARMUP_LONG'), p.warmupSteps > Math.max(1, Math.floor(0.1 * p.totalSteps)));
      assert.ok(!warnings.includes('PLAN_WARN_SHORT_RUN'), 'the rule did not set the length');
    }
    if (ov.weightDecay !== undefined) {
      assert.equal(p.weightDecay, ov.weightDecay);
      const outside = p.weightDecay < weightDecayFor(p.optimizer, RULES.floorEffectiveBatch) || p.weightDecay > weightDecayFor(p.optimizer, RULES.maxEffectiveBatch);
      assert.equal(warnings.includes('PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE'), outside);
      assert.ok(!warnings.includes('PLAN_WARN_WEIGHT_DECAY_UNSAFE'));
    }
  }, handSet);
});

function codesOf(rs: { code: string }[]): string[] {
  return rs.map((r) => r.code);
}

test('the properties were checked on plans, not only on refusals', () => {
  assert.ok(tally.planned > 0, 'no case was planned');
  assert.ok(tally.planned >= 4 * tally.refused, `${tally.planned} planned, ${tally.refused} refused: the generators mostly make machines where nothing fits`);
});
