// The one flag parser of every command (electron/cli/flags.ts): typed values, "did you mean"
// for a mistyped flag, a missing value and a bad number named by their flag, switches taking
// key=value's true/false, --help of every command through `kestrel` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, parseRangeFlag, type CommandSpec, type FlagDefs } from '../../electron/cli/flags';
import { KestrelError } from '../../electron/shared/errors';
import { PROFILES } from '../engine/plan/profiles';
import { TRAIN_FLAGS } from '../../electron/cli/commands/train';
import { DEMO_FLAGS } from '../../electron/cli/commands/demo';
import { PLAN_FLAGS } from '../../electron/cli/commands/plan';
import { HARDWARE_FLAGS } from '../../electron/cli/commands/hardware';
import { DATASET_FLAGS } from '../../electron/cli/commands/dataset';
import { VAL_FLAGS } from '../../electron/cli/commands/val';
import { PREDICT_FLAGS } from '../../electron/cli/commands/predict';
import { EXPORT_FLAGS } from '../../electron/cli/commands/export';
import { TUNE_FLAGS } from '../../electron/cli/commands/tune';
import { kestrel } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'kestrel-flags-'));
const hwFile = join(dir, 'hw.json');
writeFileSync(hwFile, JSON.stringify(PROFILES.win3090));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FLAGS = {
  data: { type: 'string' },
  epochs: { type: 'number', limit: 'epochs' },
  seed: { type: 'number', limit: 'seed' },
  conf: { type: 'number', range: { min: 0, max: 1, int: false } },
  model: { type: 'choice', choices: ['n', 's', 'm'] },
  json: { type: 'boolean' },
} as const satisfies FlagDefs;
const SPEC: CommandSpec<typeof FLAGS> = { command: 'train', help: 'Options:\n  --data PATH   the dataset\n  --epochs N    epochs', flags: FLAGS };

/** The KestrelError `fn` throws (fails when it throws nothing or something else). */
function thrown(fn: () => unknown): KestrelError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KestrelError, String(err));
    return err;
  }
  assert.fail('nothing thrown');
}

test('typed values: numbers checked, choices narrowed, switches false when absent, help asked -> null', () => {
  const p = parseFlags(['--data', 'd', '--epochs', '30', '--conf=0.25', '--model', 's'], SPEC)!;
  assert.deepEqual(p.values, { data: 'd', epochs: 30, seed: undefined, conf: 0.25, model: 's', json: false });
  assert.deepEqual(p.positionals, []);
  assert.equal(parseFlags(['--epochs', 'x', '-h'], SPEC), null, 'help wins over a bad value');
  assert.equal(parseFlags(['--help'], SPEC), null);
  // After `--` everything is a word, even --help.
  assert.equal(thrown(() => parseFlags(['--', '--help'], SPEC)).details?.['rule'], 'CLI_FLAG_UNEXPECTED_ARG');
});

test('a mistyped flag: CLI_UNKNOWN_FLAG with "did you mean", or none when nothing is close', () => {
  const e = thrown(() => parseFlags(['--data', 'd', '--epoch', '3'], SPEC));
  assert.equal(e.code, 'CLI_UNKNOWN_FLAG');
  assert.equal(e.message, 'kestrel train has no flag --epoch. Did you mean --epochs? See `kestrel train --help`.');
  const far = thrown(() => parseFlags(['--frobnicate'], SPEC));
  assert.equal(far.code, 'CLI_UNKNOWN_FLAG');
  assert.doesNotMatch(far.message, /Did you mean/);
  assert.match(thrown(() => parseFlags(['--modle', 'n'], SPEC)).message, /Did you mean --model\?/);
});

test('a flag without its value, a switch given one, a stray word: coded errors naming the flag', () => {
  for (const argv of [['--data'], ['--data', '--epochs', '3']]) {
    const e = thrown(() => parseFlags(argv, SPEC));
    assert.equal(e.code, 'CLI_MISSING_VALUE', argv.join(' '));
    assert.equal(e.message, '--data needs a value: write --data PATH. See `kestrel train --help`.');
  }
  assert.match(thrown(() => parseFlags(['--model'], SPEC)).message, /--model needs a value: write --model n\|s\|m\./);
  const sw = thrown(() => parseFlags(['--json=yes'], SPEC));
  assert.equal(sw.code, 'CLI_BAD_FLAG');
  assert.match(sw.message, /--json is a switch and takes no value/);
  const word = thrown(() => parseFlags(['--data', 'd', 'extra'], SPEC));
  assert.equal(word.code, 'CLI_BAD_FLAG');
  assert.match(word.message, /kestrel train does not take "extra"/);
  // A negative number is a value, refused by its limit with the flag named.
  assert.match(thrown(() => parseFlags(['--seed', '-1'], SPEC)).message, /^--seed \(seed\) must be from 0 to \d+, not -1\./);
});

