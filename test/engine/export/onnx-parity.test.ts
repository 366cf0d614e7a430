/**
 * Exported ONNX files against TF.js, on onnxruntime-node: scales n/s/m, BatchNorm (with
 * non-trivial running statistics, so folding is tested) and GroupNorm, opsets 17 and 12, with
 * and without in-graph NMS. output0 must match TF.js within 1e-4 (box rows relative to the
 * input side, score rows absolute), and the detections after NMS (decoded from output0, and the
 * in-graph `detections` output) must be Kestrel's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { EXPORT_FORMATS } from '../../../electron/engine/export/formats';
import { decodeOutput0, detectionsFromRows, nhwcToNchw } from '../../../electron/engine/export/decode-output';
import { decodeOnnxModel } from '../../../electron/engine/export/onnx-file';
import { defaultThresholds } from '../../../electron/shared/schemas/thresholds';
import type { ModelScale, NormKind } from '../../../electron/shared/schemas/model';
import { assertSameDetections, gapThresholds, kestrelDetections, output0Error, patternImage, perturbedDetector, tfReference, weightsOf } from './helpers';

const SIDE = 64;
const NC = 3;
const IOU = 0.5;
const TOL = 1e-4;
/** Detections match when their corners agree within this (pixels, at a 64 px input). */
const BOX_TOL = 0.05;

type Variant = { opset: number; nms: boolean };
const ALL: Variant[] = [
  { opset: 17, nms: false },
  { opset: 17, nms: true },
  { opset: 12, nms: false },
  { opset: 12, nms: true },
];
// Every variant for n; both opsets and both NMS modes for s; one file per norm for m (26 M
// parameters: each export encodes ~100 MB, which dominates the test's time).
const TWO: Variant[] = [
  { opset: 17, nms: false },
  { opset: 12, nms: true },
];
const cases: Array<{ scale: ModelScale; norm: NormKind; variants: Variant[] }> = [
  { scale: 'n', norm: 'batch', variants: ALL },
  { scale: 'n', norm: 'group', variants: ALL },
  { scale: 's', norm: 'batch', variants: TWO },
  { scale: 's', norm: 'group', variants: TWO },
  { scale: 'm', norm: 'batch', variants: [{ opset: 12, nms: true }] },
  { scale: 'm', norm: 'group', variants: [{ opset: 17, nms: false }] },
];

for (const { scale, norm, variants } of cases) {
  test(`ONNX export of YOLOv8${scale} (${norm} norm) matches TF.js: ${variants.map((v) => `opset ${v.opset}${v.nms ? ' + NMS' : ''}`).join(', ')}`, async () => {
    await initBackend({ force: 'wasm' });
    const spec = { scale, imgsz: SIDE, numClasses: NC, norm };
    const det = perturbedDetector(spec, scale.charCodeAt(0) + (norm === 'group' ? 7 : 0));
    try {
      const img = patternImage(SIDE, 3);
      const ref = await tfReference(det, img);
      const conf = gapThresholds(ref.output0, NC, 30);
      const want = kestrelDetections(ref.raw, SIDE, conf, IOU);
      tf.dispose([ref.raw.box, ref.raw.cls]);
      assert.ok(want.length >= 5, `the test needs detections to compare (got ${want.length})`);
      const classNames = ['scratch', '划痕', "o'ring"];
      const thresholds = { ...defaultThresholds(classNames), iou: IOU, classes: classNames.map((name, i) => ({ name, conf: conf[i]!, source: 'user' as const })) };
      const src = { spec, classNames, weights: await weightsOf(det), thresholds, runId: 'parity', kestrelVersion: '0.0.0', date: '2026-01-01T00:00:00.000Z' };
      const anchors = (SIDE / 8) ** 2 + (SIDE / 16) ** 2 + (SIDE / 32) ** 2;
      for (const { opset, nms } of variants) {
        {
          const what = `${scale}/${norm}/opset ${opset}${nms ? '/nms' : ''}`;
          const bytes = EXPORT_FORMATS['onnx']!.build(src, { opset, nms });
          const model = decodeOnnxModel(bytes) as { opset_import: Array<{ version: number }>; graph: { node: Array<{ op_type: string }> } };
          assert.equal(model.opset_import[0]!.version, opset);
          const ops = new Set(model.graph.node.map((n) => n.op_type));
          if (opset === 12) assert.ok(!ops.has('Split'), `${what}: opset 12 must not use Split`);
          assert.ok(!ops.has('BatchNormalization'), `${what}: BatchNorm must be folded`);
          assert.equal(ops.has('NonMaxSuppression'), nms);
          const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
          try {
            const res = await session.run({ images: new ort.Tensor('float32', nhwcToNchw(img, SIDE, SIDE), [1, 3, SIDE, SIDE]) });
            const out = res['output0']!;
            assert.deepEqual(out.dims, [1, 4 + NC, anchors]);
            const err = output0Error(out.data as Float32Array, ref.output0, anchors);
            console.log(`# ${what}: output0 vs TF.js: boxes ${err.boxPixels.toExponential(2)} px of ${err.boxScale.toFixed(0)} px = ${err.box.toExponential(2)}, scores ${err.score.toExponential(2)}`);
            assert.ok(err.box <= TOL && err.score <= TOL, `${what}: output0 differs from TF.js by ${err.box.toExponential(2)} (boxes, relative) and ${err.score.toExponential(2)} (scores)`);
            const decoded = decodeOutput0(out.data as Float32Array, NC, anchors, { confByClass: conf, iou: IOU });
            assertSameDetections(decoded, want, BOX_TOL, TOL, `${what} output0 decoded`);
            if (nms) {
              const rows = res['detections']!;
              assert.equal(rows.dims[1], 6);
              const inGraph = detectionsFromRows(rows.data as Float32Array);
              assertSameDetections(inGraph, want, BOX_TOL, TOL, `${what} in-graph NMS`);
              for (let i = 1; i < inGraph.length; i++) assert.ok(inGraph[i - 1]!.score >= inGraph[i]!.score, `${what}: detections best first`);
            }
          } finally {
            await session.release();
          }
        }
      }
    } finally {
      det.dispose();
    }
  });
}

test('in-graph NMS with nothing above the thresholds gives an empty [0, 6] result at both opsets', async () => {
  await initBackend({ force: 'wasm' });
  const spec = { scale: 'n' as const, imgsz: SIDE, numClasses: 2, norm: 'group' as const };
  const det = perturbedDetector(spec, 5);
  try {
    const classNames = ['a', 'b'];
    const thresholds = { ...defaultThresholds(classNames), classes: classNames.map((name) => ({ name, conf: 1, source: 'user' as const })) };
    const src = { spec, classNames, weights: await weightsOf(det), thresholds, runId: null, kestrelVersion: '0.0.0', date: '2026-01-01T00:00:00.000Z' };
    for (const opset of [17, 12]) {
      const session = await ort.InferenceSession.create(EXPORT_FORMATS['onnx']!.build(src, { opset, nms: true }));
      const res = await session.run({ images: new ort.Tensor('float32', nhwcToNchw(patternImage(SIDE), SIDE, SIDE), [1, 3, SIDE, SIDE]) });
      assert.deepEqual(res['detections']!.dims, [0, 6]);
      await session.release();
    }
  } finally {
    det.dispose();
  }
});
