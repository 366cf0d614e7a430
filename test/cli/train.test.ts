import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../electron/cli/main';
import { mergeOverrides, readOverridesFile, TRAIN_FLAGS } from '../../electron/cli/commands/train';
import { parseFlags } from '../../electron/cli/flags';
import { TrainingEventSchema } from '../../electron/shared/schemas/events';
import { TrainingPlanSchema } from '../../electron/shared/schemas/plan';
import type { TuneOverridesFile } from '../../electron/shared/schemas/tune';
import { writeRunConfigOnce } from '../../electron/engine/train/run-config';
import { demoSet, tempDir, tinyConfig } from '../engine/train/helpers';
import { captureIO as capture } from '../helpers/cli';
import { lrFindResult } from '../helpers/tune';

const tmp = tempDir('kestrel-cli-train-');
after(() => tmp.cleanup());

/** What `kestrel tune`'s search writes as its winner (tune.json). */
const tuneFile: TuneOverridesFile = {
  version: 1,
  source: 'search',
  overrides: { batch: 4, accumulation: 1, lr: 0.000412, warmupEpochs: 0, weightDecay: 0.01 },
  train: { augment: 'light', epochs: 1 },
  command: 'kestrel train --data d --model n --imgsz 64 --epochs 1 --batch 4 --accumulate 1 --lr 0.000412 --warmup-epochs 0 --weight-decay 0.01',
  reasons: [],
};

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
    [['train', '--data', tmp.dir, '--warmup-epochs', '-1'], /--warmup-epochs \(warmup in epochs\) must be from 0 to 100/],
    [['train', '--data', tmp.dir, '--weight-decay', '2'], /--weight-decay \(weight decay\) must be from 0 to 1/],
    [['train', '--data', tmp.dir, '--overrides', join(tmp.dir, 'no-tune.json')], /error CLI_BAD_FILE: The overrides file .*no-tune\.json cannot be read/],
    [['train', '--data', tmp.dir, '--overrides', join(tmp.dir, 'a-file')], /error CLI_BAD_FILE: The overrides file .*a-file cannot be read \(Unexpected token/],
    [['train', '--data', tmp.dir, '--overrides', join(tmp.dir, 'not-tune.json')], /error CLI_BAD_FILE: The overrides file .*not a plan Kestrel can train with \(version:/],
    [['train', '--data', tmp.dir, '--overrides', join(tmp.dir, 'bad-lr.json')], /not a plan Kestrel can train with \(overrides\.lr:/],
    [['train', '--resume', tmp.dir, '--overrides', join(tmp.dir, 'tune.json')], /--resume continues a run with the settings it started with; --overrides plans a new run/],
  ];
  writeFileSync(join(tmp.dir, 'a-file'), 'x');
  writeFileSync(join(tmp.dir, 'not-tune.json'), JSON.stringify({ lr: 0.001 }));
  writeFileSync(join(tmp.dir, 'bad-lr.json'), JSON.stringify({ ...tuneFile, overrides: { lr: 5 } }));
  for (const [argv, msg] of cases) {
    const io = capture();
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.errText(), msg, argv.join(' '));
  }
});

test('--overrides reads tune.json (overrides, epochs, augmentation) or lr-find.json (its LR); flags given win', async () => {
  const file = join(tmp.dir, 'winner.json');
  writeFileSync(file, JSON.stringify(tuneFile));
  const tuned = await readOverridesFile(file);
  assert.deepEqual(tuned, { source: 'search', overrides: tuneFile.overrides, train: { augment: 'light', epochs: 1 } });
  const flags = parseFlags(['--lr', '0.002', '--weight-decay', '0.05', '--optimizer', 'sgd'], { command: 'train', help: '', flags: TRAIN_FLAGS })!.values;
  assert.deepEqual(mergeOverrides(tuned.overrides, flags), { batch: 4, accumulation: 1, lr: 0.002, warmupEpochs: 0, weightDecay: 0.05, optimizer: 'sgd' });
  const lrFind = join(tmp.dir, 'lr-find.json');
  const curve = [1e-5, 1e-4, 1e-3].map((lr, step) => ({ step, lr, loss: 2 - step * 0.1, smooth: 2 - step * 0.1 }));
  writeFileSync(lrFind, JSON.stringify(lrFindResult(curve, { plannedLr: 1e-3 })));
  const fromLrFind = await readOverridesFile(lrFind);
  assert.equal(fromLrFind.source, 'lr-find');
  assert.deepEqual(Object.keys(fromLrFind.overrides), ['lr']);
  assert.ok(fromLrFind.overrides.lr! > 0);
  assert.deepEqual(fromLrFind.train, {});
});

test('kestrel train --overrides tune.json: the run\'s config and plan take the tuned settings', async () => {
  const data = await demoSet();
  const out = join(tmp.dir, 'runs-tuned');
  const file = join(tmp.dir, 'tune.json');
  writeFileSync(file, JSON.stringify(tuneFile));
  const io = capture();
  // --lr on the command line wins over the file's; epochs (1) and augmentation come from the file.
  const argv = ['train', '--data', data, '--imgsz', '64', '--overrides', file, '--lr', '0.0005', '--workers', '0', '--backend', 'wasm', '--calibrate', 'off', '--name', 'tuned', '--out', out, '--in-process', '--json-events'];
  assert.equal(await main(argv, io), 0, io.errText());
  const config = JSON.parse(readFileSync(join(out, 'tuned', 'config.json'), 'utf8')) as { epochs: number; augment: string; overrides: Record<string, unknown> };
  assert.equal(config.epochs, 1);
  assert.equal(config.augment, 'light');
  assert.deepEqual(config.overrides, { batch: 4, accumulation: 1, lr: 0.0005, warmupEpochs: 0, weightDecay: 0.01 });
  const events = io.outText().trim().split('\n').map((l) => TrainingEventSchema.parse(JSON.parse(l)));
  const planEvent = events[0]!;
  assert.ok(planEvent.type === 'plan');
  const plan = TrainingPlanSchema.parse(planEvent.plan);
  assert.equal(plan.lr, 0.0005);
  assert.equal(plan.weightDecay, 0.01);
  assert.equal(plan.warmupSteps, 0);
  const codes = plan.reasons.map((r) => r.code);
  assert.ok(codes.includes('PLAN_WARMUP_OVERRIDE') && codes.includes('PLAN_WEIGHT_DECAY_OVERRIDE'), codes.join(' '));
  assert.ok(plan.warnings.some((w) => w.code === 'PLAN_WARN_NO_WARMUP'));
  assert.equal(events.at(-1)!.type, 'train-end');
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
