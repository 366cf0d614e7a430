// The LR range test (30 steps) and a 3-trial, 2-rung search on the tiny demo set, in-process:
// the files they write, a sane LR choice, and a search killed after its first rung that continues.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLrFind, runSearch, formatLrFind, formatSearchTable, type SearchEvent } from '../../../electron/engine/tune/index';
import { LrFindResultSchema, SearchStateSchema, TuneOverridesFileSchema } from '../../../electron/shared/schemas/tune';
import { KestrelError } from '../../../electron/shared/errors';
import { demoSet, tempDir } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-tune-');
after(() => tmp.cleanup());

const common = { model: { scale: 'n' as const, imgsz: 64 }, overrides: { batch: 4, accumulation: 1 }, backend: 'wasm' as const, workers: 0 };

test('--lr-find: 30 steps of rising LR, lr-find.json with the curve, a choice inside the safe range and its reasons', async () => {
  const data = await demoSet();
  const runDir = join(tmp.dir, 'lr-find');
  const seen: number[] = [];
  const r = await runLrFind({ ...common, datasetPath: data, runDir, steps: 30, onPoint: (p) => seen.push(p.lr) });
  const file = LrFindResultSchema.parse(JSON.parse(readFileSync(join(runDir, 'lr-find.json'), 'utf8')));
  assert.deepEqual(file.choice, r.choice);
  assert.ok(r.curve.length >= 10 && r.curve.length <= 30, `${r.curve.length} steps`);
  assert.equal(seen.length, r.curve.length);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, 'the LR rises every step');
  assert.ok(r.curve.every((p) => Number.isFinite(p.loss) && Number.isFinite(p.smooth)));
  assert.equal(r.plan.perDeviceBatch, 4);
  assert.equal(r.plan.optimizer, 'adamw');
  assert.ok(r.choice.lr >= 3e-4 && r.choice.lr <= 1e-3, `chosen ${r.choice.lr}`);
  assert.ok(r.choice.reasons.some((x) => x.code === 'TUNE_LR_VS_PLAN'));
  assert.equal(r.overrides.lr, r.choice.lr);
  assert.match(formatLrFind(r), /Chosen LR/);
});

test('search: 3 trials, 2 rungs; killed after its first rung it continues from its state; winner written as tune.json', async () => {
  const data = await demoSet();
  const dir = join(tmp.dir, 'search');
  const base = { ...common, datasetPath: data, dir, maxTrials: 3, budgetSeconds: null, epochs: 2, rungs: 2, eta: 3, calibrate: 'off' as const, maxTrainImages: 12, maxValImages: 4, trainExtra: { checkpointEverySeconds: 0 } };

  // First process: stopped right after the first rung of the first trial.
  const stop = new AbortController();
  const first: SearchEvent[] = [];
  const r1 = await runSearch({ ...base, signal: stop.signal, onEvent: (e) => {
    if (e.type !== 'train') first.push(e);
    if (e.type === 'rung-end') stop.abort();
  } });
  assert.equal(r1.status, 'stopped');
  assert.equal(r1.state.trials.length, 1);
  assert.equal(r1.state.trials[0]!.results.length, 1);

  // Second process: the same settings continue the search.
  const second: SearchEvent[] = [];
  const r2 = await runSearch({ ...base, onEvent: (e) => {
    if (e.type !== 'train') second.push(e);
  } });
  const planned = second.find((e) => e.type === 'planned');
  assert.ok(planned && planned.type === 'planned' && planned.resumed);
  const starts = second.flatMap((e) => (e.type === 'rung-start' ? [`${e.trial.id}@${e.rung}`] : []));
  assert.equal(starts.length, 3, `continued without redoing trial 0's first rung: ${starts.join(', ')}`);
  assert.deepEqual(starts.slice(0, 2), ['1@0', '2@0']);
  assert.equal(r2.status, 'complete');

  const state = SearchStateSchema.parse(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')));
  assert.equal(state.done, true);
  assert.equal(state.trials.length, 3);
  assert.deepEqual(state.trials.map((t) => t.results.length).sort(), [1, 1, 2], 'one trial continued to rung 1');
  for (const t of state.trials) {
    const runDir = join(dir, `trial-${String(t.id).padStart(2, '0')}`);
    assert.ok(existsSync(join(runDir, 'plan.json')) && existsSync(join(runDir, 'metrics.csv')), runDir);
    const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as { lr: number; epochs: number };
    assert.ok(Math.abs(plan.lr - t.params.lr) < 1e-12, 'the trial trained with its own LR');
    assert.equal(plan.epochs, 2, 'planned for the last rung');
  }
  assert.ok(r2.winner && r2.winner.result.rung === 1);
  const tune = TuneOverridesFileSchema.parse(JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8')));
  assert.equal(tune.overrides.lr, r2.winner.trial.params.lr);
  assert.match(tune.command, /^kestrel train --data .* --lr /);
  assert.match(formatSearchTable(state), /rung 1 \(2 ep\)/);

  // Done: running it again changes nothing; other settings in the same folder are refused.
  const r3 = await runSearch({ ...base });
  assert.equal(r3.status, 'complete');
  assert.deepEqual(r3.state.trials, state.trials);
  await assert.rejects(runSearch({ ...base, seed: 9 }), (e: unknown) => e instanceof KestrelError && e.code === 'TUNE_STATE_MISMATCH');
});
