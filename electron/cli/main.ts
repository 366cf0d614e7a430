import { KestrelError } from '../shared/errors';
import { EXIT_FAIL, EXIT_USAGE, processIO, type CliCommand, type CliIO } from './io';

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
};

function usage(): string {
  const lines = ['Usage: kestrel <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `kestrel <command> --help` for its options.');
  return lines.join('\n');
}

/** Entry point of the CLI; returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`Unknown command "${name}".\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    if (err instanceof KestrelError) {
      io.err(`error ${err.code}: ${err.message}`);
      return err.code.startsWith('CLI_') ? EXIT_USAGE : EXIT_FAIL;
    }
    io.err(`error INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_FAIL;
  }
}
