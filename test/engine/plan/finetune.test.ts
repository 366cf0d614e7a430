// The planner's fine-tune: a lower peak LR, a shorter warmup, the EMA and norm statistics carried,
// each with its reason in English and Chinese; overrides still win with warnings; parentRun recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FINETUNE_RULES, lrAt, planTraining, planWarmup, buildSchedule } from '../../../electron/engine/plan/index';
import { KestrelError } from '../../../electron/shared/errors';
import { planMessages } from '../../../electron/shared/messages/plan';
import { formatReason } from '../../../electron/shared/reason';
import { TrainingPlanSchema, type PlanOverrides, type TrainingPlan } from '../../../electron/shared/schemas/plan';
import type { FineTunePlanInput } from '../../../electron/shared/schemas/finetune';
import { PROFILES } from './profiles';

const codes = (rs: { code: string }[]) => rs.map((r) => r.code);
const model = { scale: 'n' as const, imgsz: 224, numClasses: 6 };

function plan(trainImages: number, ov: PlanOverrides = {}, fineTune?: FineTunePlanInput): TrainingPlan {
  const p = planTraining(PROFILES.vmNoGpu, model, { trainImages }, ov, fineTune ? { fineTune } : {});
  TrainingPlanSchema.parse(p);
  return p;
}

test('a fine-tune plans 0.3 x the from-scratch LR, the same batch, and records its parent', () => {
  const scratch = plan(1416, { epochs: 50 });
  const ft = plan(1416, { epochs: 50 }, { parentRun: 'neu-half' });
  assert.equal(FINETUNE_RULES.lrFactor, 0.3);
  assert.equal(scratch.optimizer, 'adamw');
  assert.equal(scratch.lr, 0.001);
  assert.equal(ft.lr, 0.0003);
  assert.equal(ft.schedule.lr, 0.0003);
  assert.equal(ft.perDeviceBatch, scratch.perDeviceBatch);
  assert.equal(ft.effectiveBatch, scratch.effectiveBatch);
  assert.equal(ft.totalSteps, scratch.totalSteps);
  assert.equal(ft.parentRun, 'neu-half');
  assert.equal(scratch.parentRun, undefined);
  assert.ok(!('parentRun' in scratch));
  const lrReason = ft.reasons.find((r) => r.code === 'PLAN_FINETUNE_LR');
  assert.deepEqual(lrReason?.params, { lr: 0.0003, scratchLr: 0.001, factor: 0.3, parentRun: 'neu-half' });
  // The planned fine-tune LR is inside the (scaled) fine-tune range: no LR warning.
  assert.deepEqual(codes(ft.warnings).filter((c) => c.includes('LR')), []);
});

test('a fine-tune warms up for 1 epoch instead of 3 (the image floor and 10% cap still apply)', () => {
  // 50 epochs of 23 steps at E 64: from scratch 3 epochs = 69 steps; fine-tune 1 epoch = 25 steps (the 1,600-image floor).
  const scratch = plan(1416, { epochs: 50 });
  const ft = plan(1416, { epochs: 50 }, { parentRun: 'p' });
  assert.equal(scratch.stepsPerEpoch, 23);
  assert.equal(scratch.warmupSteps, 69);
  assert.equal(ft.warmupSteps, 25);
  assert.ok(codes(ft.reasons).includes('PLAN_WARMUP_RULE_IMAGES'));
  // planWarmup itself: one epoch wins on a large dataset, the floor on a small one, the cap on a short run.
  assert.deepEqual(planWarmup(100, 10_000, 64, { fineTune: true }), { steps: 100, rule: 'epochs', epochSteps: 100, imageSteps: 25, capSteps: 1000, wantedSteps: 100 });
  assert.equal(planWarmup(100, 10_000, 64).steps, 300);
  assert.deepEqual(planWarmup(23, 230, 64, { fineTune: true }), { steps: 23, rule: 'cap', epochSteps: 23, imageSteps: 25, capSteps: 23, wantedSteps: 25 });
  // Without the flag nothing changes.
  assert.deepEqual(planWarmup(23, 230, 64, {}), planWarmup(23, 230, 64));
  // A warmup the engineer set wins over the fine-tune's too, and the fine-tune's warmup reason gives way to its own.
  const set = plan(1416, { epochs: 50, warmupEpochs: 2 }, { parentRun: 'p' });
  assert.equal(set.warmupSteps, 46);
  assert.ok(codes(set.reasons).includes('PLAN_WARMUP_OVERRIDE'));
  assert.ok(!codes(set.reasons).includes('PLAN_FINETUNE_WARMUP'));
  assert.deepEqual(set.reasons.find((r) => r.code === 'PLAN_WARMUP_OVERRIDE')?.params, { warmupEpochs: 2, warmupSteps: 46, stepsPerEpoch: 23, planned: 25 });
});