test('a switch takes the true/false that key=value leaves after it', () => {
  assert.equal(parseFlags(['--json', 'true', '--data', 'd'], SPEC)!.values.json, true);
  assert.equal(parseFlags(['--json', 'False'], SPEC)!.values.json, false);
  assert.equal(parseFlags(['--json=false'], SPEC)!.values.json, false);
});

test('a bad number names the flag and what it must be', () => {
  assert.match(thrown(() => parseFlags(['--epochs', 'ten'], SPEC)).message, /^--epochs must be a number, not "ten"/);
  assert.match(thrown(() => parseFlags(['--epochs', '2.5'], SPEC)).message, /^--epochs \(number of epochs\) must be a whole number/);
  assert.match(thrown(() => parseFlags(['--conf', '2'], SPEC)).message, /^--conf must be a number from 0 to 1, not "2"/);
  assert.equal(parseRangeFlag('val', 'imgsz', '96', { min: 32, max: 4096, int: true, step: 32 }), 96);
  assert.match(thrown(() => parseRangeFlag('val', 'imgsz', '100', { min: 32, max: 4096, int: true, step: 32 })).message, /^--imgsz must be a multiple of 32 from 32 to 4096, not "100"/);
  assert.match(thrown(() => parseRangeFlag('tune', 'steps', '8.5', { min: 8, max: 10_000, int: true })).message, /^--steps must be a whole number from 8 to 10000/);
});

test('through kestrel: key=value words, a mistyped key, a bad number, all with exit codes', async () => {
  const kv = await kestrel('plan', 'hardware=' + hwFile, 'imgsz=320', 'epochs=10', 'json=true');
  assert.equal(kv.code, 0, kv.err);
  assert.equal((JSON.parse(kv.out) as { epochs: number }).epochs, 10);
  const table = await kestrel('plan', 'hardware=' + hwFile, 'json=false');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^Kestrel training plan/);

  const typo = await kestrel('train', 'data=somewhere', 'epoch=3');
  assert.equal(typo.code, 2);
  assert.match(typo.err, /^error CLI_UNKNOWN_FLAG: kestrel train has no flag --epoch\. Did you mean --epochs\?/);
  const lr0 = await kestrel('plan', 'lr0=0.01');
  assert.equal(lr0.code, 2);
  assert.match(lr0.err, /Did you mean --lr\?/);

  const cases: Array<[string[], RegExp]> = [
    [['train', '--data', 'x', '--epochs', 'ten'], /^error CLI_BAD_FLAG: --epochs must be a number, not "ten"/],
    [['predict', '--weights', 'r', '--conf', '2'], /^error CLI_BAD_FLAG: --conf must be a number from 0 to 1, not "2"/],
    [['val', '--weights', 'w', '--data', 'd', '--batch', '0'], /^error CLI_BAD_FLAG: --batch must be a whole number from 1 to 1024, not "0"/],
    [['demo', '--images', '5'], /^error CLI_BAD_FLAG: --images must be a whole number from 10/],
    [['tune', '--trials', 'many', '--data', 'd'], /^error CLI_BAD_FLAG: --trials must be a whole number from 1 to 1000/],
    [['dataset', 'check', 'x', '--imgsz', '10'], /^error CLI_BAD_FLAG: --imgsz must be a whole number from 32 to 4096/],
    [['hardware', '--lang', 'fr'], /^error CLI_BAD_FLAG: --lang must be one of en, zh, not "fr"/],
    [['export', '--weights'], /^error CLI_MISSING_VALUE: --weights needs a value: write --weights runs\/NAME\./],
  ];
  for (const [argv, re] of cases) {
    const r = await kestrel(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
  }
});

test('--help and -h of every command exit 0 and list every flag the command takes', async () => {
  const commands: Record<string, FlagDefs> = {
    hardware: HARDWARE_FLAGS,
    plan: PLAN_FLAGS,
    dataset: DATASET_FLAGS,
    train: TRAIN_FLAGS,
    demo: DEMO_FLAGS,
    val: VAL_FLAGS,
    predict: PREDICT_FLAGS,
    export: EXPORT_FLAGS,
    tune: TUNE_FLAGS,
  };
  for (const [name, flags] of Object.entries(commands)) {
    for (const h of ['--help', '-h']) {
      const r = await kestrel(name, h);
      assert.equal(r.code, 0, `${name} ${h}`);
      assert.equal(r.err, '', `${name} ${h}`);
      assert.match(r.out, new RegExp(`^Usage: kestrel ${name}`), name);
      for (const flag of [...Object.keys(flags), 'help']) assert.match(r.out, new RegExp(`--${flag}\\b`), `${name} --${flag}`);
    }
  }
});
