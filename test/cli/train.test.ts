import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../electron/cli/main';
import type { CliIO } from '../../electron/cli/io';
import { TrainingEventSchema } from '../../electron/shared/schemas/events';
import { demoSet, tempDir } from '../engine/train/helpers';

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
    [['train', '--data', tmp.dir, '--bogus'], /Unknown option/],
    [['train', '--resume', join(tmp.dir, 'no-run')], /does not exist/],
    [['demo', '--imgsz', '70'], /multiple of 32/],
  ];
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
