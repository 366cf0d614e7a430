/**
 * The CLI's side of the one table of setting limits (shared/schemas/ipc/limits.ts, which the
 * IPC schemas use too): flag names mapped to their limits, and parsers that turn a flag's text
 * into a number or a choice, or throw CLI_BAD_FLAG with a sentence naming the flag, the allowed
 * range and the value. Every command checks every flag here before anything starts.
 */
import { KestrelError } from '../shared/errors';
import { reason, type ReasonParam } from '../shared/reason';
import { checkLimit, LIMITS, MAX_EFFECTIVE_BATCH, type Limit, type LimitName } from '../shared/schemas/ipc/limits';

/** Every numeric CLI flag and the limit it is checked against. */
export const NUMERIC_FLAGS = {
  imgsz: 'imgsz',
  batch: 'batch',
  accumulate: 'accumulation',
  'effective-batch': 'effectiveBatch',
  epochs: 'epochs',
  lr: 'lr',
  'memory-fraction': 'memoryFraction',
  'warmup-epochs': 'warmupEpochs',
  'weight-decay': 'weightDecay',
  devices: 'devices',
  workers: 'workers',
  classes: 'classes',
  'train-images': 'trainImages',
  patience: 'patience',
  seed: 'seed',
} as const satisfies Record<string, LimitName>;

/** A numeric flag's name. */
export type NumericFlag = keyof typeof NUMERIC_FLAGS;

/** The error of a flag (CLI_BAD_FLAG unless `code` says otherwise), its sentence from the catalogue plus where to read more. */
export function flagError(command: string, rule: string, params: Record<string, ReasonParam>, code = 'CLI_BAD_FLAG'): KestrelError {
  const shown = { ...params };
  if (typeof shown['value'] === 'string' && shown['value'].length > 40) shown['value'] = `${shown['value'].slice(0, 40)}…`;
  return new KestrelError(code, `${reason(rule, shown).message} See \`kestrel ${command} --help\`.`, { rule, ...shown });
}

/**
 * Parses a numeric flag within its limit; undefined when the flag was not given. Whole-number
 * flags accept digits only ("1e3" and "2.0" are refused rather than guessed at).
 */
export function parseNumberFlag(command: string, flag: NumericFlag, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const limit: Limit = LIMITS[NUMERIC_FLAGS[flag]];
  const text = raw.trim();
  const base = { flag, label: limit.label, value: raw };
  const value = text === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw flagError(command, 'CLI_FLAG_NOT_NUMBER', base);
  if (limit.int && !/^[+-]?\d+$/.test(text)) throw flagError(command, 'CLI_FLAG_NOT_INT', base);
  const problem = checkLimit(NUMERIC_FLAGS[flag], value);
  if (problem === null) return value;
  if (problem === 'not-number') throw flagError(command, 'CLI_FLAG_NOT_NUMBER', base);
  if (problem === 'not-int') throw flagError(command, 'CLI_FLAG_NOT_INT', base);
  if (problem === 'step') throw flagError(command, 'CLI_FLAG_STEP', { ...base, step: limit.step ?? 1 });
  return throwRange(command, flag, limit, raw);
}

function throwRange(command: string, flag: string, limit: Limit, raw: string): never {
  throw flagError(command, limit.minExclusive === true ? 'CLI_FLAG_RANGE_OPEN' : 'CLI_FLAG_RANGE', { flag, label: limit.label, value: raw.trim(), min: limit.min, max: limit.max });
}

/** Parses a flag that takes one of a few words; undefined when it was not given. */
export function parseChoiceFlag<T extends string>(command: string, flag: string, raw: string | undefined, choices: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw flagError(command, 'CLI_FLAG_CHOICE', { flag, value: raw, choices: choices.join(', ') });
  return raw as T;
}

/**
 * Refuses a batch layout whose product (images per optimizer step) is beyond any sensible
 * run, whatever each factor's own limit: `--batch 512 --accumulate 256` passes both limits.
 */
export function checkEffectiveBatch(command: string, layout: { batch?: number | undefined; accumulation?: number | undefined; devices?: number | undefined }): void {
  const batch = layout.batch ?? 1;
  const accumulation = layout.accumulation ?? 1;
  const devices = layout.devices ?? 1;
  const effective = batch * accumulation * devices;
  if (effective > MAX_EFFECTIVE_BATCH) {
    throw flagError(command, 'CLI_FLAG_EFFECTIVE', { batch, accumulation, devices, effective, max: MAX_EFFECTIVE_BATCH });
  }
}

/** The help line's range of a numeric flag, e.g. "1-512", so --help and the checks agree. */
export function flagRange(flag: NumericFlag): string {
  const l: Limit = LIMITS[NUMERIC_FLAGS[flag]];
  return l.minExclusive === true ? `above ${l.min}, at most ${l.max}` : `${l.min}-${l.max}`;
}
