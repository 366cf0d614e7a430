/** The metadata_props of an export: Ultralytics' keys and Kestrel's, written and read back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnxMetadata, parseKestrelMetadata } from '../../../electron/engine/export/metadata';
import { defaultThresholds } from '../../../electron/shared/schemas/thresholds';

const input = {
  spec: { scale: 's' as const, imgsz: 640, numClasses: 3, norm: 'batch' as const },
  classNames: ["o'ring", '划痕', 'back\\slash'],
  strides: [8, 16, 32],
  letterboxFill: 114,
  thresholds: defaultThresholds(["o'ring", '划痕', 'back\\slash'], new Date('2026-01-01T00:00:00Z')),
  kestrelVersion: '0.1.0',
  runId: 'line-7',
  opset: 17,
  nms: true,
  date: '2026-02-02T00:00:00.000Z',
};

test("Ultralytics' keys are written as its exporter writes them", () => {
  const m = new Map(onnxMetadata(input));
  assert.equal(m.get('names'), "{0: 'o\\'ring', 1: '划痕', 2: 'back\\\\slash'}");
  assert.equal(m.get('imgsz'), '[640, 640]');
  assert.equal(m.get('stride'), '32');
  assert.equal(m.get('task'), 'detect');
  assert.equal(m.get('batch'), '1');
});

test('kestrel_* keys read back to what was written; a missing or broken key is named', () => {
  const m = new Map(onnxMetadata(input));
  const k = parseKestrelMetadata(m);
  assert.deepEqual(k.classNames, input.classNames);
  assert.equal(k.input.size, 640);
  assert.deepEqual(k.strides, [8, 16, 32]);
  assert.equal(k.letterbox.fill, 114);
  assert.deepEqual(k.thresholds, input.thresholds);
  assert.deepEqual(k.model, { scale: 's', norm: 'batch', opset: 17, nms: true });
  assert.equal(k.runId, 'line-7');
  assert.equal(parseKestrelMetadata(new Map(onnxMetadata({ ...input, runId: null }))).runId, null);
  const missing = new Map(m);
  missing.delete('kestrel_thresholds');
  assert.throws(() => parseKestrelMetadata(missing), /kestrel_thresholds is missing/);
  assert.throws(() => parseKestrelMetadata(new Map([...m, ['kestrel_input', '{']])), /kestrel_input is not JSON/);
});
