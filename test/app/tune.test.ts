// The Plan step's LR range test in the app: one test at a time, never beside a training run, its
// progress readable while it runs, stop, and the real thing end to end through the IPC contract
// (a tiny synthetic set, 8 steps, in its own process).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp, dispatch, nodeFork, type AppHost } from '../../electron/app/index';
import { LR_FIND_DIR, LrFindService, lrFindHandlers, lrFindRequestFor } from '../../electron/app/tune';
import type { ChildExit, ChildHandle, ForkFn } from '../../electron/engine/train/fork';
import { KestrelError } from '../../electron/shared/errors';
import type { ChannelName } from '../../electron/shared/ipc-contract';
import { LrFindResultSchema } from '../../electron/shared/schemas/tune';
import type { LrFindResponse } from '../../electron/shared/schemas/ipc/tune';
import { demoSet } from '../engine/train/helpers';
import { lrFindResult } from '../helpers/tune';

const root = mkdtempSync(join(tmpdir(), 'kestrel-app-tune-'));
after(() => rmSync(root, { recursive: true, force: true }));

const curve = [1e-5, 1e-4, 1e-3, 1e-2].map((lr, step) => ({ step, lr, loss: 3 - step * 0.5, smooth: 3 - step * 0.4 }));
const result = lrFindResult(curve, { plannedLr: 5e-4 });

/** A stand-in test process: sends two points, then waits for `release` (or a stop) before it answers. */
function heldFork(posted: unknown[]): { fork: ForkFn; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const startedP = new Promise<void>((ok) => (started = ok));
  const fork: ForkFn = () => {
    let onMsg: (m: unknown) => void = () => undefined;
    const handle: ChildHandle = {
      pid: 1,
      postMessage: (m) => {
        posted.push(m);
        if ((m as { type?: string }).type === 'stop') release();
      },
      onMessage: (l) => void (onMsg = l),
      onExit: (_l: (e: ChildExit) => void) => undefined,
      kill: () => undefined,
    };
    setImmediate(() => {
      onMsg({ type: 'point', point: curve[0] });
      onMsg({ type: 'point', point: curve[1] });
      started();
    });
    new Promise<void>((ok) => (release = ok)).then(() => onMsg({ type: 'done', result }));
    return handle;
  };
  return { fork, release: () => release(), started: startedP };
}

const appRequest = { datasetPath: '/data/set', model: { scale: 'n' as const, imgsz: 64 }, epochs: 10, overrides: { batch: 4 } };

test('the test process\'s request: the Plan step\'s settings, a folder of its own under the user data', () => {
  const r = lrFindRequestFor({ ...appRequest, steps: 40 }, '/user', new Date(2026, 0, 2, 3, 4, 5));
  assert.deepEqual(r, { datasetPath: '/data/set', model: { scale: 'n', imgsz: 64 }, epochs: 10, overrides: { batch: 4 }, steps: 40, runDir: join('/user', LR_FIND_DIR, 'n64-20260102-030405') });
  assert.equal('steps' in lrFindRequestFor(appRequest, '/user'), false, 'no steps: the engine\'s default');
});

test('one test at a time: progress while it runs, a second is refused, stop ends it with the steps so far', async () => {
  const posted: unknown[] = [];
  const held = heldFork(posted);
  const service = new LrFindService({ fork: held.fork, entry: 'stand-in' });
  assert.deepEqual(service.progress(), { running: false, steps: 0, points: [] });
  assert.equal(service.stop(), false, 'nothing to stop');
  const running = service.run({ ...lrFindRequestFor(appRequest, root), steps: 30 });
  await held.started;
  assert.equal(service.running, true);
  assert.deepEqual(service.progress(), { running: true, steps: 30, points: [curve[0], curve[1]] });
  await assert.rejects(service.run(lrFindRequestFor(appRequest, root)), (e: unknown) => e instanceof KestrelError && e.code === 'APP_LR_FIND_BUSY' && /still running/.test(e.message));
  assert.equal(service.stop(), true);
  assert.deepEqual(posted, [{ type: 'stop' }], 'the process is asked to stop, not killed');
  assert.deepEqual(await running, result);
  assert.equal(service.running, false);
});

