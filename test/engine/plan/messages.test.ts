import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planMessages } from '../../../electron/shared/messages/plan';
import { formatReason } from '../../../electron/shared/reason';
import { planTraining } from '../../../electron/engine/plan/index';
import { PROFILES, gpuBox } from './profiles';

const placeholders = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every plan message has a Chinese twin with the same placeholders', () => {
  assert.deepEqual(Object.keys(planMessages.zh).sort(), Object.keys(planMessages.en).sort());
  for (const [code, en] of Object.entries(planMessages.en)) {
    assert.deepEqual(placeholders(planMessages.zh[code]!), placeholders(en), code);
    assert.match(code, /^PLAN_/);
  }
});

test('reasons of real plans fill every placeholder, in English and Chinese', () => {
  const plans = [
    planTraining(PROFILES.win3090, { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 200 }, { optimizer: 'sgd' }),
    planTraining(PROFILES.a100x4, { scale: 'm', imgsz: 640, numClasses: 6 }, { trainImages: 50000 }),
    planTraining(PROFILES.vmNoGpu, { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 1000 }),
    planTraining(gpuBox(8, 30), { scale: 's', imgsz: 640, numClasses: 6 }, { trainImages: 20000 }, { devices: 8, batch: 32, lr: 0.2, labelSmoothing: 0, cutmix: false }),
  ];
  for (const p of plans) {
    for (const r of [...p.reasons, ...p.warnings]) {
      assert.doesNotMatch(r.message, /\{\w+\}/, r.code);
      assert.doesNotMatch(formatReason(r, 'zh'), /\{\w+\}/, r.code);
      assert.doesNotMatch(r.message, /undefined|NaN/, r.code);
    }
  }
});
