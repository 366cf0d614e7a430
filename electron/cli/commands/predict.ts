/**
 * `kestrel predict`: runs a trained run's model on images, folders, globs or a dataset split;
 * prints progress and a summary (or JSON events) and writes the predict folder.
 */
import { availableParallelism } from 'node:os';
import { KestrelError } from '../../shared/errors';
import type { PredictEvent, PredictSummary } from '../../engine/predict/predict';
import type { TileMode } from '../../engine/predict/tiles';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, processIO, UNUSABLE_INPUT_CODES, type CliIO } from '../io';
import { requireWeights, runWithFlags, type FlagDefs, type FlagValues } from '../flags';
import { createProgress, isInteractive } from '../progress';

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
  ...UNUSABLE_INPUT_CODES,
]);

function bad(message: string): KestrelError {
  return new KestrelError('CLI_BAD_FLAG', message);
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

/** `kestrel predict`'s flags. */
export const PREDICT_FLAGS = {
  weights: { type: 'string' },
  source: { type: 'string' },
  conf: { type: 'number', range: { min: 0, max: 1, int: false } },
  iou: { type: 'number', range: { min: 0.01, max: 1, int: false } },
  imgsz: { type: 'number', range: { min: 32, max: 4096, int: true, step: 32 } },
  out: { type: 'string' },
  'save-images': { type: 'boolean' },
  tile: { type: 'string' },
  overlap: { type: 'number', range: { min: 0, max: 0.9, int: false } },
  'tile-only': { type: 'boolean' },
  runtime: { type: 'choice', choices: ['auto', 'tfjs', 'onnx'] },
  'json-events': { type: 'boolean' },
} as const satisfies FlagDefs;

/** `kestrel predict ...`: see USAGE. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'predict', help: USAGE, flags: PREDICT_FLAGS, helpOnError: true }, ({ values }) => predictWithFlags(values, io));
}

async function predictWithFlags(flags: FlagValues<typeof PREDICT_FLAGS>, io: CliIO): Promise<number> {
  const values = { ...flags, weights: requireWeights('predict', flags.weights), runtime: flags.runtime ?? 'auto' };
  const { conf, iou, imgsz, overlap } = flags;
  const tile = parseTile(flags.tile);

  const json = values['json-events'];
  const [{ initBackend }, { predict }, { formatProgress }, { formatReason }] = await Promise.all([
    import('../../engine/backend/index'),
    import('../../engine/predict/predict'),
    import('../../engine/predict/outputs'),
    import('../../shared/reason'),
  ]);
  // Progress goes to stderr: redrawn in place on a terminal, plain lines at a bounded rate in a log.
  const started = Date.now();
  const progress = createProgress({ tty: io === processIO && isInteractive(process.stderr) && !json, write: (t) => void process.stderr.write(t), line: (t) => io.err(t) });
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
        progress.clear();
        io.err(`warning ${e.reason.code}: ${formatReason(e.reason, 'en')}`);
        break;
      case 'skipped':
        progress.clear();
        io.err(`skipped ${e.file}: ${e.code} ${e.message}`);
        break;
      case 'image':
        break;
      case 'predict-end':
        progress.finish();
        io.out(formatSummary(e.summary, e.outDir));
        break;
    }
    if (e.type === 'image' || e.type === 'skipped') progress.update(e.done, e.total, () => formatProgress(e.done, e.total, Date.now() - started));
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
