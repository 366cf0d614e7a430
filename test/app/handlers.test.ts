// The app's handlers over a counting engine: a checked dataset is imported once for the check,
// the samples and the plan (the check in a worker thread), again only when the dataset changed;
// train:start hands the training process the figures of the plan the Plan step showed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp, dispatch, nodeFork, type AppHost, type EnginePort, type ForkFn } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import type { ChannelName } from '../../electron/shared/ipc-contract';
import type { EventPayload } from '../../electron/shared/ipc-contract';
import { img, makeTree } from '../engine/data/helpers';
import { PROFILES } from '../engine/plan/profiles';

const root = mkdtempSync(join(tmpdir(), 'kestrel-handlers-'));
const tree = await makeTree({
  'images/train/a.jpg': img(1),
  'images/train/b.jpg': img(2),
  'images/val/c.jpg': img(3),
  'labels/train/a.txt': '0 0.5 0.5 0.5 0.5\n',
  'labels/train/b.txt': '1 0.25 0.25 0.5 0.5\n',
  'labels/val/c.txt': '0 0.5 0.5 0.4 0.4\n',
  'data.yaml': 'path: .\ntrain: images/train\nval: images/val\nnames: [scratch, dent]\n',
});
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await tree.cleanup();
});
const datasetDir = tree.dir;

const calls: string[] = [];
const engine: EnginePort = {
  ...realEngine,
  probeHardware: async () => PROFILES.win3090,
  importDataset: (path) => (calls.push('import'), realEngine.importDataset(path)),
  checkDataset: (path, opts) => (calls.push('check'), realEngine.checkDataset(path, opts)),
};
const dialogs: string[] = [];
const host: AppHost = { userDataDir: join(root, 'user'), version: '0.0.0-test', openFolderDialog: async () => dialogs.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined };
const states: EventPayload<'evt:run-state'>[] = [];
let runGone!: () => void;
const gone = new Promise<void>((ok) => (runGone = ok));
// The scripted training process of the supervisor's tests: it records how it was started and ends cleanly.
const worker = join(import.meta.dirname, 'fixtures/scripted-worker.mjs');
const fork: ForkFn = (_entry, args, o) => nodeFork(worker, [...args, 'clean'], o);
const core = await createApp({ host, engine, fork, workerEntry: worker, sink: { training: () => undefined, runState: (s) => (states.push(s), s.state !== 'running' && runGone()) } });
async function call<T = unknown>(ch: ChannelName, payload: unknown): Promise<T> {
  const r = await dispatch(core.handlers, ch, payload);
  assert.ok(r.ok, `${ch}: ${r.ok ? '' : `${r.error.code} ${r.error.message}`}`);
  return r.value as T;
}
dialogs.push(datasetDir);
await call('dialog:openFolder', {});

test('a check, then samples, a plan and a start import the dataset once (the check\'s import)', async () => {
  const report = await call<{ totals: { usable: number } }>('dataset:check', { path: datasetDir });
  assert.equal(report.totals.usable, 3);
  const samples = await call<{ total: number; samples: unknown[] }>('dataset:samples', { path: datasetDir, limit: 2 });
  assert.equal(samples.total, 2);
  const plan = await call<{ summary: { trainImages: number } }>('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 } });
  assert.equal(plan.summary.trainImages, 2);
  assert.deepEqual(calls, ['check'], 'the check imported it (in its worker thread); samples and plan reused that import');
  // A second check is a fresh one (the engineer may have fixed files), and it is the one reused again.
  await call('dataset:check', { path: datasetDir });
  await call('dataset:samples', { path: datasetDir, split: 'val' });
  assert.deepEqual(calls, ['check', 'check']);
});

test('a dataset whose modification time changed is imported again', async () => {
  calls.length = 0;
  const later = new Date(Date.now() + 60_000);
  utimesSync(datasetDir, later, later);
  await call('dataset:samples', { path: datasetDir });
  await call('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 } });
  assert.deepEqual(calls, ['import']);
});

test('train:start hands the training process the figures of the plan the Plan step showed', async () => {
  const accepted = { perDeviceBatch: 8, accumulation: 2, lr: 0.01, warmupSteps: 30, epochs: 3 };
  const { runDir } = await call<{ runDir: string }>('train:start', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, epochs: 3, name: 'accepted', accepted });
  await gone;
  // config.json is what the training process reads; it compares its own plan with these figures.
  assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).accepted, accepted);
  assert.equal(states.at(-1)!.state, 'completed');
});
