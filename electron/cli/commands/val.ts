import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, UNUSABLE_INPUT_CODES, type CliIO } from '../io';
import { runWithFlags, type FlagDefs, type FlagValues } from '../flags';

const USAGE = `Usage: kestrel val --weights DIR --data PATH [--json] [--imgsz N] [--batch N] [--split val|test]

Evaluates saved weights on a dataset's validation images: mAP50, mAP50-95 and, per class,
precision, recall, AP50 and AP50-95 (COCO-style, 101-point interpolation).

Options:
  --weights DIR   a weights folder written by Kestrel (holds model.json), e.g. runs/NAME/weights/best
  --data PATH     the dataset (data.yaml, YOLO or VOC folder, COCO .json)
  --json          print the evaluation as JSON (fields map50, map50_95, perClass, ...)
  --imgsz N       input size in pixels, a multiple of 32 (default: the one the model was trained at)
  --batch N       images per forward pass (default 8)
  --split NAME    val (default) or test
  -h, --help      show this help

Without its own validation split, the dataset is split the way training splits it (same seed).

Exit codes: 0 evaluated, 1 evaluation failed, 2 bad flags, weights or dataset path.`;

/** Errors that mean "the weights or data given are not usable": exit 2, like a bad flag. */
const BAD_INPUT_CODES = new Set([
  ...UNUSABLE_INPUT_CODES,
  'MODEL_CLASSES_MISMATCH',
  'MODEL_NO_VAL_IMAGES',
]);

const f3 = (x: number): string => x.toFixed(3);

/** The human-readable table: one row for all classes, then one per class. */
export function formatEvaluation(r: EvaluationResult, head: string): string {
  const rows: string[][] = [['Class', 'Boxes', 'Preds', 'P', 'R', 'AP50', 'AP50-95']];
  const gt = r.perClass.reduce((a, c) => a + c.gtCount, 0);
  const pc = r.perClass.reduce((a, c) => a + c.predCount, 0);
  rows.push(['all', String(gt), String(pc), f3(r.precision), f3(r.recall), f3(r.map50), f3(r.map50_95)]);
  for (const c of r.perClass) rows.push([c.name, String(c.gtCount), String(c.predCount), f3(c.precision), f3(c.recall), f3(c.ap50), f3(c.ap50_95)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const ul = r.ultralyticsCompatible;
  const compat = ul ? [`Scored as Ultralytics does (for comparing with its figures): mAP50 ${f3(ul.map50)}   mAP50-95 ${f3(ul.map50_95)}`] : [];
  return [head, '', ...lines, '', `mAP50 ${f3(r.map50)}   mAP50-95 ${f3(r.map50_95)}   (COCO 101-point; P/R at confidence ${r.bestConfidence.toFixed(3)})`, ...compat].join('\n');
}

/** `kestrel val`'s flags. */
export const VAL_FLAGS = {
  weights: { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean' },
  imgsz: { type: 'number', range: { min: 32, max: 4096, int: true, step: 32 } },
  batch: { type: 'number', range: { min: 1, max: 1024, int: true } },
  split: { type: 'choice', choices: ['val', 'test'] },
} as const satisfies FlagDefs;

/** `kestrel val --weights DIR --data PATH [--json] [--imgsz N] [--batch N]`: evaluates saved weights. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'val', help: USAGE, flags: VAL_FLAGS, helpOnError: true }, ({ values }) => validate(values, io));
}

async function validate(flags: FlagValues<typeof VAL_FLAGS>, io: CliIO): Promise<number> {
  if (!flags.weights || !flags.data) throw new KestrelError('CLI_MISSING_FLAG', 'Give both --weights DIR and --data PATH.');
  const values = { ...flags, weights: flags.weights, data: flags.data, split: flags.split ?? 'val' };
  const imgsz = flags.imgsz;
  const batch = flags.batch ?? 8;

  const [{ initBackend }, { loadDetector }, { validateDetector }, { importDataset, splitDataset }] = await Promise.all([
    import('../../engine/backend/index'),
    import('../../engine/model/persist'),
    import('../../engine/model/validate'),
    import('../../engine/data/index'),
  ]);
  let loaded: Awaited<ReturnType<typeof loadDetector>> | undefined;
  try {
    const backend = await initBackend();
    loaded = await loadDetector(values.weights);
    const { detector, manifest } = loaded;
    const ds = splitDataset(await importDataset(values.data));
    if (ds.classNames.length !== manifest.classNames.length) {
      const p = {
        modelClasses: manifest.classNames.length,
        modelNames: manifest.classNames.join(', '),
        dataClasses: ds.classNames.length,
        dataNames: ds.classNames.join(', '),
      };
      throw new KestrelError('MODEL_CLASSES_MISMATCH', reason('MODEL_CLASSES_MISMATCH', p).message, p);
    }
    if (ds.classNames.some((n, i) => n !== manifest.classNames[i])) {
      io.err(`warning: the dataset names its classes ${ds.classNames.join(', ')}; the model was trained on ${manifest.classNames.join(', ')}. Results are reported by the model's names.`);
    }
    const records = values.split === 'test' ? ds.splits.test : ds.splits.val;
    if (records.length === 0) throw new KestrelError('MODEL_NO_VAL_IMAGES', reason('MODEL_NO_VAL_IMAGES', { path: values.data }).message, { path: values.data });
    const size = imgsz ?? manifest.imgsz;
    const result = await validateDetector(detector, records, manifest.classNames, { imgsz: size, batchSize: batch });
    if (values.json) {
      io.out(JSON.stringify({ ...result, weights: values.weights, data: values.data, split: values.split, imgsz: size, backend: backend.id }, null, 2));
    } else {
      const s = manifest.spec;
      const head = `Evaluated ${records.length} ${values.split} images at ${size} px on ${backend.id} in ${result.seconds.toFixed(1)} s (model ${s.scale}, ${s.norm} norm, ${s.numClasses} classes)`;
      io.out(formatEvaluation(result, head));
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof KestrelError && BAD_INPUT_CODES.has(err.code)) {
      if (values.json) io.out(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }, null, 2));
      io.err(`error ${err.code}: ${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof KestrelError) {
      io.err(`error ${err.code}: ${err.message}`);
      return EXIT_FAIL;
    }
    throw err;
  } finally {
    loaded?.detector.dispose();
  }
}
