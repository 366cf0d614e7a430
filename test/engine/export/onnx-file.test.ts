/** The vendored ONNX schema, the graph builder and the protobufjs encoding of a model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, ONNX_FLOAT } from '../../../electron/engine/export/onnx-builder';
import { decodeOnnxModel, encodeOnnxModel, irVersionFor, readOnnxMetadata } from '../../../electron/engine/export/onnx-file';
import { ONNX_SCHEMA_JSON } from '../../../electron/engine/export/onnx-schema';

test('the JSON schema is exactly what protobufjs makes of resources/onnx/onnx.proto', async () => {
  const text = await readFile('resources/onnx/onnx.proto', 'utf8');
  const parsed = protobuf.parse(text, { keepCase: true }).root.toJSON();
  assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse(JSON.stringify(ONNX_SCHEMA_JSON)));
});

test('a built graph encodes to a model ONNX Runtime runs, with metadata and opset as given', async () => {
  const g = new GraphBuilder();
  const x = g.reserve('x');
  const y = g.reserve('y');
  const w = g.floats('w', [1, 2, 1, 1], [2, -1]); // 1x1 conv: 2 channels -> 1
  const conv = g.op('Conv', [x, w, g.floats('b', [1], [0.5])], { kernel_shape: { ints: [1, 1] }, pads: { ints: [0, 0, 0, 0] } });
  g.opInto('Reshape', [conv, g.ints('shape', [1, -1])], y);
  const graph = g.graph('t', [{ name: x, dataType: ONNX_FLOAT, shape: [1, 2, 2, 2] }], [{ name: y, dataType: ONNX_FLOAT, shape: [1, 4] }]);
  for (const opset of [12, 17]) {
    const bytes = encodeOnnxModel(graph, { opset, producerName: 'Kestrel', producerVersion: '9.9.9', docString: 'doc', metadata: [['names', "{0: 'a'}"], ['k', '值']] });
    const m = decodeOnnxModel(bytes) as { ir_version: number; opset_import: Array<{ version: number }>; producer_version: string };
    assert.equal(m.ir_version, irVersionFor(opset));
    assert.equal(m.opset_import[0]!.version, opset);
    assert.equal(m.producer_version, '9.9.9');
    assert.deepEqual([...readOnnxMetadata(bytes)], [['names', "{0: 'a'}"], ['k', '值']]);
    const s = await ort.InferenceSession.create(bytes);
    const res = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 0.5, 1, 1, 2]), [1, 2, 2, 2]) });
    assert.deepEqual(Array.from(res['y']!.data as Float32Array), [2 - 0.5 + 0.5, 4 - 1 + 0.5, 6 - 1 + 0.5, 8 - 2 + 0.5]);
    await s.release();
  }
});

test('GraphBuilder keeps value names unique and refuses a taken output name', () => {
  const g = new GraphBuilder();
  assert.equal(g.unique('a'), 'a');
  assert.equal(g.unique('a'), 'a_1');
  assert.throws(() => g.reserve('a'), /taken/);
  assert.throws(() => g.floats('w', [2, 2], [1, 2, 3]), /3 values for shape \[2, 2\]/);
});
