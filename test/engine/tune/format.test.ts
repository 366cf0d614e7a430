// Text views of a tune: the LR curve table and the search table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLrFind, formatSearchTable } from '../../../electron/engine/tune/format';
import { rangeLr } from '../../../electron/engine/tune/lr-choice';
import type { SearchState } from '../../../electron/shared/schemas/tune';
import { lrFindResult } from '../../helpers/tune';

test('formatLrFind: sampled rows with the lowest marked, the choice and every reason', () => {
  const curve = Array.from({ length: 50 }, (_, i) => {
    const lr = rangeLr(i, 50, 1e-6, 1e-1);
    const loss = 2 + (Math.log10(lr) + 3) ** 2 / 4;
    return { step: i, lr, loss, smooth: loss };
  });
  const r = lrFindResult(curve, { plannedLr: 1e-3, plan: { accumulation: 2, effectiveBatch: 8 }, settings: { lrMin: 1e-6, lrMax: 0.1, beta: 0.9 }, seconds: 12 });
  const choice = r.choice;
  const text = formatLrFind(r, 8);
  assert.match(text, /50 of 50 steps/);
  assert.match(text, /batch 4 x 2 = 8/);
  assert.equal(text.match(/<- lowest/g)?.length, 1);
  assert.match(text, /Chosen LR: 0\.000300 \(rule min-div-10, clamped from 0\.000\d+\)/);
  for (const why of choice.reasons) assert.ok(text.includes(why.message), why.code);
});

test('formatSearchTable: a row per trial, a column per rung, the winner starred', () => {
  const state: SearchState = {
    version: 1,
    settings: { datasetPath: 'd', model: { scale: 'n', imgsz: 64 }, seed: 0, maxTrials: 2, budgetSeconds: null, rungEpochs: [1, 3], eta: 2, plannedLr: 1e-3, optimizer: 'adamw', applied: ['lr', 'augment'] },
    trials: [
      { id: 0, params: { lr: 1e-3, augment: 'default', warmupEpochs: 1, weightDecay: 0.05 }, results: [{ rung: 0, epochs: 1, map50: 0.2, map50_95: 0.1, fitness: 0.11, seconds: 5 }] },
      { id: 1, params: { lr: 2e-3, augment: 'light', warmupEpochs: 2, weightDecay: 0.1 }, results: [{ rung: 0, epochs: 1, map50: 0.3, map50_95: 0.15, fitness: 0.165, seconds: 5 }, { rung: 1, epochs: 3, map50: 0.5, map50_95: 0.3, fitness: 0.32, seconds: 12 }] },
    ],
    elapsedSeconds: 22,
    done: true,
  };
  const lines = formatSearchTable(state).split('\n');
  const head = lines.find((l) => l.trim().startsWith('trial'))!;
  assert.match(head, /rung 0 \(1 ep\).*rung 1 \(3 ep\)/);
  assert.ok(!head.includes('wd'), 'weight decay not shown while it is not applied');
  assert.match(lines.find((l) => l.trim().startsWith('01'))!, /01 \*.*0\.165 \(0\.300\).*0\.320 \(0\.500\)/);
  assert.match(lines.find((l) => l.trim().startsWith('00'))!, /0\.110 \(0\.200\)\s+-$/);
});
