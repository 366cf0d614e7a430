import { KestrelError } from '../shared/errors';
import { KESTREL_VERSION } from '../engine/export/version';
import { closest } from './flags';
import { EXIT_FAIL, EXIT_USAGE, exitCodeFor, processIO, type CliCommand, type CliIO } from './io';

/** "Did you mean" lives with the flag parser (flags.ts); re-exported for the dispatcher's callers. */
export { closest, editDistance } from './flags';

/** Commands load lazily so `kestrel plan` does not pay for TF.js or sharp. */
const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  hardware: { summary: 'what Kestrel finds on this machine', load: async () => (await import('./commands/hardware')).run },
  plan: { summary: 'plan a training run for this machine', load: async () => (await import('./commands/plan')).run },
  dataset: { summary: 'import and check a labelled dataset', load: async () => (await import('./commands/dataset')).run },
  train: { summary: 'train a detector', load: async () => (await import('./commands/train')).run },
  demo: { summary: 'generate the demo set and train a tiny model on it', load: async () => (await import('./commands/demo')).run },
  pretrain: { summary: 'make the pretrained starting weights from synthetic images', load: async () => (await import('./commands/pretrain')).run },
  val: { summary: 'evaluate saved weights on a dataset', load: async () => (await import('./commands/val')).run },
  predict: { summary: 'run a trained model on images: boxes and OK/NG', load: async () => (await import('./commands/predict')).run },
  export: { summary: 'export a trained model (ONNX) for the production line', load: async () => (await import('./commands/export')).run },
  tune: { summary: 'find the LR (--lr-find) or search LR and augmentation (--trials N | --budget 30m)', load: async () => (await import('./commands/tune')).run },
};

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
