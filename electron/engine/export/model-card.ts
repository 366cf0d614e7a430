/**
 * The model card written beside an export: model.json (machine-readable; the examples read
 * it) and MODEL.md (for people: what the model is, what it was trained on, how well it does at
 * the saved thresholds, and how to run it on the line PC). Pure: facts in, objects and text out.
 */
import { matchImage, type DetBox, type TruthBox } from '../../shared/match';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import type { ModelSpec } from '../../shared/schemas/model';
import type { Thresholds } from '../../shared/schemas/thresholds';
import { NODE_EXAMPLE_FILE, PYTHON_EXAMPLE_FILE } from './examples';

/** Hits, false alarms and misses of one class at its threshold over the validation images. */
export interface ClassAtThreshold {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** Validation predictions as the run saved them (val-predictions.json), the fields used here. */
export interface ValPredictionsLike {
  images: Array<{ truths: TruthBox[]; detections: DetBox[] }>;
}

/**
 * Per class, matching at IoU 0.5 with only that class's detections at or above its threshold:
 * precision = tp / (tp + fp), recall = tp / (tp + fn) (1 and 0 when there is nothing to divide).
 */
export function metricsAtThresholds(preds: ValPredictionsLike, conf: readonly number[]): ClassAtThreshold[] {
  return conf.map((thr, c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const img of preds.images) {
      const m = matchImage(
        img.truths.filter((t) => t.cls === c),
        img.detections.filter((d) => d.cls === c),
        thr,
      );
      tp += m.tp;
      fp += m.fp;
      fn += m.fn;
    }
    return { tp, fp, fn, precision: tp + fp > 0 ? tp / (tp + fp) : 1, recall: tp + fn > 0 ? tp / (tp + fn) : 0 };
  });
}

/** Everything the card states. Null where the run folder does not know it. */
export interface CardFacts {
  file: string;
  format: string;
  opset: number;
  nms: boolean;
  sha256: string;
  bytes: number;
  date: string;
  kestrelVersion: string;
  runId: string | null;
  parentRun: string | null;
  weightsDir: string;
  spec: ModelSpec;
  classNames: string[];
  thresholds: Thresholds;
  confByClass: number[];
  letterboxFill: number;
  strides: readonly number[];
  anchors: number;
  dataset: { path: string | null; trainImages: number | null; valImages: number | null } | null;
  /** plan.json as written (unknown shape: read defensively). */
  plan: unknown;
  evaluation: EvaluationResult | null;
  atThresholds: ClassAtThreshold[] | null;
}

