/** Where a CLI command writes; tests pass their own to capture output. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's stdout/stderr. */
export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
};

/** Exit codes of the CLI: 0 fine, 1 the job failed, 2 bad flags or input files. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/** A command of the `kestrel` CLI. */
export type CliCommand = (argv: string[], io: CliIO) => Promise<number>;

/**
 * Error codes that mean the command was given bad input (flags, paths, names, an unusable
 * earlier run, pretrained weights that do not ship) rather than that the job failed: they exit 2, everything else 1.
 */
const USAGE_CODE_PREFIXES = ['CLI_', 'FINETUNE_', 'FS_', 'RUN_NAME_', 'TRAIN_BATCH_TOO_LARGE', 'PRETRAINED_MISSING'] as const;

/** The exit code of a command that threw the KestrelError `code` (2 for bad input, else 1). */
export function exitCodeFor(code: string): number {
  return USAGE_CODE_PREFIXES.some((p) => code.startsWith(p)) ? EXIT_USAGE : EXIT_FAIL;
}

/**
 * Error codes of weights or a dataset that cannot be used as given (missing, unreadable, of the
 * wrong model, without images or boxes): commands that read them exit 2 for these, as for a bad flag.
 */
export const UNUSABLE_INPUT_CODES: readonly string[] = [
  'MODEL_WEIGHTS_NOT_FOUND',
  'MODEL_WEIGHTS_INVALID',
  'MODEL_WEIGHTS_MISMATCH',
  'DS_NOT_FOUND',
  'DS_FORMAT_UNKNOWN',
  'DS_YAML_UNREADABLE',
  'DS_COCO_UNREADABLE',
  'DS_NO_USABLE_IMAGES',
  'DS_NO_BOXES',
  'DS_NOT_A_FILE',
];
