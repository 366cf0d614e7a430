// The one table of limits as the CLI applies it: generated cases for every numeric flag just
// inside and just outside its bounds, non-numbers and fractions, choices, the batch product,
// and the IPC schemas refusing exactly what the flags refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEffectiveBatch, NUMERIC_FLAGS, parseChoiceFlag, parseNumberFlag, type NumericFlag } from '../../electron/cli/options';
import { KestrelError } from '../../electron/shared/errors';
import { LIMITS, MAX_EFFECTIVE_BATCH, type Limit } from '../../electron/shared/schemas/ipc/limits';
import { ModelChoiceSchema, UserOverridesSchema } from '../../electron/shared/schemas/user-choice';

const refused = (fn: () => unknown, rule: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof KestrelError && err.code === 'CLI_BAD_FLAG' && rule.test(String(err.details?.['rule'])) && /See `kestrel plan --help`/.test(err.message));

test('every numeric flag: its bounds pass, one step beyond is refused with the range in the sentence', () => {
  for (const flag of Object.keys(NUMERIC_FLAGS) as NumericFlag[]) {
    const l: Limit = LIMITS[NUMERIC_FLAGS[flag]];
    const step = l.step ?? (l.int ? 1 : 1e-6);
    const lowest = l.minExclusive === true ? (l.int ? l.min + 1 : l.min + step) : l.min;
    const lowOk = l.step !== undefined ? Math.ceil(lowest / l.step) * l.step : lowest;
    assert.equal(parseNumberFlag('plan', flag, String(lowOk)), lowOk, `${flag} ${lowOk}`);
    assert.equal(parseNumberFlag('plan', flag, String(l.max)), l.max, `${flag} ${l.max}`);
    refused(() => parseNumberFlag('plan', flag, String(l.max + step)), /CLI_FLAG_RANGE/);
    refused(() => parseNumberFlag('plan', flag, String(l.min - step)), /CLI_FLAG_RANGE/);
    for (const junk of ['abc', '', ' ', 'NaN', 'Infinity', '1,5', '--']) refused(() => parseNumberFlag('plan', flag, junk), /CLI_FLAG_NOT_NUMBER|CLI_FLAG_NOT_INT/);
    if (l.int) for (const frac of ['2.5', '1e3', '0x10']) refused(() => parseNumberFlag('plan', flag, frac), /CLI_FLAG_NOT_INT/);
    assert.equal(parseNumberFlag('plan', flag, undefined), undefined);
  }
});

test('the absurd values of the report are refused with a sentence, not a ZodError', () => {
  for (const [flag, value] of [['batch', '100000'], ['accumulate', '100000'], ['workers', '1000'], ['imgsz', '4096'], ['epochs', '1000000'], ['lr', '78']] as const) {
    try {
      parseNumberFlag('train', flag, value);
      assert.fail(`${flag} ${value} accepted`);
    } catch (err) {
      assert.ok(err instanceof KestrelError && err.code === 'CLI_BAD_FLAG', String(err));
      assert.match(err.message, new RegExp(`--${flag} \\(.+\\) must be .*${value}`));
    }
  }
  refused(() => parseNumberFlag('plan', 'imgsz', '300'), /CLI_FLAG_STEP/);
});

test('the batch product is bounded even when each factor is within its own limit', () => {
  checkEffectiveBatch('plan', { batch: 64, accumulation: 64 });
  refused(() => checkEffectiveBatch('plan', { batch: LIMITS.batch.max, accumulation: LIMITS.accumulation.max }), /CLI_FLAG_EFFECTIVE/);
  refused(() => checkEffectiveBatch('plan', { batch: 64, accumulation: 16, devices: 8 }), /CLI_FLAG_EFFECTIVE/);
});

test('choices name what is allowed', () => {
  assert.equal(parseChoiceFlag('plan', 'optimizer', 'sgd', ['sgd', 'adamw']), 'sgd');
  assert.throws(() => parseChoiceFlag('plan', 'optimizer', 'adam', ['sgd', 'adamw']), /one of sgd, adamw, not "adam"/);
});

test('the IPC overrides and model schemas refuse exactly what the flags refuse', () => {
  for (const [key, name] of [['batch', 'batch'], ['accumulation', 'accumulation'], ['epochs', 'epochs'], ['lr', 'lr'], ['effectiveBatch', 'effectiveBatch'], ['warmupEpochs', 'warmupEpochs'], ['weightDecay', 'weightDecay']] as const) {
    const l: Limit = LIMITS[name];
    assert.equal(UserOverridesSchema.safeParse({ [key]: l.max }).success, true, `${key} max`);
    assert.equal(UserOverridesSchema.safeParse({ [key]: l.max * 2 }).success, false, `${key} 2x max`);
    assert.equal(UserOverridesSchema.safeParse({ [key]: l.minExclusive === true ? l.min : l.min - 1 }).success, false, `${key} below min`);
  }
  assert.equal(UserOverridesSchema.safeParse({ batch: 100000 }).success, false);
  assert.equal(UserOverridesSchema.safeParse({ batch: LIMITS.batch.max, accumulation: LIMITS.accumulation.max }).success, false, 'product');
  assert.equal(UserOverridesSchema.safeParse({ batch: 64, accumulation: MAX_EFFECTIVE_BATCH / 64 }).success, true);
  for (const imgsz of [32, 300, 1312, 4096, 640.5]) assert.equal(ModelChoiceSchema.safeParse({ scale: 'n', imgsz }).success, false, String(imgsz));
  assert.equal(ModelChoiceSchema.safeParse({ scale: 'n', imgsz: 1280 }).success, true);
});
