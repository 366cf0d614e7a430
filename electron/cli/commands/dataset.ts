// `kestrel dataset check`: the check report as text or JSON, fatal problems named and grouped.
import { z } from 'zod';
import { formatProblemGroups } from '../../engine/data/import/problem-summary';
import { KestrelError } from '../../shared/errors';
import { DatasetProblemSchema } from '../../shared/schemas/dataset';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type CliIO } from '../io';
import { runWithFlags, type FlagDefs } from '../flags';
import { flagError } from '../options';

const USAGE = `Usage: kestrel dataset check PATH [--json] [--imgsz N]

Imports a dataset (data.yaml, YOLO folder, Pascal VOC folder or COCO .json), decodes every
image and reports counts per split and class, box sizes and every problem found, with the
file, the line and what to do.

Options:
  --json       print the report as JSON
  --imgsz N    planned input size for the small-object check (default 640)
  -h, --help   show this help

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 bad flags or unusable path.`;

/** Dataset error codes that mean "the path given is not a usable dataset": exit 2, like a bad flag. */
const BAD_PATH_CODES = new Set(['DS_NOT_FOUND', 'DS_FORMAT_UNKNOWN', 'DS_YAML_UNREADABLE', 'DS_COCO_UNREADABLE', 'DS_NO_USABLE_IMAGES', 'DS_NO_BOXES', 'DS_NOT_A_FILE']);

/**
 * The problems a fatal import error carries (details.problems), grouped by code with the
 * first files each: the user sees what is wrong here, not a hint to run this very check.
 */
export function fatalProblemLines(err: KestrelError): string[] {
  const parsed = z.array(DatasetProblemSchema).safeParse(err.details?.['problems']);
  if (!parsed.success || parsed.data.length === 0) return [];
  const root = typeof err.details?.['path'] === 'string' ? err.details['path'] : '';
  return ['', `Problems found (${parsed.data.length}):`, ...formatProblemGroups(root, parsed.data, 5)];
}

/** `kestrel dataset`'s flags (and its two words: `check PATH`). */
export const DATASET_FLAGS = {
  json: { type: 'boolean' },
  imgsz: { type: 'number', range: { min: 32, max: 4096, int: true } },
} as const satisfies FlagDefs;

/** `kestrel dataset check PATH [--json] [--imgsz N]`: checks a dataset and prints the report. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'dataset', help: USAGE, flags: DATASET_FLAGS, positionals: 2, helpOnError: true }, async ({ values, positionals }) => {
    const [sub, path] = positionals;
    if (sub !== undefined && sub !== 'check') throw flagError('dataset', 'CLI_DATASET_SUBCOMMAND', { value: sub }, 'CLI_BAD_ARG');
    if (path === undefined) throw flagError('dataset', 'CLI_DATASET_NO_PATH', {}, 'CLI_MISSING_ARG');
    const imgsz = values.imgsz ?? 640;
    const [{ checkDataset }, { formatReport }] = await Promise.all([import('../../engine/data/check/index'), import('../../engine/data/check/format')]);
    try {
      const report = await checkDataset(path, { imgsz });
      io.out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return report.errors > 0 ? EXIT_FAIL : EXIT_OK;
    } catch (err) {
      if (err instanceof KestrelError && BAD_PATH_CODES.has(err.code)) {
        if (values.json) io.out(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }, null, 2));
        io.err([`error ${err.code}: ${err.message}`, ...fatalProblemLines(err)].join('\n'));
        return EXIT_USAGE;
      }
      throw err;
    }
  });
}
