// The renderer is untrusted: generated malformed payloads on every channel that takes a path
// or a run name, the runs folder and export destination chosen only in main's dialogs,
// shell:openPath confined to run and picked dataset folders, coded errors for missing runs.
// Drives the real handlers through dispatch (the checks main makes) with a stub engine.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '../../electron/engine/backend/index';
import { saveDetector } from '../../electron/engine/model/persist';
import { perturbedDetector } from '../engine/export/helpers';
import { createApp, dispatch, type AppHost, type EnginePort, type ForkFn } from '../../electron/app/index';
import { KestrelError } from '../../electron/shared/errors';
import type { ChannelName } from '../../electron/shared/ipc-contract';

const root = mkdtempSync(join(tmpdir(), 'kestrel-handlers-sec-'));
after(() => rmSync(root, { recursive: true, force: true }));

const userDataDir = join(root, 'user');
const datasetDir = join(root, 'datasets', 'pcb');
const strangerDir = join(root, 'stranger');
mkdirSync(userDataDir, { recursive: true });
mkdirSync(join(datasetDir, 'images'), { recursive: true });
mkdirSync(strangerDir, { recursive: true });
writeFileSync(join(datasetDir, 'images', 'a.jpg'), 'jpeg');
writeFileSync(join(strangerDir, 'secret.txt'), 'x');

const dialogs: { folders: (string | null)[]; files: (string | null)[] } = { folders: [], files: [] };
const opened: string[] = [];
const engineCalls: string[] = [];
const host: AppHost = {
  userDataDir,
  version: '0.0.0-test',
  openFolderDialog: async () => dialogs.folders.shift() ?? null,
  openFileDialog: async () => dialogs.files.shift() ?? null,
  openPath: async (p) => void opened.push(p),
};
const refuse = (what: string) => async (path?: unknown) => {
  engineCalls.push(`${what} ${String(path)}`);
  throw new KestrelError('STUB_REACHED', `the engine was asked to ${what}`);
};
const engine: EnginePort = {
  probeHardware: refuse('probe') as EnginePort['probeHardware'],
  importDataset: refuse('import') as EnginePort['importDataset'],
  checkDataset: refuse('check') as EnginePort['checkDataset'],
  summarizeDataset: refuse('summarize') as EnginePort['summarizeDataset'],
  generateDemoDataset: refuse('demo'),
  planTraining: refuse('plan') as EnginePort['planTraining'],
  lrCurve: refuse('lr') as EnginePort['lrCurve'],
  resolveParent: refuse('parent') as EnginePort['resolveParent'],
  newRunStart: refuse('start') as EnginePort['newRunStart'],
};
let forks = 0;
const fork: ForkFn = () => {
  forks++;
  throw new Error('no training process in this test');
};
const core = await createApp({ host, engine, fork, workerEntry: 'none.ts', sink: { training: () => undefined, runState: () => undefined } });
const call = (ch: ChannelName, payload: unknown) => dispatch(core.handlers, ch, payload);
const codeOf = async (ch: ChannelName, payload: unknown) => {
  const r = await call(ch, payload);
  return r.ok ? 'ok' : r.error.code;
};
const runsDir = join(userDataDir, 'runs');
function makeRun(name: string, withWeights: boolean): string {
  const dir = join(runsDir, name);
  mkdirSync(join(dir, 'weights'), { recursive: true });
  if (withWeights) {
    mkdirSync(join(dir, 'weights', 'best'), { recursive: true });
    writeFileSync(join(dir, 'weights', 'best', 'model.json'), '{}');
    writeFileSync(join(dir, 'weights', 'best', 'weights.bin'), Buffer.alloc(64));
  }
  return dir;
}

/** Hostile strings for a path or a name, and hostile non-strings. */
const HOSTILE = ['', 'x'.repeat(1 << 20), 'relative/path', '../..', '..', '/', '/a\0b', 'CON', 'nul.txt', 'run.', 'run ', 'a/b', 'a\\b', 'C:', '\0', 42, null, true, ['/a'], { path: '/a' }];

