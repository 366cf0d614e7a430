// What the Plan step showed is what trains: each differing key figure is a warning with its cause, in both languages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePlanWithAccepted, planChangeCause } from '../../../electron/engine/train/accepted-plan';
import { planTraining } from '../../../electron/engine/plan/plan';
import { formatReason } from '../../../electron/shared/reason';
import { PROFILES } from '../plan/profiles';

const plan = planTraining(PROFILES.win3090, { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 1000 }, { epochs: 30 });
const accepted = { perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation, lr: plan.lr, warmupSteps: plan.warmupSteps, epochs: plan.epochs };

test('the same figures (the LR through JSON included) give no warning', () => {
  assert.deepEqual(comparePlanWithAccepted(JSON.parse(JSON.stringify(accepted)), plan, { kind: 'other' }), []);
});

test('a new memory measurement that halves the batch is said, with what changed and why', () => {
  const shown = { ...accepted, perDeviceBatch: plan.perDeviceBatch * 2, accumulation: plan.accumulation };
  const [r, ...rest] = comparePlanWithAccepted(shown, plan, planChangeCause(plan, true));
  assert.equal(rest.length, 0);
  assert.equal(r!.code, 'TRAIN_PLAN_CHANGED_LAYOUT');
  assert.equal(r!.params['from'], `${plan.perDeviceBatch * 2} x ${plan.accumulation}`);
  assert.equal(r!.params['to'], `${plan.perDeviceBatch} x ${plan.accumulation}`);
  assert.match(r!.message, /not the .* the Plan step showed: Kestrel measured the memory/);
  assert.match(formatReason(r!, 'zh'), /计划步骤显示的/);
});

test('every key figure is compared, and the cause follows how the plan was made', () => {
  const shown = { perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation + 1, lr: plan.lr * 2, warmupSteps: plan.warmupSteps + 5, epochs: plan.epochs + 1 };
  const rs = comparePlanWithAccepted(shown, plan, { kind: 'calibration', measuredAt: '2026-01-02' });
  assert.deepEqual(rs.map((r) => r.code), ['TRAIN_PLAN_CHANGED_LAYOUT', 'TRAIN_PLAN_CHANGED_LR', 'TRAIN_PLAN_CHANGED_WARMUP', 'TRAIN_PLAN_CHANGED_EPOCHS']);
  assert.ok(rs.every((r) => String(r.params['why']).includes('2026-01-02')));
  assert.deepEqual(planChangeCause(plan, false), { kind: 'other' }, 'an estimate-based plan that differs: the machine or the data changed');
  const calibrated = { ...plan, memory: { ...plan.memory, source: 'calibration' as const, calibratedAt: 'yesterday' } };
  assert.deepEqual(planChangeCause(calibrated, false), { kind: 'calibration', measuredAt: 'yesterday' });
});
