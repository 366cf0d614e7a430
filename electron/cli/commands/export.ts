/**
 * `kestrel export`: writes a trained model in a format other runtimes load (ONNX), with its
 * model card and line-PC examples, and records the export in the run folder.
 */
import { KestrelError } from '../../shared/errors';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type CliIO } from '../io';
import { requireWeights, runWithFlags, type FlagDefs, type FlagValues } from '../flags';

const USAGE = `Usage: kestrel export --weights runs/NAME [--format onnx] [--opset 17|12] [--nms] [--out DIR] [--json]

Writes the model as a file a production-line PC can run, plus a model card (MODEL.md,
model.json) and two small examples (run_model.mjs for Node, run_model.py for Python).

Options:
  --weights PATH  a run folder (uses weights/best, else weights/last) or a weights folder
  --format NAME   onnx (default)
  --opset N       17 (default: ONNX Runtime, OpenVINO, TensorRT) or 12 (OpenCV DNN; no Split op)
  --nms           add NonMaxSuppression with the run's thresholds: output "detections" [N, 6]
  --out DIR       where to write (default: <run>/export)
  --json          print what was written as JSON
  -h, --help      show this help

The ONNX output "output0" is [1, 4 + classes, anchors] as Ultralytics YOLOv8 writes it
(cx, cy, w, h in input pixels, then class scores). Thresholds come from the run's
thresholds.json (set them in Results), else the defaults.

Exit codes: 0 exported, 1 export failed, 2 bad flags or weights path.`;

/** Errors that mean "the flags or the weights given are not usable": exit 2. */
const BAD_INPUT_CODES = new Set([
  'EXPORT_WEIGHTS_NOT_FOUND',
  'EXPORT_FORMAT_UNKNOWN',
  'EXPORT_OPSET_UNSUPPORTED',
  'MODEL_WEIGHTS_NOT_FOUND',
  'MODEL_WEIGHTS_INVALID',
  'MODEL_WEIGHTS_MISMATCH',
  'THRESHOLDS_INVALID',
]);

/** `kestrel export`'s flags (--opset is checked by the exporter, which names the opsets it offers). */
export const EXPORT_FLAGS = {
  weights: { type: 'string' },
  format: { type: 'string' },
  opset: { type: 'string' },
  nms: { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies FlagDefs;

/** `kestrel export ...` (see USAGE). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'export', help: USAGE, flags: EXPORT_FLAGS, helpOnError: true }, ({ values }) => exportWithFlags(values, io));
}

async function exportWithFlags(flags: FlagValues<typeof EXPORT_FLAGS>, io: CliIO): Promise<number> {
  const values = { ...flags, weights: requireWeights('export', flags.weights), format: flags.format ?? 'onnx' };
  let opset: number | undefined;
  if (flags.opset !== undefined) {
    if (!/^\d+$/.test(flags.opset)) throw new KestrelError('CLI_BAD_FLAG', `--opset must be 17 or 12 (got "${flags.opset}"). See \`kestrel export --help\`.`, { flag: 'opset', value: flags.opset });
    opset = Number(flags.opset);
  }
  const { exportModel } = await import('../../engine/export/export');
  try {
    const t0 = performance.now();
    const r = await exportModel({ weights: values.weights, format: values.format, ...(opset !== undefined ? { opset } : {}), nms: values.nms, ...(values.out ? { outDir: values.out } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    for (const w of r.warnings) io.err(`warning ${w.code}: ${w.message}`);
    if (values.json) {
      io.out(JSON.stringify({ file: r.file, outDir: r.outDir, files: r.files, runDir: r.runDir, card: r.card, warnings: r.warnings }, null, 2));
      return EXIT_OK;
    }
    const c = r.card;
    const lines = [
      `Exported ${c.runId ?? 'the model'} to ${r.file}`,
      `  ${c.modelFormat.toUpperCase()} opset ${c.opset}${c.nms ? ' + NMS' : ''}, ${(c.bytes / 1e6).toFixed(1)} MB, input [1, 3, ${c.input.size}, ${c.input.size}], ${c.classes.length} classes, in ${seconds.toFixed(1)} s`,
      `  thresholds: ${c.classes.map((k) => `${k.name} ${k.threshold}`).join(', ')}; NMS IoU ${c.thresholds.iou}`,
      `  model card: ${r.files[2]}`,
      `  examples:   ${r.files[3]}, ${r.files[4]}`,
    ];
    io.out(lines.join('\n'));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof KestrelError) {
      if (values.json) io.out(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }, null, 2));
      io.err(`error ${err.code}: ${err.message}`);
      return BAD_INPUT_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAIL;
    }
    throw err;
  }
}
