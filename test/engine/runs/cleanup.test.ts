// Start-of-run housekeeping: abandoned temp files and folders go, checkpoints stay (a torn swap
// is put back), and metrics.csv is cut back to the epochs before the checkpoint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanRunTemp, isAbandonedTemp } from '../../../electron/engine/runs/cleanup';
import { METRIC_COLUMNS, trimMetricsRows, trimMetricsText } from '../../../electron/engine/runs/run-dir';
import { tempDir } from '../train/helpers';

const tmp = tempDir('kestrel-cleanup-');
after(() => tmp.cleanup());

test('abandoned temp names are recognised; run files are not', () => {
  for (const n of ['.plan.json.0a1b2c3d.tmp', 'last.tmp-deadbeef', '.kestrel-write-probe-1234abcd']) assert.ok(isAbandonedTemp(n), n);
  for (const n of ['plan.json', 'metrics.csv', 'last', 'best', 'tmp', '.plan.json.tmp', 'last.tmp-xyz']) assert.ok(!isAbandonedTemp(n), n);
});

test('cleanRunTemp removes temp files and folders and a stale .old, and puts a torn swap back', async () => {
  const run = join(tmp.dir, 'run');
  mkdirSync(join(run, 'weights', 'last'), { recursive: true });
  mkdirSync(join(run, 'weights', 'best.old'), { recursive: true });
  writeFileSync(join(run, 'weights', 'best.old', 'meta.json'), 'best');
  mkdirSync(join(run, 'weights', 'last.old'), { recursive: true });
  mkdirSync(join(run, 'weights', 'last.tmp-0badf00d'), { recursive: true });
  writeFileSync(join(run, 'weights', 'last', 'meta.json'), 'last');
  writeFileSync(join(run, 'plan.json'), '{}');
  writeFileSync(join(run, '.plan.json.0a1b2c3d.tmp'), '{"half');
  writeFileSync(join(run, 'weights', 'last', '.meta.json.11223344.tmp'), 'x');
  const removed = await cleanRunTemp(run);
  assert.deepEqual(removed.sort(), ['.plan.json.0a1b2c3d.tmp', 'weights/last.old', 'weights/last.tmp-0badf00d', 'weights/last/.meta.json.11223344.tmp']);
  assert.deepEqual(readdirSync(join(run, 'weights')).sort(), ['best', 'last']);
  assert.equal(readFileSync(join(run, 'weights', 'best', 'meta.json'), 'utf8'), 'best', 'the torn swap of best was put back');
  assert.ok(existsSync(join(run, 'plan.json')));
});

test('metrics.csv keeps the epochs before the checkpoint: later rows, duplicates of re-trained epochs and torn lines go', async () => {
  const header = METRIC_COLUMNS.join(',');
  const row = (e: number) => [e, ...Array(METRIC_COLUMNS.length - 1).fill('0.5')].join(',');
  const text = [header, row(0), row(1), row(2), '3,0.1'].join('\n') + '\n';
  assert.deepEqual(trimMetricsText(text, 2), { text: [header, row(0), row(1)].join('\n') + '\n', dropped: 2 });
  assert.deepEqual(trimMetricsText(text, 0).dropped, 4);
  const file = join(tmp.dir, 'metrics.csv');
  writeFileSync(file, text);
  assert.equal(await trimMetricsRows(file, 1), 3);
  assert.equal(readFileSync(file, 'utf8'), [header, row(0)].join('\n') + '\n');
  assert.equal(await trimMetricsRows(file, 1), 0);
  assert.equal(await trimMetricsRows(join(tmp.dir, 'none.csv'), 1), 0);
});
