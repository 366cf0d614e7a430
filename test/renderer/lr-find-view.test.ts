// The Plan step's LR range test view: which settings a result belongs to, the chart's columns, the LR it sets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrFindColumns, lrFindKey, usableLr } from '../../renderer/src/lib/lr-find-view';
import { lrFindChart } from '../../electron/engine/tune/lr-find-process';
import { lrFindResult } from '../helpers/tune';

const base = { datasetPath: '/d', model: { scale: 'n', imgsz: 224 }, epochs: 10, overrides: { batch: 8 } };

test('a result stays current when only the LR override changes (the test sweeps it), not when anything it trains at does', () => {
  const k = lrFindKey(base);
  assert.equal(lrFindKey({ ...base, overrides: { batch: 8, lr: 0.0004 } }), k);
  assert.equal(lrFindKey({ ...base, overrides: { lr: 1e-3, batch: 8 } }), k, 'key order does not matter');
  for (const other of [
    { ...base, datasetPath: '/e' },
    { ...base, model: { scale: 's', imgsz: 224 } },
    { ...base, model: { scale: 'n', imgsz: 320 } },
    { ...base, epochs: 30 },
    { ...base, overrides: { batch: 16 } },
    { ...base, overrides: { batch: 8, weightDecay: 0.01 } },
  ]) {
    assert.notEqual(lrFindKey(other), k, JSON.stringify(other));
  }
});

test('the chart: live steps with their running average, then the choice\'s trend over the same LRs', () => {
  const curve = [1e-5, 1e-4, 1e-3, 1e-2].map((lr, step) => ({ step, lr, loss: 3 - step * 0.5, smooth: 3 - step * 0.25 }));
  assert.deepEqual(lrFindColumns(curve, null), [[1e-5, 1e-4, 1e-3, 1e-2], [3, 2.5, 2, 1.5], [3, 2.75, 2.5, 2.25]]);
  const done = lrFindColumns([], lrFindChart(lrFindResult(curve, { plannedLr: 5e-4 })));
  done[0]!.forEach((lr, i) => assert.ok(Math.abs(lr / curve[i]!.lr - 1) < 1e-12, `${lr}`));
  assert.deepEqual(done[1], [3, 2.5, 2, 1.5]);
  assert.deepEqual(done[2], [2.75, 2.5, 2, 1.75], 'the centred trend the choice read');
  assert.deepEqual(lrFindColumns([], null), [[], [], []]);
});

test('"Use this LR" sets three significant digits, as kestrel tune writes it', () => {
  assert.equal(usableLr(0.000412345), 0.000412);
  assert.equal(usableLr(0.001), 0.001);
  assert.equal(usableLr(0.0199999), 0.02);
});
