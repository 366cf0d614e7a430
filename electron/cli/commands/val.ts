import { parseArgs } from 'node:util';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type CliIO } from '../io';

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
  'MODEL_WEIGHTS_NOT_FOUND',
  'MODEL_WEIGHTS_INVALID',
  'MODEL_WEIGHTS_MISMATCH',
  'MODEL_CLASSES_MISMATCH',
  'MODEL_NO_VAL_IMAGES',
  'DS_NOT_FOUND',
  'DS_FORMAT_UNKNOWN',
  'DS_YAML_UNREADABLE',
  'DS_COCO_UNREADABLE',
  'DS_NO_USABLE_IMAGES',
  'DS_NO_BOXES',
  'DS_NOT_A_FILE',
]);

function positiveInt(value: string | undefined, name: string, check: (n: number) => boolean, hint: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || !check(n)) throw new KestrelError('CLI_BAD_FLAG', `--${name} must be ${hint} (got "${value}").`);
  return n;
}

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

/** `kestrel val --weights DIR --data PATH [--json] [--imgsz N] [--batch N]`: evaluates saved weights. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        weights: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean', default: false },
        imgsz: { type: 'string' },
        batch: { type: 'string' },
        split: { type: 'string', default: 'val' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  let imgsz: number | undefined;
  let batch: number;
  try {
    if (!values.weights || !values.data) throw new KestrelError('CLI_MISSING_FLAG', 'Give both --weights DIR and --data PATH.');
    if (values.split !== 'val' && values.split !== 'test') throw new KestrelError('CLI_BAD_FLAG', `--split must be val or test (got "${values.split}").`);
    imgsz = positiveInt(values.imgsz, 'imgsz', (n) => n >= 32 && n <= 4096 && n % 32 === 0, 'a multiple of 32 between 32 and 4096');
    batch = positiveInt(values.batch, 'batch', (n) => n >= 1 && n <= 1024, 'a whole number from 1 to 1024') ?? 8;
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

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