/** Where each path- or name-taking channel puts the hostile value. */
const SLOTS: Array<[ChannelName, (v: unknown) => unknown]> = [
  ['dataset:check', (v) => ({ path: v })],
  ['dataset:samples', (v) => ({ path: v })],
  ['plan:create', (v) => ({ datasetPath: v, model: { scale: 'n', imgsz: 320 } })],
  ['tune:lrFind', (v) => ({ datasetPath: v, model: { scale: 'n', imgsz: 320 }, epochs: 1 })],
  ['train:start', (v) => ({ datasetPath: v, model: { scale: 'n', imgsz: 320 }, epochs: 1 })],
  ['train:start', (v) => ({ datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, epochs: 1, name: v })],
  ['train:resume', (v) => ({ runId: v })],
  ['train:stop', (v) => ({ runId: v })],
  ['runs:open', (v) => ({ runId: v })],
  ['results:get', (v) => ({ runId: v })],
  ['model:export', (v) => ({ runId: v })],
  ['model:export', (v) => ({ runId: 'r1', destDir: v })],
  ['shell:openPath', (v) => ({ path: v })],
  ['dialog:openFolder', (v) => ({ defaultPath: v })],
  ['settings:set', (v) => ({ runsDir: v })],
  ['settings:chooseRunsDir', (v) => ({ path: v })],
];
const REFUSALS = /^(APP_BAD_REQUEST|APP_DATASET_NOT_PICKED|APP_RUN_NOT_FOUND|APP_PATH_NOT_ALLOWED|APP_PATH_INVALID|RUN_NAME_[A-Z_]+)$/;

test('generated malformed payloads on every path or name channel are refused with a code, touching nothing', async () => {
  makeRun('r1', true);
  assert.equal(await codeOf('settings:set', { locale: 'en' }), 'ok');
  const settingsBefore = readFileSync(join(userDataDir, 'settings.json'), 'utf8').toString();
  let n = 0;
  for (const [ch, slot] of SLOTS) {
    for (const v of HOSTILE) {
      if (ch === 'dialog:openFolder' && v === '/') continue; // A starting folder for the user's own choice: legal.
      const code = await codeOf(ch, slot(v));
      assert.match(code, REFUSALS, `${ch} ${JSON.stringify(slot(v)).slice(0, 80)} -> ${code}`);
      n++;
    }
  }
  assert.ok(n >= 250, `${n} cases`);
  assert.deepEqual(opened, [], 'nothing was opened');
  assert.deepEqual(engineCalls, [], 'the engine never saw a refused path');
  assert.equal(forks, 0, 'no training process was started');
  assert.equal(readFileSync(join(userDataDir, 'settings.json'), 'utf8'), settingsBefore, 'settings unchanged');
  assert.equal(core.settings.get().runsDir, null);
  assert.deepEqual(core.settings.get().recentProjects, []);
});

test('dataset paths are read only after the user picked them in main\'s dialog', async () => {
  assert.equal(await codeOf('dataset:check', { path: datasetDir }), 'APP_DATASET_NOT_PICKED');
  dialogs.folders.push(datasetDir);
  assert.deepEqual(await call('dialog:openFolder', {}), { ok: true, value: { path: datasetDir } });
  assert.equal(await codeOf('dataset:check', { path: datasetDir }), 'STUB_REACHED');
  assert.equal(await codeOf('dataset:samples', { path: join(datasetDir, 'images') }), 'STUB_REACHED');
  assert.equal(await codeOf('dataset:check', { path: join(datasetDir, '..', '..', 'stranger') }), 'APP_DATASET_NOT_PICKED');
  assert.equal(await codeOf('dataset:check', { path: `${datasetDir}-evil` }), 'APP_DATASET_NOT_PICKED');
  // The built-in demo set is main's own folder.
  assert.equal(await codeOf('dataset:check', { path: join(userDataDir, 'demo-dataset') }), 'STUB_REACHED');
});

test('settings:set cannot name the runs folder; settings:chooseRunsDir takes it from main\'s dialog', async () => {
  assert.equal(await codeOf('settings:set', { runsDir: strangerDir }), 'APP_BAD_REQUEST');
  assert.equal(await codeOf('settings:set', { locale: 'zh' }), 'ok');
  // Cancelled: nothing changes.
  assert.equal((await call('settings:chooseRunsDir', {})).ok, true);
  assert.equal(core.settings.get().runsDir, null);
  // The top of a drive, a file: refused with their codes.
  dialogs.folders.push('/');
  assert.equal(await codeOf('settings:chooseRunsDir', {}), 'APP_RUNS_DIR_INVALID');
  dialogs.folders.push(join(strangerDir, 'secret.txt'));
  assert.equal(await codeOf('settings:chooseRunsDir', {}), 'FS_NOT_A_FOLDER');
  const chosen = join(root, 'my-runs');
  dialogs.folders.push(chosen);
  const r = await call('settings:chooseRunsDir', {});
  assert.ok(r.ok);
  assert.equal(core.settings.get().runsDir, chosen);
  assert.equal(((await call('app:info', {})) as { ok: true; value: { runsDir: string } }).value.runsDir, chosen);
  assert.equal((await call('settings:chooseRunsDir', { reset: true })).ok, true);
  assert.equal(core.settings.get().runsDir, null);
  assert.equal(await codeOf('settings:set', { locale: 'en' }), 'ok');
});

