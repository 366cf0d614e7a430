/**
 * The metadata_props written into an exported ONNX file: Ultralytics' keys (names, imgsz,
 * stride, task...) so YOLOv8 tools read the file unchanged, and `kestrel_*` keys (JSON) with
 * everything needed to run it as Kestrel does: classes, input, strides, letterbox, thresholds,
 * version and run id. Pure: builds and parses string pairs.
 */
import { z } from 'zod';
import type { ModelSpec } from '../../shared/schemas/model';
import { ThresholdsSchema, type Thresholds } from '../../shared/schemas/thresholds';

/** What the metadata says about one export. */
export interface ExportMetadataInput {
  spec: ModelSpec;
  classNames: string[];
  strides: readonly number[];
  letterboxFill: number;
  thresholds: Thresholds;
  kestrelVersion: string;
  /** Run folder name, or null for a bare weights folder. */
  runId: string | null;
  opset: number;
  nms: boolean;
  date: string;
}

/** The input as the model expects it. */
export const KestrelInputSchema = z.object({
  size: z.number().int().positive(),
  layout: z.literal('NCHW'),
  channels: z.literal('RGB'),
  /** Pixel values are divided by this (255: inputs in [0, 1]). */
  divisor: z.number().positive(),
});

/** kestrel_* metadata read back from a file. */
export const KestrelMetadataSchema = z.object({
  version: z.string(),
  runId: z.string().nullable(),
  classNames: z.array(z.string()).min(1),
  input: KestrelInputSchema,
  strides: z.array(z.number().int().positive()),
  letterbox: z.object({ fill: z.number(), centred: z.boolean(), resize: z.string() }),
  thresholds: ThresholdsSchema,
  model: z.object({ scale: z.string(), norm: z.string(), opset: z.number().int(), nms: z.boolean() }),
});
export type KestrelMetadata = z.infer<typeof KestrelMetadataSchema>;

/** A Python string literal (single-quoted), as Ultralytics' `names` dict is written. */
function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** metadata_props pairs for one export. */
export function onnxMetadata(m: ExportMetadataInput): Array<[string, string]> {
  const kestrel: KestrelMetadata = {
    version: m.kestrelVersion,
    runId: m.runId,
    classNames: m.classNames,
    input: { size: m.spec.imgsz, layout: 'NCHW', channels: 'RGB', divisor: 255 },
    strides: [...m.strides],
    letterbox: { fill: m.letterboxFill, centred: true, resize: 'bilinear' },
    thresholds: m.thresholds,
    model: { scale: m.spec.scale, norm: m.spec.norm, opset: m.opset, nms: m.nms },
  };
  return [
    // Ultralytics' keys (its exporter writes str() of Python values).
    ['description', `Kestrel YOLOv8${m.spec.scale} defect detector${m.runId ? ` (run ${m.runId})` : ''}`],
    ['author', 'Kestrel'],
    ['date', m.date],
    ['version', m.kestrelVersion],
    ['task', 'detect'],
    ['stride', String(Math.max(...m.strides))],
    ['batch', '1'],
    ['imgsz', `[${m.spec.imgsz}, ${m.spec.imgsz}]`],
    ['names', `{${m.classNames.map((n, i) => `${i}: ${pyString(n)}`).join(', ')}}`],
    // Kestrel's own, as JSON.
    ['kestrel_version', kestrel.version],
    ['kestrel_run_id', kestrel.runId ?? ''],
    ['kestrel_classes', JSON.stringify(kestrel.classNames)],
    ['kestrel_input', JSON.stringify(kestrel.input)],
    ['kestrel_strides', JSON.stringify(kestrel.strides)],
    ['kestrel_letterbox', JSON.stringify(kestrel.letterbox)],
    ['kestrel_thresholds', JSON.stringify(kestrel.thresholds)],
    ['kestrel_model', JSON.stringify(kestrel.model)],
  ];
}

/** Reads the kestrel_* keys back; throws an Error naming the first key that is missing or wrong. */
export function parseKestrelMetadata(props: ReadonlyMap<string, string>): KestrelMetadata {
  const json = (key: string): unknown => {
    const v = props.get(key);
    if (v === undefined) throw new Error(`metadata ${key} is missing`);
    try {
      return JSON.parse(v);
    } catch {
      throw new Error(`metadata ${key} is not JSON`);
    }
  };
  const runId = props.get('kestrel_run_id');
  const parsed = KestrelMetadataSchema.safeParse({
    version: props.get('kestrel_version'),
    runId: runId === undefined || runId === '' ? null : runId,
    classNames: json('kestrel_classes'),
    input: json('kestrel_input'),
    strides: json('kestrel_strides'),
    letterbox: json('kestrel_letterbox'),
    thresholds: json('kestrel_thresholds'),
    model: json('kestrel_model'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`metadata ${issue ? issue.path.join('.') : ''} is not valid`);
  }
  return parsed.data;
}
