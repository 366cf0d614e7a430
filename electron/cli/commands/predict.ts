/**
 * `kestrel predict`: runs a trained run's model on images, folders, globs or a dataset split;
 * prints progress and a summary (or JSON events) and writes the predict folder.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { KestrelError } from '../../shared/errors';
import type { PredictEvent, PredictSummary } from '../../engine/predict/predict';
import type { TileMode } from '../../engine/predict/tiles';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type CliIO } from '../io';

const USAGE = `Usage: kestrel predict --weights runs/NAME [--source FILE|DIR|GLOB|DATA.yaml[:split]]
                       [--conf X] [--iou X] [--imgsz N] [--out DIR] [--save-images]
                       [--tile auto|SIZE] [--overlap F] [--tile-only] [--runtime auto|tfjs|onnx]
                       [--json-events]

Runs a trained model on new images and says OK or NG for each (NG: a detection reached its
class's threshold from the run's thresholds.json).

Options:
  --weights DIR    a run folder (runs/NAME: weights/best, else weights/last) or a weights folder
  --source S       an image, a folder (searched recursively), a glob such as "photos/**/*.png",
                   or a dataset (data.yaml, optionally :train, :val or :test; default val).
                   Default: the run's own dataset, val split
  --conf X         one confidence threshold for every class instead of the run's thresholds
  --iou X          NMS IoU (default: the run's, 0.7)
  --imgsz N        input size in pixels, a multiple of 32 (default: the one the model trained at)
  --out DIR        output folder (default runs/NAME/predict/<n>); a folder with files is never
                   reused: DIR-2, DIR-3, ... instead
  --save-images    also write annotated images (images/*.jpg)
  --tile T         auto: tile large images when the run's dataset has small objects; SIZE: tile
                   every image in SIZE x SIZE windows at full resolution; off (default)
  --overlap F      overlap of neighbouring tiles, 0 to 0.9 (default 0.2)
  --tile-only      with tiles, skip the extra pass over the whole image downscaled
  --runtime R      auto (default): ONNX Runtime where it loads (about 4x faster than TF.js on
                   CPU here), else TF.js; tfjs or onnx to choose
  --json-events    print one JSON event per line instead of text
  -h, --help       show this help

Writes predictions.json (boxes in original-image pixels, class names, scores, verdicts,
thresholds), labels/*.txt (YOLO format, to review and reuse as labels), summary.csv and,
with --save-images, images/*.jpg. Unreadable images are reported with their code and skipped.

Exit codes: 0 predicted, 1 predict failed or no image could be read, 2 bad flags, weights or source.`;

/** Errors that mean "the weights or source given are not usable": exit 2, like a bad flag. */
const BAD_INPUT_CODES = new Set([
  'PREDICT_NO_WEIGHTS',
  'PREDICT_SOURCE_NOT_FOUND',
  'PREDICT_NO_IMAGES',
  'PREDICT_NO_SOURCE',
  'THRESHOLDS_INVALID',
  'EXPORT_RUNTIME_UNAVAILABLE',
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
]);

function bad(message: string): KestrelError {
  return new KestrelError('CLI_BAD_FLAG', message);
}

function fraction(v: string | undefined, name: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw bad(`--${name} must be a number from ${lo} to ${hi} (got "${v}").`);
  return n;
}

/** `--tile off|auto|SIZE` as a TileMode. */
export function parseTile(v: string | undefined): TileMode {
  if (v === undefined || v === 'off') return { kind: 'off' };
  if (v === 'auto') return { kind: 'auto' };
  const n = Number(v);
  if (!Number.isInteger(n) || n < 32 || n > 8192) throw bad(`--tile must be auto, off or a tile size in pixels from 32 to 8192 (got "${v}").`);
  return { kind: 'size', size: n };
}

/** The console summary: images, NG count, counts per class, speed. */
export function formatSummary(s: PredictSummary, outDir: string): string {
  const lines = [
    `Predicted ${s.images} image(s) in ${s.seconds.toFixed(1)} s (${s.imagesPerSecond.toFixed(2)} images/s)${s.skipped ? `, skipped ${s.skipped} unreadable` : ''}`,
    `  NG ${s.ng}   OK ${s.ok}`,
  ];
  const names = Object.keys(s.perClass);
  if (names.length) {
    const w = Math.max(5, ...names.map((n) => n.length));
    lines.push(`  ${'Class'.padEnd(w)}  Detections`);
    for (const n of names) lines.push(`  ${n.padEnd(w)}  ${String(s.perClass[n]).padStart(10)}`);
  }
  lines.push(`Results in ${outDir}`);
  return lines.join('\n');
}

/** `kestrel predict ...`: see USAGE. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        weights: { type: 'string' },
        source: { type: 'string' },
        conf: { type: 'string' },
        iou: { type: 'string' },
        imgsz: { type: 'string' },
        out: { type: 'string' },
        'save-images': { type: 'boolean', default: false },
        tile: { type: 'string' },
        overlap: { type: 'string' },
        'tile-only': { type: 'boolean', default: false },
        runtime: { type: 'string', default: 'auto' },
        'json-events': { type: 'boolean', default: false },
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
  let conf: number | undefined;
  let iou: number | undefined;
  let imgsz: number | undefined;
  let overlap: number | undefined;
  let tile: TileMode;
  try {
    if (!values.weights) throw new KestrelError('CLI_MISSING_FLAG', 'Give the run to predict with: --weights runs/NAME.');
    conf = fraction(values.conf, 'conf', 0, 1);
    iou = fraction(values.iou, 'iou', 0.01, 1);
    overlap = fraction(values.overlap, 'overlap', 0, 0.9);
    if (values.imgsz !== undefined) {
      const n = Number(values.imgsz);
      if (!Number.isInteger(n) || n < 32 || n > 4096 || n % 32 !== 0) throw bad(`--imgsz must be a multiple of 32 between 32 and 4096 (got "${values.imgsz}").`);
      imgsz = n;
    }
    tile = parseTile(values.tile);
    if (values.runtime !== 'auto' && values.runtime !== 'tfjs' && values.runtime !== 'onnx') throw bad(`--runtime must be auto, tfjs or onnx (got "${values.runtime}").`);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  const json = values['json-events'];
  const [{ initBackend }, { predict }, { formatProgress, progressDue }, { formatReason }] = await Promise.all([
    import('../../engine/backend/index'),
    import('../../engine/predict/predict'),
    import('../../engine/predict/outputs'),
    import('../../shared/reason'),
  ]);
  const tty = process.stderr.isTTY === true && !json;
  const started = Date.now();
  const last = { ms: 0, done: 0 };
  let progressShown = false;
  const onEvent = (e: PredictEvent): void => {
    if (json) {
      io.out(JSON.stringify({ t: Date.now(), ...e }));
      return;
    }
    switch (e.type) {
      case 'predict-start':
        io.err(`Predicting ${e.total} image(s) on ${e.runtime} at ${e.imgsz} px, IoU ${e.iou}, thresholds ${e.classNames.map((n, c) => `${n} ${e.conf[c]}`).join(', ')}`);
        break;
      case 'warning':
        io.err(`warning ${e.reason.code}: ${formatReason(e.reason, 'en')}`);
        break;
      case 'skipped':
        if (tty && progressShown) process.stderr.write('\n');
        io.err(`skipped ${e.file}: ${e.code} ${e.message}`);
        break;
      case 'image':
        break;
      case 'predict-end':
        if (tty && progressShown) process.stderr.write('\n');
        io.out(formatSummary(e.summary, e.outDir));
        break;
    }
    if ((e.type === 'image' || e.type === 'skipped') && progressDue(tty, e.done, e.total, Date.now(), last)) {
      last.ms = Date.now();
      last.done = e.done;
      const line = formatProgress(e.done, e.total, Date.now() - started);
      if (tty) {
        process.stderr.write(`\r${line}`);
        progressShown = true;
      } else io.err(line);
    }
  };
  try {
    // As training does: wasm threads for this machine, unless KESTREL_WASM_THREADS says otherwise.
    await initBackend(process.env['KESTREL_WASM_THREADS'] ? {} : { threads: 'auto' });
    const res = await predict(
      {
        weights: values.weights,
        ...(values.source !== undefined ? { source: values.source } : {}),
        ...(conf !== undefined ? { conf } : {}),
        ...(iou !== undefined ? { iou } : {}),
        ...(imgsz !== undefined ? { imgsz } : {}),
        ...(values.out !== undefined ? { out: values.out } : {}),
        ...(overlap !== undefined ? { overlap } : {}),
        saveImages: values['save-images'],
        tile,
        fullImage: !values['tile-only'],
        runtime: values.runtime,
        threads: Math.min(4, availableParallelism()),
      },
      onEvent,
    );
    return res.summary.images === 0 ? EXIT_FAIL : EXIT_OK;
  } catch (err) {
    if (err instanceof KestrelError) {
      if (json) io.out(JSON.stringify({ type: 'error', error: { code: err.code, message: err.message, details: err.details } }));
      io.err(`error ${err.code}: ${err.message}`);
      return BAD_INPUT_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAIL;
    }
    throw err;
  }
}
