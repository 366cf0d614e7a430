/**
 * The one flag parser of every `kestrel` command, built on Node's own `util.parseArgs`. A
 * command declares its flags (text, switch, a number checked against the one table of limits
 * or its own range, or one of a few words) and gets typed values back, or a coded error that
 * names the flag: an unknown flag (CLI_UNKNOWN_FLAG, with "did you mean --epochs?"), a flag
 * without its value (CLI_MISSING_VALUE), a bad value (CLI_BAD_FLAG). -h/--help prints the
 * command's help. `runWithFlags` is the whole prologue of a command: parse, help, and a
 * KestrelError printed as `error CODE: sentence` with its exit code.
 */
import { parseArgs } from 'node:util';
import { KestrelError } from '../shared/errors';
import type { ReasonParam } from '../shared/reason';
import { EXIT_OK, exitCodeFor, type CliIO } from './io';
import { flagError, parseChoiceFlag, parseNumberFlag, type NumericFlag } from './options';

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word` when it is a plausible typo (at most 2 edits, or a prefix), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: { c: string; d: number } | null = null;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, c);
    if (d <= Math.max(1, Math.min(2, Math.floor(c.length / 3))) && (!best || d < best.d)) best = { c, d };
  }
  return best?.c ?? null;
}

/** Bounds of a command's own numeric flag (one not in the table of setting limits). */
export interface FlagRange {
  min: number;
  max: number;
  int: boolean;
  /** A required multiple (input sizes: 32). */
  step?: number;
}

/**
 * One flag of a command: `string` text, `boolean` a switch, `number` checked against the table
 * of limits (`limit`, electron/cli/options.ts) or the command's own `range`, `choice` one of a
 * few words.
 */
export type FlagDef =
  | { readonly type: 'string' }
  | { readonly type: 'boolean' }
  | { readonly type: 'number'; readonly limit: NumericFlag }
  | { readonly type: 'number'; readonly range: FlagRange }
  | { readonly type: 'choice'; readonly choices: readonly string[] };

/** A command's flags by name (without the leading --). */
export type FlagDefs = Readonly<Record<string, FlagDef>>;

type FlagValue<D> = D extends { type: 'boolean' }
  ? boolean
  : D extends { type: 'number' }
    ? number | undefined
    : D extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C | undefined
      : string | undefined;

/** The parsed values: switches are booleans (false when absent), the others undefined when absent. */
export type FlagValues<F extends FlagDefs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** What a command accepts: its name (for messages), its help text, its flags and how many plain words it takes. */
export interface CommandSpec<F extends FlagDefs> {
  command: string;
  help: string;
  flags: F;
  /** Plain words the command takes (`dataset check PATH`: 2); default none. */
  positionals?: number;
  /** Print the help after a CLI_* error (bad flags or words), as this command always has. */
  helpOnError?: boolean;
}

/** Parsed flags and the plain words. */
export interface ParsedFlags<F extends FlagDefs> {
  values: FlagValues<F>;
  positionals: string[];
}

const TRUE_FALSE = /^(true|false)$/i;
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/** The placeholder the help text shows after `--flag` ("PATH", "N", "n|s|m"), for the missing-value sentence. */
function exampleValue(help: string, flag: string, def: FlagDef): string {
  const m = new RegExp(`(?:^|[\\s,\\[])--${flag.replace(/[-]/g, '\\-')}[ =]([^\\s,\\]]+)`, 'm').exec(help);
  if (m && !m[1]!.startsWith('-')) return m[1]!;
  if (def.type === 'choice') return def.choices.join('|');
  return def.type === 'number' ? 'N' : 'VALUE';
}

/** A command's own numeric range: one sentence naming the flag and the whole requirement. */
export function parseRangeFlag(command: string, flag: string, raw: string | undefined, range: FlagRange): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const value = text === '' ? NaN : Number(text);
  const ok = Number.isFinite(value) && (!range.int || /^[+-]?\d+$/.test(text)) && value >= range.min && value <= range.max && (range.step === undefined || value % range.step === 0);
  if (ok) return value;
  const params: Record<string, ReasonParam> = { flag, value: raw, min: range.min, max: range.max };
  if (range.step !== undefined) throw flagError(command, 'CLI_FLAG_MULTIPLE_RANGE', { ...params, step: range.step });
  throw flagError(command, range.int ? 'CLI_FLAG_WHOLE_RANGE' : 'CLI_FLAG_NUMBER_RANGE', params);
}

/**
 * Parses `argv` against a command's flags: typed values and the plain words, or null when
 * -h/--help asked for the help (the caller prints it). Throws a KestrelError naming the flag:
 * CLI_UNKNOWN_FLAG (with the closest flag), CLI_MISSING_VALUE, or CLI_BAD_FLAG (a value out of
 * its limit, a switch given a value, a word the command does not take). A switch followed by
 * "true"/"false" (what `json_events=true` becomes) takes it as its value.
 */
export function parseFlags<F extends FlagDefs>(argv: readonly string[], spec: CommandSpec<F>): ParsedFlags<F> | null {
  const { command, flags, help } = spec;
  const nodeOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, def] of Object.entries(flags)) nodeOptions[name] = { type: def.type === 'boolean' ? 'boolean' : 'string' };
  // Non-strict, with tokens: the checks below name the flag and say what to do, where strict mode's messages would not.
  const { tokens } = parseArgs({ args: [...argv], options: nodeOptions, strict: false, allowPositionals: true, tokens: true });
  let terminated = false;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') terminated = true;
    if (!terminated && t.kind === 'option' && t.name === 'help') return null;
  }
  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const consumed = new Set<number>();
  for (const [i, t] of tokens.entries()) {
    if (consumed.has(i) || t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (positionals.length >= (spec.positionals ?? 0)) throw flagError(command, 'CLI_FLAG_UNEXPECTED_ARG', { command, value: t.value });
      positionals.push(t.value);
      continue;
    }
    const def = flags[t.name];
    if (def === undefined) {
      const guess = closest(t.name, Object.keys(flags));
      const params = { command, flag: t.rawName, ...(guess ? { guess } : {}) };
      throw flagError(command, guess ? 'CLI_UNKNOWN_FLAG' : 'CLI_UNKNOWN_FLAG_NO_GUESS', params, 'CLI_UNKNOWN_FLAG');
    }
    if (def.type === 'boolean') {
      let value = true;
      if (t.inlineValue === true) {
        if (!TRUE_FALSE.test(t.value ?? '')) throw flagError(command, 'CLI_FLAG_SWITCH', { flag: t.name, value: t.value ?? '' });
        value = t.value!.toLowerCase() === 'true';
      } else {
        const next = tokens[i + 1];
        if (next?.kind === 'positional' && next.index === t.index + 1 && TRUE_FALSE.test(next.value)) {
          value = next.value.toLowerCase() === 'true';
          consumed.add(i + 1);
        }
      }
      raw[t.name] = value;
      continue;
    }
    // A value that is the next flag (`--data --epochs 3`) means the value was left out; a negative number is a value.
    if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('-') && !NEGATIVE_NUMBER.test(t.value))) {
      throw flagError(command, 'CLI_MISSING_VALUE', { flag: t.name, example: exampleValue(help, t.name, def) }, 'CLI_MISSING_VALUE');
    }
    raw[t.name] = t.value;
  }
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(flags)) {
    const r = raw[name];
    if (def.type === 'boolean') values[name] = r === true;
    else if (typeof r !== 'string') values[name] = undefined;
    else if (def.type === 'string') values[name] = r;
    else if (def.type === 'choice') values[name] = parseChoiceFlag(command, name, r, def.choices);
    else values[name] = 'limit' in def ? parseNumberFlag(command, def.limit, r) : parseRangeFlag(command, name, r, def.range);
  }
  return { values: values as FlagValues<F>, positionals };
}

/**
 * A command's whole prologue and error handling: parses the flags, prints the help for
 * -h/--help (exit 0), runs `body`, and prints a KestrelError from either as
 * `error CODE: sentence` with its exit code (2 for bad input, else 1), as `kestrel` itself does
 * (followed by the help for a CLI_* error when the spec says `helpOnError`).
 */
export async function runWithFlags<F extends FlagDefs>(argv: readonly string[], io: CliIO, spec: CommandSpec<F>, body: (parsed: ParsedFlags<F>) => Promise<number>): Promise<number> {
  try {
    const parsed = parseFlags(argv, spec);
    if (parsed === null) {
      io.out(spec.help);
      return EXIT_OK;
    }
    return await body(parsed);
  } catch (err) {
    if (!(err instanceof KestrelError)) throw err;
    io.err(`error ${err.code}: ${err.message}${spec.helpOnError === true && err.code.startsWith('CLI_') ? `\n\n${spec.help}` : ''}`);
    return exitCodeFor(err.code);
  }
}

/** The --weights a command cannot do without (export, predict), or CLI_MISSING_FLAG saying how to give it. */
export function requireWeights(command: string, weights: string | undefined): string {
  if (weights) return weights;
  throw flagError(command, 'CLI_NEED_WEIGHTS', { command }, 'CLI_MISSING_FLAG');
}
