// Kestrel's pretrained start (issue 14) on the train path: `kestrel pretrain` makes a (tiny) set of
// pretrained weights from synthetic images, a new run on other classes starts from them with a
// run-from-scratch plan, and asking for weights that do not ship is refused before any training.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../../../electron/cli/main';
import type { CliIO } from '../../../electron/cli/io';
import { train } from '../../../electron/engine/train/index';
import { loadTrainCheckpoint } from '../../../electron/engine/runs/checkpoint';
import { resolveParentRun } from '../../../electron/engine/runs/parent';
import { PretrainedInfoSchema } from '../../../electron/engine/model/pretrained';
import { TransferReportSchema } from '../../../electron/shared/schemas/finetune';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { KestrelError } from '../../../electron/shared/errors';
import { demoSet, tempDir, tinyConfig } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-pretrained-');
const shipped = join(tmp.dir, 'pretrained');
const none = join(tmp.dir, 'no-pretrained');
const runs = join(tmp.dir, 'runs');
const saved = process.env['KESTREL_PRETRAINED_DIR'];
after(() => {
  if (saved === undefined) delete process.env['KESTREL_PRETRAINED_DIR'];
  else process.env['KESTREL_PRETRAINED_DIR'] = saved;
  tmp.cleanup();
});

function capture(): CliIO & { outText: () => string; errText: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { out: (t) => o.push(t), err: (t) => e.push(t), outText: () => o.join('\n'), errText: () => e.join('\n') };
}

before(async () => {
  mkdirSync(none, { recursive: true });
  const io = capture();
  const argv = ['pretrain', '--images', '40', '--epochs', '1', '--imgsz', '64', '--out', shipped, '--runs', runs, '--data-dir', join(tmp.dir, 'synth'), '--workers', '0', '--backend', 'wasm', '--calibrate', 'off', '--in-process', '--json-events'];
  assert.equal(await main(argv, io), 0, io.errText());
});

test('kestrel pretrain installs the weights with pretrained.json saying how they were made', () => {
  assert.ok(existsSync(join(shipped, 'n', 'model.json')));
  const info = PretrainedInfoSchema.parse(JSON.parse(readFileSync(join(shipped, 'n', 'pretrained.json'), 'utf8')));
  assert.equal(info.name, 'kestrel-synth-n');
  assert.deepEqual([info.images, info.epochs, info.imgsz], [40, 1, 64]);
  assert.match(info.command, /^kestrel pretrain --images 40 --epochs 1/);
  assert.ok(info.map50 !== null && info.map50 >= 0 && info.map50 <= 1);
  const manifest = JSON.parse(readFileSync(join(shipped, 'n', 'model.json'), 'utf8')) as { classNames: string[] };
  assert.deepEqual(manifest.classNames, ['line', 'curve', 'blob', 'pits', 'cracks', 'fractal', 'ring', 'patch']);
});

test('a run with --start pretrained starts from those weights (all but the class rows) and keeps the from-scratch plan', async () => {
  process.env['KESTREL_PRETRAINED_DIR'] = shipped;
  const data = await demoSet();
  const stop = new AbortController();
  stop.abort(); // Stop at the first step boundary: weights/last then holds the starting weights.
  const events: TrainingEvent[] = [];
  const runDir = join(runs, 'from-pretrained');
  const res = await train(tinyConfig(runDir, data, { epochs: 1, start: 'pretrained' }), { signal: stop.signal, onEvent: (e) => events.push(e) });
  assert.equal(res.status, 'stopped');
  const scratchDir = join(runs, 'from-scratch');
  await train(tinyConfig(scratchDir, data, { epochs: 1, start: 'scratch' }), { signal: stop.signal });

  const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as { pretrained?: string; lr: number; warmupSteps: number; reasons: Array<{ code: string }> };
  const scratch = JSON.parse(readFileSync(join(scratchDir, 'plan.json'), 'utf8')) as { pretrained?: string; lr: number; warmupSteps: number };
  assert.equal(plan.pretrained, 'kestrel-synth-n');
  assert.equal(scratch.pretrained, undefined);
  assert.equal(plan.reasons[0]?.code, 'PLAN_START_PRETRAINED');
  assert.equal(plan.lr, scratch.lr);
  assert.equal(plan.warmupSteps, scratch.warmupSteps);
  assert.ok(events.some((e) => e.type === 'warning' && e.reason.code === 'PRETRAINED_TRANSFERRED'));
  assert.ok(!events.some((e) => e.type === 'warning' && e.reason.code === 'FINETUNE_NO_SHARED_CLASSES'), 'no fine-tune wording');
  assert.equal(existsSync(join(scratchDir, 'transfer.json')), false);

  const transfer = JSON.parse(readFileSync(join(runDir, 'transfer.json'), 'utf8')) as { pretrained?: string; report: unknown };
  assert.equal(transfer.pretrained, 'kestrel-synth-n');
  const report = TransferReportSchema.parse(transfer.report);
  assert.ok(report.copiedValues / report.totalValues > 0.95, `${report.copiedValues} of ${report.totalValues} values carried`);

  const from = await resolveParentRun(join(shipped, 'n'), runs);
  const ckpt = await loadTrainCheckpoint(join(runDir, 'weights', 'last'));
  const fresh = await loadTrainCheckpoint(join(scratchDir, 'weights', 'last'));
  try {
    let same = 0;
    for (const [name, t] of ckpt.raw) {
      if (report.fresh.includes(name) || report.reshapedByClass.includes(name)) continue;
      assert.deepEqual(Array.from(t.dataSync()), Array.from(from.weights.tensors.get(name)!.values), name);
      same++;
    }
    assert.equal(same, report.copied);
    // And not what the same seed gives from scratch.
    const first = [...ckpt.raw.keys()].find((n) => n.endsWith('.filter'))!;
    assert.notDeepEqual(Array.from(ckpt.raw.get(first)!.dataSync()), Array.from(fresh.raw.get(first)!.dataSync()));
  } finally {
    for (const c of [ckpt, fresh]) tf.dispose([...c.raw.values(), ...c.ema.values(), ...Object.values(c.optimizer)]);
  }
});

test('asking for pretrained weights that do not ship is refused before training, in the engine and the CLI', async () => {
  process.env['KESTREL_PRETRAINED_DIR'] = none;
  const data = await demoSet();
  await assert.rejects(train(tinyConfig(join(runs, 'missing'), data, { epochs: 1, start: 'pretrained' })), (e: unknown) => e instanceof KestrelError && e.code === 'PRETRAINED_MISSING');
  const io = capture();
  const argv = ['train', '--data', data, '--start', 'pretrained', '--imgsz', '64', '--epochs', '1', '--out', runs, '--name', 'cli-missing', '--calibrate', 'off', '--backend', 'wasm', '--in-process'];
  assert.equal(await main(argv, io), 2);
  assert.match(io.errText(), /PRETRAINED_MISSING/);
  assert.equal(existsSync(join(runs, 'cli-missing')), false, 'no run folder');
  const both = capture();
  assert.equal(await main(['train', '--data', data, '--from', join(runs, 'from-scratch'), '--start', 'pretrained', '--out', runs], both), 2);
  assert.match(both.errText(), /CLI_BAD_FLAG.*--start/);
});
