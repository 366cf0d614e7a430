// Where a new run's weights start (issue 14): the one decision behind --start and the app's choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KestrelError } from '../../../electron/shared/errors';
import { formatReason, reason } from '../../../electron/shared/reason';
import { decideStart } from '../../../electron/engine/plan/start';
import { planTraining } from '../../../electron/engine/plan/index';
import { PROFILES } from './profiles';

test('decideStart: scratch always, pretrained only where weights ship, auto by the measured default', () => {
  assert.equal(decideStart('scratch', true, 'n'), 'scratch');
  assert.equal(decideStart('pretrained', true, 'n'), 'pretrained');
  assert.equal(decideStart('auto', true, 'n', true), 'pretrained');
  assert.equal(decideStart('auto', true, 'n', false), 'scratch');
  assert.equal(decideStart('auto', false, 'n', true), 'scratch');
  assert.throws(
    () => decideStart('pretrained', false, 's'),
    (e: unknown) => e instanceof KestrelError && e.code === 'PRETRAINED_MISSING' && /YOLOv8s/.test(e.message) && /kestrel pretrain --model s/.test(e.message),
  );
  assert.match(formatReason(reason('PRETRAINED_MISSING', { scale: 's' }), 'zh'), /YOLOv8s.*预训练权重/);
});

test('a plan from pretrained weights says so first and keeps the LR and warmup of a run from scratch', () => {
  const hw = PROFILES.vmNoGpu;
  const model = { scale: 'n' as const, imgsz: 224, numClasses: 6 };
  const scratch = planTraining(hw, model, { trainImages: 1440 }, { epochs: 10 });
  const pre = planTraining(hw, model, { trainImages: 1440 }, { epochs: 10 }, { pretrained: { name: 'kestrel-synth-n', images: 10000 } });
  assert.equal(pre.pretrained, 'kestrel-synth-n');
  assert.equal(scratch.pretrained, undefined);
  assert.equal(pre.reasons[0]?.code, 'PLAN_START_PRETRAINED');
  assert.match(pre.reasons[0]!.message, /kestrel-synth-n.*10000 synthetic images/);
  assert.equal(pre.lr, scratch.lr);
  assert.equal(pre.warmupSteps, scratch.warmupSteps);
  assert.deepEqual(pre.schedule, scratch.schedule);
  // A fine-tune is its own start: the parent wins and no pretrained name is recorded.
  const ft = planTraining(hw, model, { trainImages: 1440 }, { epochs: 10 }, { fineTune: { parentRun: 'p' }, pretrained: { name: 'kestrel-synth-n', images: 10000 } });
  assert.equal(ft.pretrained, undefined);
  assert.equal(ft.parentRun, 'p');
});