/** What model.json holds: the file's facts as the card states them (file, opset, NMS, hash, size, date, versions, runs), and: */
export interface ModelCard extends Pick<CardFacts, 'file' | 'opset' | 'nms' | 'sha256' | 'bytes' | 'date' | 'kestrelVersion' | 'runId' | 'parentRun'> {
  format: 'kestrel-model-card';
  version: 1;
  modelFormat: string;
  model: { architecture: string; scale: string; norm: string; params: number | null };
  input: { name: string; size: number; layout: 'NCHW'; channels: 'RGB'; divisor: number; letterboxFill: number };
  outputs: Array<{ name: string; shape: Array<number | string>; meaning: string }>;
  strides: number[];
  thresholds: { iou: number; defaultConf: number; recallTarget: number | null };
  classes: Array<{
    index: number;
    name: string;
    threshold: number;
    thresholdSource: string;
    valBoxes: number | null;
    ap50: number | null;
    ap50_95: number | null;
    atThreshold: ClassAtThreshold | null;
  }>;
  dataset: CardFacts['dataset'];
  plan: string | null;
  metrics: { map50: number; map50_95: number; valImages: number } | null;
  examples: { node: string; python: string };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The plan in one paragraph, from plan.json (null when it says too little). */
export function planParagraph(plan: unknown): string | null {
  const p = obj(plan);
  const spec = obj(p['modelSpec']);
  const epochs = num(p['epochs']);
  const opt = str(p['optimizer']);
  if (epochs === null || opt === null) return null;
  const parts: string[] = [];
  const scale = str(spec['scale']);
  const imgsz = num(spec['imgsz']);
  const params = num(obj(p['figures'])['params']);
  if (scale && imgsz) parts.push(`YOLOv8${scale} at ${imgsz} px${params ? ` (${(params / 1e6).toFixed(2)} M parameters)` : ''}, ${str(p['norm']) ?? 'batch'} normalisation`);
  const device = str(obj(p['device'])['name']);
  const backend = str(p['backend']);
  if (device || backend) parts.push(`trained on ${device ?? 'this machine'}${backend ? ` with the ${backend} backend` : ''}`);
  const b = num(p['perDeviceBatch']);
  const acc = num(p['accumulation']);
  const eff = num(p['effectiveBatch']);
  if (b !== null && eff !== null) parts.push(`batch ${b}${acc && acc > 1 ? ` x ${acc} accumulation` : ''} (effective ${eff})`);
  const steps = num(p['totalSteps']);
  parts.push(`${epochs} epochs${steps !== null ? ` (${steps} optimizer steps)` : ''}`);
  const lr = num(p['lr']);
  const warm = num(p['warmupSteps']);
  parts.push(`${opt === 'adamw' ? 'AdamW' : opt === 'sgd' ? 'SGD' : opt}${lr !== null ? ` at learning rate ${lr}` : ''}${warm !== null ? `, ${warm} warmup steps then cosine decay` : ''}`);
  const ti = num(p['trainImages']);
  if (ti !== null) parts.push(`${ti} training images`);
  return `${parts.join('; ')}.`;
}

/** model.json's content. */
export function buildModelCard(f: CardFacts): ModelCard {
  const nc = f.classNames.length;
  const evalByName = new Map((f.evaluation?.perClass ?? []).map((c) => [c.name, c]));
  const outputs: ModelCard['outputs'] = [
    { name: 'output0', shape: [1, 4 + nc, f.anchors], meaning: 'cx, cy, w, h in input pixels, then one sigmoid score per class, for every anchor (Ultralytics YOLOv8 layout)' },
  ];
  if (f.nms) outputs.push({ name: 'detections', shape: ['N', 6], meaning: 'x1, y1, x2, y2 (input pixels), score, class index: after per-class thresholds and NMS, best first' });
  return {
    format: 'kestrel-model-card',
    version: 1,
    file: f.file,
    modelFormat: f.format,
    opset: f.opset,
    nms: f.nms,
    sha256: f.sha256,
    bytes: f.bytes,
    date: f.date,
    kestrelVersion: f.kestrelVersion,
    runId: f.runId,
    parentRun: f.parentRun,
    model: { architecture: 'YOLOv8 (Kestrel)', scale: f.spec.scale, norm: f.spec.norm, params: num(obj(obj(f.plan)['figures'])['params']) },
    input: { name: 'images', size: f.spec.imgsz, layout: 'NCHW', channels: 'RGB', divisor: 255, letterboxFill: f.letterboxFill },
    outputs,
    strides: [...f.strides],
    thresholds: { iou: f.thresholds.iou, defaultConf: f.thresholds.defaultConf, recallTarget: f.thresholds.recallTarget },
    classes: f.classNames.map((name, i) => {
      const e = evalByName.get(name);
      return {
        index: i,
        name,
        threshold: f.confByClass[i] ?? f.thresholds.defaultConf,
        thresholdSource: f.thresholds.classes.find((c) => c.name === name)?.source ?? 'default',
        valBoxes: e ? e.gtCount : null,
        ap50: e ? e.ap50 : null,
        ap50_95: e ? e.ap50_95 : null,
        atThreshold: f.atThresholds?.[i] ?? null,
      };
    }),
    dataset: f.dataset,
    plan: planParagraph(f.plan),
    metrics: f.evaluation ? { map50: f.evaluation.map50, map50_95: f.evaluation.map50_95, valImages: f.evaluation.imageCount } : null,
    examples: { node: NODE_EXAMPLE_FILE, python: PYTHON_EXAMPLE_FILE },
  };
}

const f3 = (v: number | null): string => (v === null ? '-' : v.toFixed(3));
/** Escapes a table cell. */
const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** MODEL.md's text. */
export function modelCardMarkdown(c: ModelCard): string {
  const nc = c.classes.length;
  const lines: string[] = [
    `# ${c.runId ?? 'Kestrel model'}: defect detector (${c.modelFormat.toUpperCase()})`,
    '',
    `- File: \`${c.file}\` (${(c.bytes / 1e6).toFixed(1)} MB, sha256 \`${c.sha256.slice(0, 16)}…\`), opset ${c.opset}${c.nms ? ', with NonMaxSuppression in the graph' : ''}`,
    `- Exported ${c.date} by Kestrel ${c.kestrelVersion}${c.runId ? ` from run \`${c.runId}\`` : ''}${c.parentRun ? `, fine-tuned from \`${c.parentRun}\`` : ''}`,
    `- Model: YOLOv8${c.model.scale}, ${c.model.norm} normalisation${c.model.params ? `, ${(c.model.params / 1e6).toFixed(2)} M parameters` : ''}`,
    `- Input \`images\`: [1, 3, ${c.input.size}, ${c.input.size}] float32, RGB, values / ${c.input.divisor}, letterboxed (scaled to fit, centred, padded with gray ${c.input.letterboxFill})`,
    ...c.outputs.map((o) => `- Output \`${o.name}\` [${o.shape.join(', ')}]: ${o.meaning}`),
    '',
    '## Training data',
    '',
  ];
  if (c.dataset) {
    lines.push(
      `Dataset ${c.dataset.path ? `\`${c.dataset.path}\`` : '(path not recorded)'}: ${c.dataset.trainImages ?? '?'} training and ${c.dataset.valImages ?? '?'} validation images, ${nc} classes.`,
    );
  } else {
    lines.push(`Not recorded (exported from a weights folder, not a run folder). ${nc} classes.`);
  }
  lines.push('', '## Training plan', '', c.plan ?? 'Not recorded.', '', '## Accuracy at the saved thresholds', '');
  if (c.metrics) lines.push(`Validation (${c.metrics.valImages} images): mAP50 ${f3(c.metrics.map50)}, mAP50-95 ${f3(c.metrics.map50_95)}.`, '');
  lines.push(
    `NMS IoU ${c.thresholds.iou}. A part is NG when any detection reaches its class threshold.${c.thresholds.recallTarget !== null ? ` Thresholds were suggested for a recall of ${c.thresholds.recallTarget}.` : ''}`,
    '',
    '| # | Class | Threshold | Val boxes | Found | Missed | False alarms | Precision | Recall | AP50 | AP50-95 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const k of c.classes) {
    const a = k.atThreshold;
    lines.push(
      `| ${k.index} | ${cell(k.name)} | ${k.threshold} (${k.thresholdSource}) | ${k.valBoxes ?? '-'} | ${a ? a.tp : '-'} | ${a ? a.fn : '-'} | ${a ? a.fp : '-'} | ${a ? f3(a.precision) : '-'} | ${a ? f3(a.recall) : '-'} | ${f3(k.ap50)} | ${f3(k.ap50_95)} |`,
    );
  }
  lines.push(
    '',
    '## How to run this on the line PC',
    '',
    'The model is a standard ONNX file with the Ultralytics YOLOv8 output layout: ONNX Runtime, OpenVINO, TensorRT (`trtexec --onnx=...`) and, for the opset 12 file, OpenCV DNN read it. Kestrel\'s own keys (`kestrel_classes`, `kestrel_thresholds`, ...) are in its metadata.',
    '',
    'Preprocess exactly like Kestrel: decode to RGB (EXIF orientation applied), scale to fit the input side keeping the aspect ratio (bilinear), centre it on a gray canvas, divide by 255, NCHW. Then per anchor keep the best class when its score reaches that class\'s threshold, apply per-class NMS, and map boxes back with `(x - padX) / scale`.',
    '',
    `Two complete examples are beside this file; both read \`model.json\` and print the detections and the OK/NG verdict as JSON:`,
    '',
    '```sh',
    `# Node.js 18+: npm install onnxruntime-node sharp`,
    `node ${c.examples.node} part.jpg`,
    `# Python 3.8+: pip install onnxruntime numpy pillow`,
    `python ${c.examples.python} part.jpg`,
    '```',
    '',
  );
  return lines.join('\n');
}