test('an SGD fine-tune has no raised bias LR: biases warm up with the weights', () => {
  const ft = plan(1416, { epochs: 50, optimizer: 'sgd' }, { parentRun: 'p' });
  assert.equal(ft.lr, 0.003);
  assert.equal(ft.schedule.warmupBiasLr, null);
  assert.equal(ft.schedule.warmupMomentum, 0.8);
  const start = lrAt(ft.schedule, 0);
  assert.equal(start.biasLr, start.lr);
  assert.ok(codes(ft.reasons).includes('PLAN_WARMUP_SGD_FINETUNE'));
  assert.ok(!codes(ft.reasons).includes('PLAN_WARMUP_SGD'));
  // A run from scratch keeps Ultralytics' 0.1 bias LR at step 0.
  assert.equal(buildSchedule('sgd', 0.01, 10, 100).warmupBiasLr, 0.1);
  assert.equal(buildSchedule('sgd', 0.01, 10, 100, { fineTune: true }).warmupBiasLr, null);
});

test('the reasons say the EMA and the norm statistics are carried, or why the statistics are not', () => {
  const same = plan(1416, { epochs: 50 }, { parentRun: 'p', parentNorm: 'batch' });
  assert.equal(same.reasons[0]?.code, 'PLAN_FINETUNE');
  assert.deepEqual(
    codes(same.reasons).filter((c) => c.startsWith('PLAN_FINETUNE')),
    ['PLAN_FINETUNE', 'PLAN_FINETUNE_LR', 'PLAN_FINETUNE_WARMUP', 'PLAN_FINETUNE_EMA', 'PLAN_FINETUNE_NORM'],
  );
  const other = plan(1416, { epochs: 50 }, { parentRun: 'p', parentNorm: 'group' });
  const fresh = other.reasons.find((r) => r.code === 'PLAN_FINETUNE_NORM_FRESH');
  assert.deepEqual(fresh?.params, { parentRun: 'p', parentNorm: 'GroupNorm', norm: 'BatchNorm' });
  assert.ok(!codes(other.reasons).includes('PLAN_FINETUNE_NORM'));
  // GroupNorm on both sides has no running statistics: nothing to say about them.
  const gn = plan(1416, { epochs: 50, norm: 'group' }, { parentRun: 'p', parentNorm: 'group' });
  assert.ok(!codes(gn.reasons).some((c) => c.startsWith('PLAN_FINETUNE_NORM')));
  for (const p of [same, other, gn]) {
    for (const r of [...p.reasons, ...p.warnings]) {
      assert.doesNotMatch(r.message, /\{\w+\}|undefined|NaN/, r.code);
      assert.doesNotMatch(formatReason(r, 'zh'), /\{\w+\}|undefined|NaN/, r.code);
      if (r.code.includes('FINETUNE')) assert.notEqual(formatReason(r, 'zh'), r.message, `${r.code} has a Chinese text`);
    }
  }
});

test('overrides still win in a fine-tune, with a warning outside the fine-tune range', () => {
  const high = plan(1416, { epochs: 50, lr: 0.001 }, { parentRun: 'p' });
  assert.equal(high.lr, 0.001);
  assert.ok(codes(high.reasons).includes('PLAN_LR_OVERRIDE'));
  assert.ok(!codes(high.reasons).includes('PLAN_FINETUNE_LR'));
  const w = high.warnings.find((r) => r.code === 'PLAN_WARN_FINETUNE_LR_UNSAFE');
  assert.deepEqual(w?.params, { lr: 0.001, min: 0.00009, max: 0.0003, factor: 0.3, optimizer: 'AdamW', parentRun: 'p' });
  // The same LR from scratch is in range and gets no warning.
  assert.deepEqual(codes(plan(1416, { epochs: 50, lr: 0.001 }).warnings).filter((c) => c.includes('LR')), []);
  // An override inside the fine-tune range: no warning.
  const ok = plan(1416, { epochs: 50, lr: 0.0002 }, { parentRun: 'p' });
  assert.deepEqual(codes(ok.warnings).filter((c) => c.includes('LR')), []);
  // Other overrides keep their meaning: batch and epochs as given.
  const b = plan(1416, { epochs: 7, batch: 8 }, { parentRun: 'p' });
  assert.equal(b.perDeviceBatch, 8);
  assert.equal(b.epochs, 7);
});

test('a malformed fine-tune input is a coded error, not a crash', () => {
  assert.throws(
    () => plan(1416, {}, { parentRun: '' }),
    (e: unknown) => e instanceof KestrelError && e.code === 'PLAN_INVALID_OVERRIDE' && /fineTune\.parentRun/.test(e.message),
  );
});

test('every new plan message has a Chinese twin with the same placeholders', () => {
  const ph = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const ftCodes = Object.keys(planMessages.en).filter((c) => c.includes('FINETUNE'));
  assert.equal(ftCodes.length, 8);
  for (const c of ftCodes) assert.deepEqual(ph(planMessages.zh[c]!), ph(planMessages.en[c]!), c);
});
