// `kestrel tune`: flags, help, budgets, and the exit codes of bad input (no training here:
// test/integration/tune runs the LR range test and a search for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../electron/cli/main';
import { parseBudget, parseTuneArgs, run } from '../../electron/cli/commands/tune';
import { KestrelError } from '../../electron/shared/errors';
import { mergeOverrides, TRAIN_FLAGS } from '../../electron/cli/commands/train';
import { parseFlags } from '../../electron/cli/flags';
import { trainCommand } from '../../electron/engine/tune/format';
import { capture } from '../helpers/cli';

test('kestrel tune is listed, and --help explains both modes', async () => {
  const c = capture();
  assert.equal(await main(['--help'], c.io), 0);
  assert.match(c.out.join('\n'), /tune\s+find the LR/);
  const h = capture();
  assert.equal(await run(['--help'], h.io), 0);
  assert.match(h.out.join('\n'), /--lr-find/);
  assert.match(h.out.join('\n'), /--budget DURATION/);
});

test('budgets: minutes by default, s/m/h units, at most 48 h', () => {
  assert.equal(parseBudget('30m'), 1800);
  assert.equal(parseBudget('2h'), 7200);
  assert.equal(parseBudget('1.5h'), 5400);
  assert.equal(parseBudget('90s'), 90);
  assert.equal(parseBudget('45'), 2700);
  for (const bad of ['0m', '49h', '30x', '', 'm30', '-5m']) {
    assert.throws(() => parseBudget(bad), (e: unknown) => e instanceof KestrelError && e.code === 'CLI_BAD_FLAG' && /not a duration/.test(e.message), bad);
  }
});

test('flags: lr-find and search settings, defaults and folder names', () => {
  const a = parseTuneArgs(['--lr-find', '--data', 'sets/neu-det', '--imgsz', '224', '--steps', '120', '--lr-min', '1e-7', '--batch', '8'])!;
  assert.equal(a.mode, 'lr-find');
  assert.deepEqual(a.model, { scale: 'n', imgsz: 224 });
  assert.equal(a.dir, join('runs', 'neu-det-lr-find'));
  assert.deepEqual(a.lrFind, { steps: 120, lrMin: 1e-7, lrMax: undefined });
  assert.deepEqual(a.overrides, { batch: 8 });
  const s = parseTuneArgs(['--trials', '6', '--budget', '30m', '--data', 'd/data.yaml', '--model', 's', '--out', '/tmp/x', '--epochs', '12', '--rungs', '2', '--eta', '2'])!;
  assert.equal(s.mode, 'search');
  assert.equal(s.dir, join('/tmp/x', 'd-tune'));
  assert.deepEqual(s.search, { maxTrials: 6, budgetSeconds: 1800, epochs: 12, rungs: 2, eta: 2 });
  assert.equal(parseTuneArgs(['--budget', '2h', '--data', 'd'])!.search.maxTrials, null);
});

test('bad flags exit 2 with a sentence that says what to do', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--data', 'd'], /Say what to tune/],
    [['--lr-find', '--trials', '3', '--data', 'd'], /separately/],
    [['--lr-find'], /Give the dataset with --data/],
    [['--budget', '30x', '--data', 'd'], /not a duration/],
    [['--lr-find', '--data', 'd', '--lr-min', '0.1', '--lr-max', '0.01'], /must rise/],
    [['--lr-find', '--data', 'd', '--steps', '3'], /--steps must be a whole number from 8/],
    [['--trials', '0', '--data', 'd'], /--trials must be a whole number from 1/],
    [['--lr-find', '--data', 'd', '--model', 'x'], /model/],
    [['--lr-find', '--data', 'd', '--imgsz', '100'], /imgsz|input size/i],
    [['--lr-find', '--data', 'd', '--bogus'], /bogus/],
  ];
  for (const [argv, re] of cases) {
    const c = capture();
    assert.equal(await run(argv, c.io), 2, argv.join(' '));
    assert.match(c.err.join('\n'), re, argv.join(' '));
  }
});

test('a dataset that is not there exits 2 with its code', async () => {
  const c = capture();
  const code = await run(['--lr-find', '--data', join(tmpdir(), 'kestrel-no-such-set'), '--backend', 'wasm', '--out', join(tmpdir(), 'kestrel-tune-cli'), '--json'], c.io);
  assert.equal(code, 2);
  assert.match(c.err.join('\n'), /error DS_/);
  assert.match(JSON.parse(c.out.join('\n')).error.code as string, /^DS_/);
});

test('the train command a tune prints names only flags `kestrel train` takes, each with its override', () => {
  const overrides = { batch: 8, accumulation: 2, lr: 0.000412, optimizer: 'adamw' as const, warmupEpochs: 1.5, weightDecay: 0.02, memoryFraction: 0.5 };
  const command = trainCommand('sets/neu-det', { scale: 'n', imgsz: 224 }, overrides, 9);
  assert.equal(command, 'kestrel train --data sets/neu-det --model n --imgsz 224 --epochs 9 --batch 8 --accumulate 2 --lr 0.000412 --optimizer adamw --warmup-epochs 1.5 --weight-decay 0.02');
  const parsed = parseFlags(command.split(' ').slice(2), { command: 'train', help: '', flags: TRAIN_FLAGS })!.values;
  assert.deepEqual(mergeOverrides({}, parsed), { batch: 8, accumulation: 2, lr: 0.000412, optimizer: 'adamw', warmupEpochs: 1.5, weightDecay: 0.02 });
  assert.equal(parsed.epochs, 9);
});
