import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../electron/cli/main';
import type { CliIO } from '../../electron/cli/io';
import { TrainingEventSchema } from '../../electron/shared/schemas/events';
import { writeRunConfigOnce } from '../../electron/engine/train/run-config';
import { demoSet, tempDir, tinyConfig } from '../engine/train/helpers';

const tmp = tempDir('kestrel-cli-train-');
after(() => tmp.cleanup());

function capture(): CliIO & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t) => out.push(t), err: (t) => err.push(t), outText: () => out.join('\n'), errText: () => err.join('\n') };
}

test('kestrel train: bad flags and files exit 2 with a message', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['train'], /--data is required/],
    [['train', '--data', join(tmp.dir, 'nope')], /does not exist/],
    [['train', '--data', tmp.dir, '--imgsz', '100'], /multiple of 32/],
    [['train', '--data', tmp.dir, '--model', 'x'], /--model must be one of/],
    [['train', '--data', tmp.dir, '--lr', 'abc'], /--lr must be a number/],
    [['train', '--data', tmp.dir, '--bogus'], /error CLI_UNKNOWN_FLAG: kestrel train has no flag --bogus\./],
    [['train', '--resume', join(tmp.dir, 'no-run')], /does not exist/],
    [['demo', '--imgsz', '70'], /multiple of 32/],
    [['train', '--data', tmp.dir, '--batch', '4096', '--imgsz', '1280'], /CLI_BAD_FLAG: --batch \(per-device batch\) must be from 1 to 512/],
    [['train', '--data', tmp.dir, '--batch', '512', '--accumulate', '256'], /CLI_BAD_FLAG: Batch 512 x accumulation 256/],
    [['train', '--data', tmp.dir, '--epochs', '1.5'], /--epochs \(number of epochs\) must be a whole number/],
    [['train', '--data', tmp.dir, '--seed', '-1'], /--seed/],
    [['train', '--data', tmp.dir, '--name', 'CON', '--imgsz', '64'], /RUN_NAME_/],
    [['train', '--data', tmp.dir, '--name', 'a/b', '--imgsz', '64'], /RUN_NAME_/],
    [['train', '--data', tmp.dir, '--out', join(tmp.dir, 'a-file'), '--imgsz', '64'], /FS_NOT_A_FOLDER/],
  ];
  writeFileSync(join(tmp.dir, 'a-file'), 'x');
  for (const [argv, msg] of cases) {
    const io = capture();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.errText(), msg, argv.join(' '));
  }
});

test('kestrel train: resuming a folder that is not a run exits 1 with a code', async () => {
  const dir = join(tmp.dir, 'empty-run');
  mkdirSync(dir, { recursive: true });
  const io = capture();
  assert.equal(await main(['train', '--resume', dir], io), 1);
  assert.match(io.errText(), /TRAIN_CONFIG_UNREADABLE/);
});

test('kestrel train --json-events: one valid event per line, exit 0, a run folder under --out', async () => {
  const data = await demoSet();
  const out = join(tmp.dir, 'runs');
  const io = capture();
  const argv = ['train', '--data', data, '--imgsz', '64', '--epochs', '1', '--batch', '4', '--accumulate', '1', '--workers', '0', '--backend', 'wasm', '--calibrate', 'off', '--name', 'tiny', '--out', out, '--in-process', '--json-events'];
  assert.equal(await main(argv, io), 0, io.errText());
  const lines = io.outText().trim().split('\n');
  const events = lines.map((l) => TrainingEventSchema.parse(JSON.parse(l)));
  assert.equal(events[0]!.type, 'plan');
  assert.equal(events.at(-1)!.type, 'train-end');
  assert.deepEqual(readdirSync(out), ['tiny']);
});

test('kestrel train --resume of a run killed before its first checkpoint starts again from its saved config', async () => {
  const data = await demoSet();
  const dir = join(tmp.dir, 'killed-early');
  // What a start leaves behind when its process dies before the first checkpoint: config.json only.
  await writeRunConfigOnce(tinyConfig(dir, data, { epochs: 1 }));
  const io = capture();
  assert.equal(await main(['train', '--resume', dir, '--in-process', '--json-events'], io), 0, io.errText());
  const events = io.outText().trim().split('\n').map((l) => TrainingEventSchema.parse(JSON.parse(l)));
  const warning = events.find((e) => e.type === 'warning' && e.reason.code === 'TRAIN_RESUME_FROM_START');
  assert.ok(warning, 'says it starts again');
  const start = events.find((e) => e.type === 'train-start');
  assert.ok(start?.type === 'train-start' && start.startEpoch === 0 && !start.resumed);
  assert.equal(events.at(-1)!.type, 'train-end');
  assert.ok(existsSync(join(dir, 'weights', 'last', 'meta.json')), 'the restarted run saved its checkpoints');
});
