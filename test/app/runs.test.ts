import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listRuns, newRunId, openRun, parentNameOf, runDirOf } from '../../electron/app/runs';

const root = mkdtempSync(join(tmpdir(), 'kestrel-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const t0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const start = { type: 'train-start', t: t0, runDir: 'x', epochs: 3, startEpoch: 0, batchesPerEpoch: 5, totalSteps: 15, trainImages: 40, valImages: 10, backend: 'wasm', device: 'cpu', resumed: false };
const loss = { total: 1, parts: { box: 0.5, cls: 0.5 } };
const epochEnd = (epoch: number, map50: number, best: boolean) => ({ type: 'epoch-end', t: t0 + epoch, epoch, epochs: 3, trainLoss: loss, metrics: { map50, map50_95: map50 / 2 }, best, lr: 0.001, durationMs: 10 });

function writeRun(name: string, events: object[], opts: { last?: boolean; tornTail?: boolean } = {}) {
  const dir = join(root, name);
  mkdirSync(join(dir, 'weights'), { recursive: true });
  if (opts.last) mkdirSync(join(dir, 'weights/last'));
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n' + (opts.tornTail ? '{"type":"epoch-e' : ''));
}

writeRun('done', [start, epochEnd(0, 0.2, true), epochEnd(1, 0.5, true), epochEnd(2, 0.4, false), { type: 'train-end', t: t0 + 9, status: 'completed', epochsRun: 3, best: { epoch: 1, map50: 0.5, map50_95: 0.25 }, runDir: 'x', durationMs: 9 }], { last: true });
writeRun('crashed', [{ ...start, t: t0 + 100 }, epochEnd(0, 0.1, true)], { last: true, tornTail: true });
writeRun('fresh', [{ ...start, t: t0 + 200 }]);

test('runs are listed newest first with status, progress, best metrics and resumability', async () => {
  const runs = await listRuns(root, null);
  assert.deepEqual(runs.map((r) => r.id), ['fresh', 'crashed', 'done']);
  const [fresh, crashed, done] = runs;
  assert.equal(done!.status, 'completed');
  assert.deepEqual(done!.best, { epoch: 1, map50: 0.5, map50_95: 0.25 });
  assert.equal(done!.epochsDone, 3);
  assert.equal(done!.resumable, false);
  assert.equal(crashed!.status, 'incomplete');
  assert.equal(crashed!.epochsDone, 1, 'the torn last line is skipped, the events before it count');
  assert.equal(crashed!.resumable, true);
  assert.equal(fresh!.resumable, false, 'no checkpoint yet: nothing to resume');
  assert.equal(crashed!.createdAt, new Date(t0 + 100).toISOString());
});

test('the active run is reported as running and cannot be resumed twice', async () => {
  const runs = await listRuns(root, 'crashed');
  const r = runs.find((x) => x.id === 'crashed')!;
  assert.equal(r.status, 'running');
  assert.equal(r.resumable, false);
});

test('opening a run gives its epochs and notable events, not batch progress', async () => {
  const d = await openRun(root, 'done', null);
  assert.equal(d.epochs.length, 3);
  assert.deepEqual(d.events.map((e) => e.type), ['train-start', 'train-end']);
  await assert.rejects(openRun(root, 'missing', null), /no run "missing"/);
});

test('run ids never leave the runs folder', () => {
  assert.throws(() => runDirOf(root, '../etc'), /not a run name/);
  assert.throws(() => runDirOf(root, 'a/b'), /not a run name/);
  assert.equal(runDirOf(root, 'n320-1'), join(root, 'n320-1'));
  assert.equal(newRunId('s', 416, new Date(2025, 5, 7, 8, 9, 10)), 's416-20250607-080910');
});

test('a fine-tune names its parent: from config.json at once, from the plan once the trainer wrote it', async () => {
  const job = (from: string) => JSON.stringify({ runDir: 'x', datasetPath: '/data/set', model: { scale: 'n', imgsz: 96 }, epochs: 3, overrides: {}, resume: false, from });
  writeRun('child-early', [{ ...start, t: t0 + 300 }]);
  writeFileSync(join(root, 'child-early', 'config.json'), job(join(root, 'done', 'weights', 'best')));
  writeRun('child-planned', [{ type: 'plan', t: t0 + 400, plan: { parentRun: 'done' } }, { ...start, t: t0 + 401 }]);
  writeFileSync(join(root, 'child-planned', 'config.json'), job('/elsewhere/some-weights'));
  const runs = await listRuns(root, null);
  assert.equal(runs.find((r) => r.id === 'child-early')!.parentRun, 'done');
  assert.equal(runs.find((r) => r.id === 'child-planned')!.parentRun, 'done', "the plan's parentRun wins");
  assert.equal(runs.find((r) => r.id === 'done')!.parentRun, null, 'a run from scratch has none');
});

test('parentNameOf reads the run out of a weights path on either platform', () => {
  assert.equal(parentNameOf('/runs/base/weights/best'), 'base');
  assert.equal(parentNameOf('C:\\runs\\base\\weights\\last\\'), 'base');
  assert.equal(parentNameOf('/runs/base'), 'base');
  assert.equal(parentNameOf('/exported/weights/my-model'), 'my-model');
});