test('the handlers: a dataset the user did not pick and a training run are refused before any process starts', async () => {
  let forks = 0;
  const held = heldFork([]);
  const service = new LrFindService({ fork: (...args) => (forks++, held.fork(...args)) });
  let training: string | null = 'n64-run';
  const h = lrFindHandlers({
    service,
    userDataDir: root,
    picked: (p) => {
      if (p !== '/data/set') throw new KestrelError('APP_DATASET_NOT_PICKED', 'not picked');
      return p;
    },
    trainingRunId: () => training,
  });
  const req = { ...appRequest, overrides: { batch: 4 } };
  await assert.rejects(h['tune:lrFind']({ ...req, datasetPath: '/elsewhere' }), (e: unknown) => e instanceof KestrelError && e.code === 'APP_DATASET_NOT_PICKED');
  await assert.rejects(h['tune:lrFind'](req), (e: unknown) => e instanceof KestrelError && e.code === 'APP_LR_FIND_TRAINING' && e.details?.['runId'] === 'n64-run' && /is training/.test(e.message));
  assert.equal(forks, 0);
  training = null;
  const answer = h['tune:lrFind'](req);
  await held.started;
  assert.equal((await h['tune:lrFindProgress']({})).points.length, 2);
  assert.deepEqual(await h['tune:lrFindStop']({}), { stopping: true });
  const r = await answer;
  assert.deepEqual(r.result, result);
  assert.deepEqual(r.chart.points.map((p) => p.log10Lr), [-5, -4, -3, -2]);
  assert.equal(r.chart.chosen.lr, result.choice.lr);
  assert.match(r.file, new RegExp(`${LR_FIND_DIR}[\\\\/]n64-\\d{8}-\\d{6}[\\\\/]lr-find\\.json$`));
  assert.deepEqual(await h['tune:lrFindStop']({}), { stopping: false });
});

test('tune:lrFind through the IPC contract runs the real test in its own process on a tiny set (8 steps)', async () => {
  process.env.KESTREL_BACKEND = 'wasm';
  process.env.KESTREL_CALIBRATIONS = join(root, 'calibrations.json');
  const data = await demoSet();
  const dialogs = [data];
  const host: AppHost = { userDataDir: join(root, 'user'), version: '0.0.0-test', openFolderDialog: async () => dialogs.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined };
  const core = await createApp({ host, fork: nodeFork, workerEntry: join(import.meta.dirname, 'fixtures/scripted-worker.mjs'), sink: { training: () => undefined, runState: () => undefined } });
  const call = async <T>(ch: ChannelName, payload: unknown): Promise<T> => {
    const r = await dispatch(core.handlers, ch, payload);
    assert.ok(r.ok, `${ch}: ${r.ok ? '' : `${r.error.code} ${r.error.message}`}`);
    return r.value as T;
  };
  await call('dialog:openFolder', {});
  const bad = await dispatch(core.handlers, 'tune:lrFind', { datasetPath: data, model: { scale: 'n', imgsz: 64 }, epochs: 1, steps: 3 });
  assert.ok(!bad.ok && bad.error.code === 'APP_BAD_REQUEST', 'fewer than 8 steps are refused by the contract');

  const seen: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const p = await call<{ running: boolean; points: unknown[] }>('tune:lrFindProgress', {});
      if (p.running) seen.push(p.points.length);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();
  const r = await call<LrFindResponse>('tune:lrFind', { datasetPath: data, model: { scale: 'n', imgsz: 64 }, epochs: 1, overrides: { batch: 4, accumulation: 1 }, steps: 8 }).finally(() => (polling = false));
  await poll;
  assert.equal(r.result.settings.steps, 8);
  assert.ok(r.result.curve.length >= 4 && r.result.curve.length <= 8, `${r.result.curve.length} steps`);
  assert.equal(r.result.plan.perDeviceBatch, 4);
  assert.equal(r.result.plan.accumulation, 1);
  assert.equal(r.chart.points.length, r.result.curve.length);
  assert.ok(r.result.choice.lr >= 3e-4 && r.result.choice.lr <= 1e-3, `AdamW's safe range: ${r.result.choice.lr}`);
  assert.ok(r.result.choice.reasons.length > 0);
  assert.ok(existsSync(r.file) && r.file.startsWith(join(root, 'user', LR_FIND_DIR)));
  assert.deepEqual(LrFindResultSchema.parse(JSON.parse(readFileSync(r.file, 'utf8'))), r.result);
  assert.ok(seen.length > 0, 'the progress answered while it ran');
  assert.deepEqual(await call('tune:lrFindProgress', {}), { running: false, steps: 0, points: [] });
});
