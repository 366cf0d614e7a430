/** The model card: per-class figures at the thresholds, the plan paragraph, and MODEL.md. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModelCard, metricsAtThresholds, modelCardMarkdown, planParagraph } from '../../../electron/engine/export/model-card';
import { defaultThresholds } from '../../../electron/shared/schemas/thresholds';

const truth = (x: number, cls: number) => ({ x1: x, y1: 0, x2: x + 10, y2: 10, cls });
const det = (x: number, cls: number, score: number) => ({ ...truth(x, cls), score });

test('metricsAtThresholds counts hits, misses and false alarms per class at its own threshold', () => {
  const preds = {
    images: [
      { truths: [truth(0, 0), truth(50, 1)], detections: [det(0, 0, 0.9), det(100, 0, 0.4), det(50, 1, 0.3)] },
      { truths: [truth(0, 1)], detections: [] },
    ],
  };
  const [c0, c1] = metricsAtThresholds(preds, [0.5, 0.25]);
  assert.deepEqual(c0, { tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 }); // the 0.4 false alarm is below 0.5
  assert.deepEqual(c1, { tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
  const [low] = metricsAtThresholds(preds, [0.3, 0.25]);
  assert.equal(low!.fp, 1);
});

test('planParagraph says the plan in one sentence, and null when plan.json says too little', () => {
  const p = planParagraph({
    modelSpec: { scale: 'n', imgsz: 224 },
    figures: { params: 3012002 },
    norm: 'batch',
    device: { name: 'AMD EPYC' },
    backend: 'wasm',
    perDeviceBatch: 64,
    accumulation: 1,
    effectiveBatch: 64,
    epochs: 10,
    totalSteps: 230,
    optimizer: 'adamw',
    lr: 0.001,
    warmupSteps: 23,
    trainImages: 1416,
  });
  assert.equal(
    p,
    'YOLOv8n at 224 px (3.01 M parameters), batch normalisation; trained on AMD EPYC with the wasm backend; batch 64 (effective 64); 10 epochs (230 optimizer steps); AdamW at learning rate 0.001, 23 warmup steps then cosine decay; 1416 training images.',
  );
  assert.equal(planParagraph({ epochs: 3 }), null);
  assert.equal(planParagraph(null), null);
});

test('MODEL.md lists every class with its threshold and says how to run the model on the line PC', () => {
  const names = ['scratch', 'a|b'];
  const card = buildModelCard({
    file: 'm.onnx',
    format: 'onnx',
    opset: 12,
    nms: true,
    sha256: 'ab'.repeat(32),
    bytes: 12_000_000,
    date: '2026-01-01T00:00:00.000Z',
    kestrelVersion: '0.1.0',
    runId: null,
    parentRun: 'base-run',
    weightsDir: '/w',
    spec: { scale: 'n', imgsz: 320, numClasses: 2, norm: 'group' },
    classNames: names,
    thresholds: { ...defaultThresholds(names), recallTarget: 0.95 },
    confByClass: [0.25, 0.25],
    letterboxFill: 114,
    strides: [8, 16, 32],
    anchors: 2100,
    dataset: null,
    plan: null,
    evaluation: null,
    atThresholds: null,
  });
  assert.deepEqual(card.outputs.map((o) => o.name), ['output0', 'detections']);
  assert.deepEqual(card.outputs[0]!.shape, [1, 6, 2100]);
  const md = modelCardMarkdown(card);
  assert.match(md, /fine-tuned from `base-run`/);
  assert.match(md, /Not recorded \(exported from a weights folder/);
  assert.match(md, /\| 1 \| a\\\|b \| 0\.25 \(default\) \|/);
  assert.match(md, /suggested for a recall of 0\.95/);
  assert.match(md, /python run_model\.py part\.jpg/);
});
