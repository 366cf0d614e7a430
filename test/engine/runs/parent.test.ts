// Finding the run a fine-tune starts from: best, else last, or a weights folder given directly;
// coded errors for a missing, corrupt or other-scale parent; the parent is never changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { createDetector } from '../../../electron/engine/model/detector';
import { saveCheckpoint, type ModelMeta } from '../../../electron/engine/runs/checkpoint';
import { checkParentScale, resolveParentRun } from '../../../electron/engine/runs/parent';
import { runPaths } from '../../../electron/engine/runs/run-dir';
import { KestrelError } from '../../../electron/shared/errors';
import { formatReason } from '../../../electron/shared/reason';
import type { ModelSpec } from '../../../electron/shared/schemas/model';

const SPEC: ModelSpec = { scale: 'n', imgsz: 64, numClasses: 2, norm: 'batch' };
const CLASSES = ['dent', 'scratch'];
let root = '';
let runs = '';

const meta = (epoch: number): ModelMeta => ({ format: 'kestrel-detector', version: 1, spec: SPEC, classNames: CLASSES, imgsz: 64, epoch, step: 10 * epoch, metrics: null, savedAt: new Date().toISOString() });

/** A run folder with weights/best (EMA seed 1) and weights/last (seed 2), as the trainer writes them. */
async function makeRun(name: string, opts: { best?: boolean; last?: boolean; nan?: boolean } = {}): Promise<string> {
  const paths = runPaths(join(runs, name));
  await mkdir(paths.weights, { recursive: true });
  await writeFile(paths.plan, '{}');
  const det = createDetector(SPEC, { seed: 0 });
  try {
    for (const [which, seed] of [['best', 1], ['last', 2]] as const) {
      if (opts[which] === false) continue;
      const src = createDetector(SPEC, { seed });
      const ema = new Map<string, tf.Tensor>([...src.state()].map(([n, v]) => [n, opts.nan && n === 'm0.filter' ? tf.fill(v.shape, NaN) : v]));
      await saveCheckpoint(paths[which], meta(which === 'best' ? 3 : 4), { model: det, ema });
      if (opts.nan) tf.dispose(ema.get('m0.filter')!);
      src.dispose();
    }
  } finally {
    det.dispose();
  }
  return paths.dir;
}