test('shell:openPath opens run folders and picked datasets, never programs or other places', async () => {
  const run = makeRun('r2', true);
  writeFileSync(join(run, 'payload.exe'), 'MZ');
  opened.length = 0;
  assert.equal(await codeOf('shell:openPath', { path: run }), 'ok');
  assert.equal(await codeOf('shell:openPath', { path: join(datasetDir, 'images', 'a.jpg') }), 'ok');
  assert.equal(await codeOf('shell:openPath', { path: join(run, 'payload.exe') }), 'APP_PATH_EXECUTABLE');
  assert.equal(await codeOf('shell:openPath', { path: join(strangerDir, 'secret.txt') }), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf('shell:openPath', { path: join(run, '..', '..', '..', 'stranger', 'secret.txt') }), 'APP_PATH_NOT_ALLOWED');
  assert.deepEqual(opened, [run, join(datasetDir, 'images', 'a.jpg')]);
});

test('model:export writes only where main\'s dialog says; missing runs and weights are coded', async () => {
  // A real (tiny, untrained) model: the export is a real ONNX export with its model card.
  const r3 = makeRun('r3', false);
  await initBackend({ force: 'cpu' });
  const det = perturbedDetector({ scale: 'n', imgsz: 64, numClasses: 2, norm: 'batch' }, 3);
  await saveDetector(det, join(r3, 'weights', 'best'), { classNames: ['scratch', 'dent'] });
  det.dispose();
  makeRun('empty', false);
  assert.equal(await codeOf('model:export', { runId: 'r3', destDir: strangerDir }), 'APP_BAD_REQUEST');
  assert.equal(await codeOf('model:export', { runId: 'ghost' }), 'APP_RUN_NOT_FOUND');
  assert.equal(await codeOf('model:export', { runId: 'empty' }), 'APP_NO_WEIGHTS');
  assert.deepEqual(await call('model:export', { runId: 'r3' }), { ok: true, value: { path: null, files: [] } }, 'cancelled');
  const dest = join(root, 'exports');
  mkdirSync(dest);
  dialogs.folders.push(dest);
  const r = await call('model:export', { runId: 'r3' });
  assert.ok(r.ok);
  const value = (r as { ok: true; value: { path: string; files: string[] } }).value;
  assert.equal(value.path, join(dest, 'r3-onnx'));
  assert.equal(value.files[0], 'r3-opset17.onnx');
  assert.deepEqual([...value.files].sort(), ['MODEL.md', 'model.json', 'r3-opset17.onnx', 'run_model.mjs', 'run_model.py']);
  // The file is a real ONNX model that ONNX Runtime loads, with the run's classes in its metadata.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(dest, 'r3-onnx', 'r3-opset17.onnx'));
  assert.deepEqual(session.outputNames, ['output0']);
  assert.match(JSON.stringify(JSON.parse(readFileSync(join(dest, 'r3-onnx', 'model.json'), 'utf8'))), /"dent"/);
  await session.release();
  // Again: replaced, no temp or .old folders left beside it.
  dialogs.folders.push(dest);
  assert.equal(await codeOf('model:export', { runId: 'r3' }), 'ok');
  assert.deepEqual(readdirSync(dest), ['r3-onnx']);
  // A destination that is a file: coded, not INTERNAL.
  dialogs.folders.push(join(strangerDir, 'secret.txt'));
  assert.equal(await codeOf('model:export', { runId: 'r3' }), 'FS_NOT_A_FOLDER');
  assert.deepEqual(dialogs.folders, []);
});

test('results:get of a run that does not exist is APP_RUN_NOT_FOUND, of an empty run empty results', async () => {
  assert.equal(await codeOf('results:get', { runId: 'nope' }), 'APP_RUN_NOT_FOUND');
  makeRun('fresh', false);
  const r = await call('results:get', { runId: 'fresh' });
  assert.ok(r.ok);
  assert.deepEqual((r.value as { evaluation: unknown; gallery: unknown[] }).gallery, []);
});

test('train:start refuses run names Windows cannot create, before touching the dataset', async () => {
  engineCalls.length = 0;
  for (const [name, code] of [['CON', 'RUN_NAME_RESERVED'], ['com1.txt', 'RUN_NAME_RESERVED'], ['run.', 'RUN_NAME_TRAILING'], ['a:b', 'RUN_NAME_BAD_CHAR'], ['x'.repeat(65), 'RUN_NAME_TOO_LONG']] as const) {
    const r = await call('train:start', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, epochs: 1, name });
    assert.equal(r.ok ? 'ok' : r.error.code, code, name);
  }
  assert.deepEqual(engineCalls, []);
  assert.equal(forks, 0);
});
