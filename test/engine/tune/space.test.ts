// The search space: deterministic, seeded sampling per trial; trial 0 is the plan; which knobs apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedKnobs, SEARCH_SPACE, sampleTrial, trialOverrides } from '../../../electron/engine/tune/space';

const planned = { lr: 1e-3, warmupEpochs: 1, weightDecay: 0.05 };

test('trial 0 is the plan itself', () => {
  assert.deepEqual(sampleTrial(5, 0, planned), { lr: 1e-3, augment: 'default', warmupEpochs: 1, weightDecay: 0.05 });
});

test('sampling is deterministic per (seed, trial) and within the ranges', () => {
  const a = Array.from({ length: 40 }, (_, i) => sampleTrial(1, i + 1, planned));
  const b = Array.from({ length: 40 }, (_, i) => sampleTrial(1, i + 1, planned));
  assert.deepEqual(a, b);
  assert.notDeepEqual(sampleTrial(2, 1, planned), sampleTrial(1, 1, planned));
  for (const t of a) {
    assert.ok(t.lr >= planned.lr * SEARCH_SPACE.lrFactor[0] * 0.999 && t.lr <= planned.lr * SEARCH_SPACE.lrFactor[1] * 1.001, String(t.lr));
    assert.ok(t.warmupEpochs >= 0 && t.warmupEpochs <= 3);
    assert.ok(t.weightDecay >= 0.005 * 0.999 && t.weightDecay <= 0.5 * 1.001);
  }
  // Log-uniform: about half the LRs below the planned one, every augmentation strength drawn.
  const below = a.filter((t) => t.lr < planned.lr).length;
  assert.ok(below > 10 && below < 30, `below: ${below}`);
  assert.deepEqual(new Set(a.map((t) => t.augment)), new Set(['none', 'light', 'default']));
});

test('LR and augmentation always apply; overrides carry only the applied knobs on top of the user\'s', () => {
  const knobs = appliedKnobs();
  assert.ok(knobs.includes('lr') && knobs.includes('augment'));
  const t = sampleTrial(1, 3, planned);
  assert.deepEqual(trialOverrides(t, ['lr', 'augment'], { batch: 4 }), { batch: 4, lr: t.lr });
  assert.deepEqual(trialOverrides(t, ['lr', 'augment', 'weightDecay'], {}), { lr: t.lr, weightDecay: t.weightDecay });
});