/** Every file under dir with its content hash: to show a failed resolve changed nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[p] = createHash('sha256').update(await readFile(p)).digest('hex');
  }
  return out;
}

const fails = async (p: Promise<unknown>, code: string, pattern?: RegExp) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KestrelError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\{\w+\}|undefined/);
    return true;
  });
};

before(async () => {
  await initBackend({ force: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'kestrel-parent-'));
  runs = join(root, 'runs');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a run name under the runs folder resolves to its best weights, read back exactly', async () => {
  await makeRun('neu-half');
  const p = await resolveParentRun('neu-half', runs, { scale: 'n' });
  assert.equal(p.name, 'neu-half');
  assert.equal(p.which, 'best');
  assert.equal(p.weightsDir, runPaths(join(runs, 'neu-half')).best);
  assert.deepEqual(p.spec, SPEC);
  assert.deepEqual(p.classNames, CLASSES);
  assert.equal(p.imgsz, 64);
  assert.equal(p.epoch, 3);
  const ref = createDetector(SPEC, { seed: 1 });
  assert.equal(p.weights.tensors.size, ref.state().size);
  for (const [n, v] of ref.state()) assert.deepEqual(p.weights.tensors.get(n)?.values, await v.data(), n);
  ref.dispose();
  // The same run by its folder path, and another input size is no obstacle (only the scale is checked).
  const byPath = await resolveParentRun(join(runs, 'neu-half'), '/nonexistent');
  assert.equal(byPath.which, 'best');
});

test('without best it takes last; a weights folder can be named directly', async () => {
  await makeRun('only-last', { best: false });
  assert.equal((await resolveParentRun('only-last', runs)).which, 'last');
  const direct = await resolveParentRun(join(runs, 'neu-half', 'weights', 'last'), runs);
  assert.equal(direct.which, 'last');
  assert.equal(direct.name, 'neu-half');
  assert.equal(direct.epoch, 4);
});

test('FINETUNE_PARENT_MISSING: no such run, a file, a run with no weights', async () => {
  await fails(resolveParentRun('nope', runs), 'FINETUNE_PARENT_MISSING', /no such run folder.*--from runs\/NAME/);
  await writeFile(join(root, 'a-file'), 'x');
  await fails(resolveParentRun(join(root, 'a-file'), runs), 'FINETUNE_PARENT_MISSING', /a file, not a run folder/);
  await mkdir(join(runs, 'stopped-early', 'weights'), { recursive: true });
  await fails(resolveParentRun('stopped-early', runs), 'FINETUNE_PARENT_MISSING', /no weights\/best or weights\/last/);
});

test('FINETUNE_PARENT_CORRUPT: a changed weights file, a broken model.json, non-finite weights; the parent is untouched', async () => {
  const dir = await makeRun('flipped');
  const best = runPaths(dir).best;
  const bin = (await readdir(best)).find((f) => f.endsWith('.bin'))!;
  const bytes = await readFile(join(best, bin));
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(join(best, bin), bytes);
  const beforeFiles = await snapshot(dir);
  await fails(resolveParentRun('flipped', runs), 'FINETUNE_PARENT_CORRUPT', /does not match its checksum.*--from .*weights[/\\]last/);
  assert.deepEqual(await snapshot(dir), beforeFiles);

  const dir2 = await makeRun('bad-json', { last: false });
  await writeFile(join(runPaths(dir2).best, 'model.json'), '{"format": "kestrel-detector"');
  await fails(resolveParentRun('bad-json', runs), 'FINETUNE_PARENT_CORRUPT', /not JSON.*another run/);

  const dir3 = await makeRun('short', { last: false });
  const b3 = runPaths(dir3).best;
  const bin3 = (await readdir(b3)).find((f) => f.endsWith('.bin'))!;
  await writeFile(join(b3, bin3), (await readFile(join(b3, bin3))).subarray(0, 64));
  await fails(resolveParentRun('short', runs), 'FINETUNE_PARENT_CORRUPT', /64 bytes/);
  await rm(join(b3, bin3));
  await fails(resolveParentRun('short', runs), 'FINETUNE_PARENT_CORRUPT', /is missing/);

  await makeRun('diverged', { nan: true, last: false });
  await fails(resolveParentRun('diverged', runs), 'FINETUNE_PARENT_CORRUPT', /m0\.filter holds non-finite values/);
});

test('FINETUNE_SCALE_MISMATCH: an n parent for an s run says which scale to pick', async () => {
  await fails(resolveParentRun('neu-half', runs, { scale: 's' }), 'FINETUNE_SCALE_MISMATCH', /YOLOv8n.*YOLOv8s.*--model n/);
  try {
    checkParentScale({ name: 'neu-half', spec: SPEC }, 'm');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof KestrelError);
    const zh = formatReason({ code: e.code, params: e.details as Record<string, string>, message: e.message }, 'zh');
    assert.match(zh, /--model n/);
    assert.notEqual(zh, e.message);
  }
  assert.doesNotThrow(() => checkParentScale({ name: 'x', spec: SPEC }, 'n'));
});

test('every fine-tune message has a Chinese twin with the same placeholders', async () => {
  const { finetuneMessages } = await import('../../../electron/shared/messages/finetune');
  const ph = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(finetuneMessages.zh).sort(), Object.keys(finetuneMessages.en).sort());
  for (const [code, en] of Object.entries(finetuneMessages.en)) {
    assert.match(code, /^FINETUNE_/);
    assert.deepEqual(ph(finetuneMessages.zh[code]!), ph(en), code);
  }
});
