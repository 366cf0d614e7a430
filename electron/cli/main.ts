import { KestrelError } from '../shared/errors';
import { KESTREL_VERSION } from '../engine/export/version';
import { EXIT_FAIL, EXIT_USAGE, exitCodeFor, processIO, type CliCommand, type CliIO } from './io';

/** Commands load lazily so `kestrel plan` does not pay for TF.js or sharp. */
const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  hardware: { summary: 'what Kestrel finds on this machine', load: async () => (await import('./commands/hardware')).run },
  plan: { summary: 'plan a training run for this machine', load: async () => (await import('./commands/plan')).run },
  dataset: { summary: 'import and check a labelled dataset', load: async () => (await import('./commands/dataset')).run },
  train: { summary: 'train a detector', load: async () => (await import('./commands/train')).run },
  demo: { summary: 'generate the demo set and train a tiny model on it', load: async () => (await import('./commands/demo')).run },
  val: { summary: 'evaluate saved weights on a dataset', load: async () => (await import('./commands/val')).run },
  predict: { summary: 'run a trained model on images: boxes and OK/NG', load: async () => (await import('./commands/predict')).run },
  export: { summary: 'export a trained model (ONNX) for the production line', load: async () => (await import('./commands/export')).run },
  tune: { summary: 'find the LR (--lr-find) or search LR and augmentation (--trials N | --budget 30m)', load: async () => (await import('./commands/tune')).run },
};

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

/**
 * Ultralytics users type `kestrel train data=coco.yaml epochs=30`: `key=value` words become
 * `--key value` (`_` in a key becomes `-`); words that do not start with a plain key name are kept.
 */
export function normalizeKeyValueArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const m = /^([a-z][a-z0-9_-]*)=(.*)$/i.exec(a);
    if (m) out.push(`--${m[1]!.replace(/_/g, '-')}`, m[2]!);
    else out.push(a);
  }
  return out;
}

function usage(): string {
  const lines = ['Usage: kestrel <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `kestrel <command> --help` for its options.');
  return lines.join('\n');
}

/** Entry point of the CLI; returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rawRest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`kestrel ${KESTREL_VERSION}`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    const guess = closest(name, Object.keys(commands));
    io.err(`Unknown command "${name}".${guess ? ` Did you mean "kestrel ${guess}"?` : ''}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const rest = normalizeKeyValueArgs(rawRest);
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    if (err instanceof KestrelError) {
      io.err(`error ${err.code}: ${err.message}`);
      return exitCodeFor(err.code);
    }
    io.err(`error INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_FAIL;
  }
}
