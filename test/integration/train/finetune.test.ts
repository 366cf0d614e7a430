// Fine-tuning from an earlier run (issue 12) on the train path: a tiny parent run, then a child
// run with one more class started from it (in-process and through `kestrel train --from`), and
// the ways a bad --from is refused before any run folder exists.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../../../electron/cli/main';
import type { CliIO } from '../../../electron/cli/io';
import { train } from '../../../electron/engine/train/index';
import { loadTrainCheckpoint } from '../../../electron/engine/runs/checkpoint';
import { resolveParentRun } from '../../../electron/engine/runs/parent';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { TransferReportSchema } from '../../../electron/shared/schemas/finetune';
import { demoSet, tempDir, tinyConfig } from '../../engine/train/helpers';

const tmp = tempDir('kestrel-finetune-');
after(() => tmp.cleanup());

const out = join(tmp.dir, 'runs');
const parentDir = join(out, 'parent');
const childData = join(tmp.dir, 'child-data');

function capture(): CliIO & { outText: () => string; errText: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  return { out: (t) => o.push(t), err: (t) => e.push(t), outText: () => o.join('\n'), errText: () => e.join('\n') };
}

before(async () => {
  const data = await demoSet();
  // The parent: 1 epoch at 64 px on the demo set (scratch, spot, hole).
  await train(tinyConfig(parentDir, data, { epochs: 1, overrides: { batch: 4, accumulation: 1 } }));
  // The child's data: the same images with a fourth class, "dent", taking over some of the holes.
  cpSync(data, childData, { recursive: true });
  writeFileSync(join(childData, 'data.yaml'), 'train: images/train\nval: images/val\nnc: 4\nnames:\n  - scratch\n  - spot\n  - hole\n  - dent\n');
  const labels = join(childData, 'labels', 'train');
  for (const f of readdirSync(labels).slice(0, 6)) {
    const text = readFileSync(join(labels, f), 'utf8');
    writeFileSync(join(labels, f), text.replace(/^2 /gm, '3 '));
  }
});

test('a fine-tune starts from the parent: transfer.json lists the new class, the kept tensors are the parent\'s, the plan and config name the parent', async () => {
  const runDir = join(out, 'child-inproc');
  const events: TrainingEvent[] = [];
  const stop = new AbortController();
  stop.abort(); // Stop at the first step boundary: weights/last then holds the weights the run started from.
  const res = await train(tinyConfig(runDir, childData, { epochs: 1, overrides: { batch: 4, accumulation: 1 }, from: parentDir }), { signal: stop.signal, onEvent: (e) => events.push(e) });
  assert.equal(res.status, 'stopped');

  const transfer = JSON.parse(readFileSync(join(runDir, 'transfer.json'), 'utf8')) as { parentRun: string; report: unknown };
  assert.equal(transfer.parentRun, 'parent');
  const report = TransferReportSchema.parse(transfer.report);
  assert.deepEqual(report.newClasses, ['dent']);
  assert.deepEqual(report.keptClasses, ['scratch', 'spot', 'hole']);
  assert.ok(report.copied > 0);

  const codes = events.flatMap((e) => (e.type === 'warning' ? [e.reason.code] : []));
  assert.ok(codes.includes('FINETUNE_TRANSFERRED'), codes.join(','));
  assert.ok(codes.includes('FINETUNE_NEW_CLASSES'), codes.join(','));
  const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as { parentRun?: string; reasons: Array<{ code: string }> };
  assert.equal(plan.parentRun, 'parent');
  assert.ok(plan.reasons.some((r) => r.code === 'PLAN_FINETUNE'));
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { from?: string };
  assert.equal(config.from, parentDir);

  // The child's starting weights are the parent's (its EMA = weights/best) for every tensor copied whole.
  const parent = await resolveParentRun(parentDir, out);
  const ckpt = await loadTrainCheckpoint(join(runDir, 'weights', 'last'));
  try {
    assert.equal(ckpt.state.step, 0, 'no update before the stop');
    let compared = 0;
    for (const [name, t] of ckpt.raw) {
      if (report.fresh.includes(name) || report.reshapedByClass.includes(name)) continue;
      const p = parent.weights.tensors.get(name);
      assert.ok(p, `parent has ${name}`);
      assert.deepEqual(Array.from(t.dataSync()), Array.from(p.values), name);
      compared++;
    }
    assert.equal(compared, report.copied);
    // Class-head rows of kept classes are the parent's too; the new class's row is not.
    const head = report.reshapedByClass[0]!;
    const child = Array.from(ckpt.raw.get(head)!.dataSync());
    const from = Array.from(parent.weights.tensors.get(head)!.values);
    const shape = ckpt.raw.get(head)!.shape;
    const per = child.length / shape[shape.length - 1]!;
    // Filters are [kh, kw, in, out] with classes on the last axis (biases are [classes]).
    const rowOf = (vals: number[], cls: number, n: number) => vals.filter((_v, i) => i % n === cls);
    const nParent = from.length / per;
    for (let c = 0; c < 3; c++) assert.deepEqual(rowOf(child, c, 4), rowOf(from, c, nParent), `${head} class ${c}`);
  } finally {
    tf.dispose([...ckpt.raw.values(), ...ckpt.ema.values(), ...Object.values(ckpt.optimizer)]);
  }
});

test('kestrel train --from: bad parents and --resume are refused with exit 2 and leave no run folder', async () => {
  const base = ['train', '--data', childData, '--imgsz', '64', '--epochs', '1', '--out', out, '--in-process'];
  const cases: Array<[string[], string, RegExp]> = [
    [[...base, '--name', 'bad-missing', '--from', join(tmp.dir, 'no-such-run')], 'bad-missing', /FINETUNE_PARENT_MISSING/],
    [[...base, '--name', 'bad-scale', '--from', parentDir, '--model', 's'], 'bad-scale', /FINETUNE_SCALE_MISMATCH/],
    [['train', '--resume', parentDir, '--from', parentDir], 'parent-2', /CLI_BAD_FLAG.*--resume/],
  ];
  for (const [argv, name, msg] of cases) {
    const io = capture();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.errText(), msg);
    assert.equal(existsSync(join(out, name)), false, `${name} was not created`);
  }
});

test('kestrel train --from runs/NAME trains the child with the new class and records its parent', async () => {
  const io = capture();
  const argv = ['train', '--data', childData, '--from', parentDir, '--imgsz', '64', '--epochs', '1', '--batch', '4', '--accumulate', '1', '--workers', '0', '--backend', 'wasm', '--calibrate', 'off', '--name', 'child', '--out', out, '--in-process', '--json-events'];
  assert.equal(await main(argv, io), 0, io.errText());
  const events = io.outText().trim().split('\n').map((l) => JSON.parse(l) as TrainingEvent);
  assert.ok(events.some((e) => e.type === 'warning' && e.reason.code === 'FINETUNE_NEW_CLASSES'));
  assert.equal(events.at(-1)!.type, 'train-end');
  const transfer = JSON.parse(readFileSync(join(out, 'child', 'transfer.json'), 'utf8')) as { report: { newClasses: string[] }; which: string };
  assert.deepEqual(transfer.report.newClasses, ['dent']);
  assert.equal(transfer.which, 'best');
});
