// The app side of "keep improving a model": plan:create plans a fine-tune of an earlier run
// (the planner's fine-tune rules and reasons, FINETUNE_* errors for a parent that cannot be used),
// and predict:tryFiles refuses a run without a model before it saves anything.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp, dispatch, type AppHost, type EnginePort, type ForkFn } from '../../electron/app/index';
import { realEngine } from '../../electron/app/engine';
import type { ChannelName } from '../../electron/shared/ipc-contract';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import { PROFILES } from '../engine/plan/profiles';

const root = mkdtempSync(join(tmpdir(), 'kestrel-improve-'));
after(() => rmSync(root, { recursive: true, force: true }));
// A small real dataset (data.yaml, train and val, three classes), as the app's demo button makes it.
const datasetDir = join(root, 'demo');
await generateDemoDataset(datasetDir, { images: 8, size: [64, 96] });

const userDataDir = join(root, 'user');
const runsDir = join(userDataDir, 'runs');
const parents: string[] = [];
const engine: EnginePort = {
  ...realEngine,
  probeHardware: async () => PROFILES.win3090,
  // The parent's weights are the engine's business (tested there); here: what the handler does with the answer.
  resolveParent: async (dir, runs, scale) => {
    parents.push(`${dir} ${runs} ${scale}`);
    if (!dir.endsWith('base')) return realEngine.resolveParent(dir, runs, scale);
    return { name: 'base', weightsDir: join(dir, 'weights', 'best'), norm: 'batch' };
  },
};
const folders: string[] = [datasetDir];
const host: AppHost = { userDataDir, version: '0.0.0-test', openFolderDialog: async () => folders.shift() ?? null, openFileDialog: async () => null, openPath: async () => undefined };
const fork: ForkFn = () => {
  throw new Error('no training process in this test');
};
const core = await createApp({ host, engine, fork, workerEntry: 'none.ts', sink: { training: () => undefined, runState: () => undefined } });
const call = (ch: ChannelName, payload: unknown) => dispatch(core.handlers, ch, payload);
await call('dialog:openFolder', {});

test('plan:create with from plans a fine-tune of that run, with its reasons', async () => {
  const scratch = await call('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 } });
  const tuned = await call('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, from: 'base' });
  assert.ok(scratch.ok && tuned.ok);
  const a = (scratch.value as { plan: { lr: number; parentRun?: string } }).plan;
  const b = (tuned.value as { plan: { lr: number; parentRun?: string; reasons: { code: string }[] } }).plan;
  assert.equal(a.parentRun, undefined);
  assert.equal(b.parentRun, 'base', 'the plan records its parent');
  assert.ok(b.lr < a.lr, `a fine-tune starts at a lower LR (${b.lr} vs ${a.lr})`);
  assert.ok(b.reasons.some((r) => r.code === 'PLAN_FINETUNE'), 'and says why');
  assert.deepEqual(parents, [`${join(runsDir, 'base')} ${runsDir} n`], 'the parent is looked up in the runs folder, for the scale asked');
});

test('a parent that is not there is said while planning, with its code', async () => {
  const r = await call('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, from: 'gone' });
  assert.equal(r.ok ? 'ok' : r.error.code, 'FINETUNE_PARENT_MISSING');
  const bad = await call('plan:create', { datasetPath: datasetDir, model: { scale: 'n', imgsz: 320 }, from: '../etc' });
  assert.equal(bad.ok ? 'ok' : bad.error.code, 'APP_BAD_REQUEST');
});

test('predict:tryFiles: a run without a model is refused before anything is saved', async () => {
  mkdirSync(join(runsDir, 'empty'), { recursive: true });
  const r = await call('predict:tryFiles', { runId: 'empty', files: [{ name: 'a.png', data: '' }] });
  assert.equal(r.ok ? 'ok' : r.error.code, 'APP_NO_WEIGHTS');
  assert.equal(existsSync(join(runsDir, 'empty', 'dropped')), false);
  const missing = await call('predict:tryFiles', { runId: 'nope', files: [{ name: 'a.png', data: '' }] });
  assert.equal(missing.ok ? 'ok' : missing.error.code, 'APP_RUN_NOT_FOUND');
});
