// The runs comparison table and the reopened run's curves from metrics.csv.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseName, compareRows, trainSeconds, type CompareInput } from '../../renderer/src/lib/compare-view';
import { applyMetricsCsv, newRunView } from '../../renderer/src/lib/run-view';
import { parseMetricsCsv } from '../../electron/app/metrics-csv';

const run = (id: string, ap: number, over: Partial<CompareInput> = {}): CompareInput => ({
  id,
  datasetPath: '/data/neu-det',
  model: { scale: 'n', imgsz: 224 },
  epochsDone: 10,
  plan: { perDeviceBatch: 16, accumulation: 4, optimizer: 'adamw', lr: 0.001 },
  metrics: { epoch: [0, 1], epoch_seconds: [60, 30] },
  map50: ap + 0.1,
  map50_95: ap,
  perClass: [{ name: 'scratch', ap50: ap + 0.1, ap50_95: ap }],
  thresholds: [{ name: 'scratch', conf: 0.3 }],
  ...over,
});

test('settings, per-class AP (best marked) and thresholds side by side', () => {
  const rows = compareRows([run('a', 0.3), run('b', 0.5, { perClass: [{ name: 'scratch', ap50: 0.6, ap50_95: 0.5 }, { name: 'dent', ap50: 0.2, ap50_95: 0.1 }] })]);
  const byLabel = new Map(rows.map((r) => [`${r.kind}:${r.label}`, r]));
  assert.deepEqual(byLabel.get('setting:compare.dataset')?.cells, ['neu-det', 'neu-det']);
  assert.deepEqual(byLabel.get('setting:compare.batch')?.cells, ['16 × 4', '16 × 4']);
  assert.deepEqual(byLabel.get('setting:compare.time')?.cells, [90, 90]);
  assert.equal(byLabel.get('ap:scratch')?.best, 1);
  assert.deepEqual(byLabel.get('ap:dent')?.cells, [null, 0.1]);
  assert.deepEqual(byLabel.get('threshold:scratch')?.cells, [0.3, 0.3]);
  assert.equal(trainSeconds(null), null);
  assert.equal(baseName('C:\\data\\pcb\\'), 'pcb');
});

test('a reopened run draws loss and LR from metrics.csv', () => {
  const csv = 'epoch,train_box,train_cls,train_dfl,train_total,map50,map50_95,lr\n0,3,4,2,9,0.1,0.05,0.001\n1,2,3,1.5,6.5,0.2,0.1,0.0005\n2,1,';
  const m = parseMetricsCsv(csv);
  assert.equal(m.columns['epoch']?.length, 2, 'the torn last line is skipped');
  const view = newRunView('r', '/runs/r');
  applyMetricsCsv(view, m);
  assert.deepEqual(view.series.x, [1, 2]);
  assert.deepEqual(view.series.lr, [0.001, 0.0005]);
  assert.deepEqual(view.series.lossParts['box'], [3, 2]);
  assert.deepEqual(view.series.map50_95, [0.05, 0.1]);
});

test('a fine-tuned run shows its parent; a table of runs from scratch has no parent row', () => {
  const rows = compareRows([run('a', 0.3), run('b', 0.5, { parentRun: 'a' })]);
  assert.deepEqual(rows.find((r) => r.label === 'compare.parent')?.cells, [null, 'a']);
  assert.equal(compareRows([run('a', 0.3), run('c', 0.2)]).find((r) => r.label === 'compare.parent'), undefined);
});
