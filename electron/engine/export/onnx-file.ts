/**
 * Encodes an OnnxGraph (onnx-builder.ts) as an ONNX ModelProto with protobufjs and the vendored
 * schema (onnx-schema.ts), and decodes one back (tests, metadata readers).
 */
import { modelProtoType } from './onnx-schema';
import type { OnnxAttr, OnnxGraph, OnnxValueInfo } from './onnx-builder';

/** ONNX IR version for an opset: opset 12 -> IR 7 (ONNX 1.7), opset 13-17 -> IR 8 (ONNX 1.10-1.12). */
export function irVersionFor(opset: number): number {
  return opset <= 12 ? 7 : 8;
}

/** What goes into the file besides the graph. */
export interface OnnxModelInfo {
  opset: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  /** metadata_props, in this order. */
  metadata: Array<[string, string]>;
}

/** Values of onnx.AttributeProto.AttributeType. */
const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

function attribute(name: string, a: OnnxAttr): Record<string, unknown> {
  if ('f' in a) return { name, type: ATTR_TYPE.FLOAT, f: a.f };
  if ('i' in a) return { name, type: ATTR_TYPE.INT, i: a.i };
  if ('s' in a) return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: ATTR_TYPE.INTS, ints: a.ints };
  return { name, type: ATTR_TYPE.FLOATS, floats: a.floats };
}

function valueInfo(v: OnnxValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.dataType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; so are the typed arrays on every platform Kestrel runs on.
  // A Buffer view (no copy): protobufjs copies Buffers in one call, plain Uint8Arrays byte by byte.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The plain object protobufjs encodes as onnx.ModelProto. */
export function modelObject(graph: OnnxGraph, info: OnnxModelInfo): Record<string, unknown> {
  return {
    ir_version: irVersionFor(info.opset),
    opset_import: [{ domain: '', version: info.opset }],
    producer_name: info.producerName,
    producer_version: info.producerVersion,
    doc_string: info.docString,
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        op_type: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
      initializer: graph.initializers.map((t) => ({ name: t.name, dims: t.dims, data_type: t.dataType, raw_data: rawBytes(t.data) })),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
    metadata_props: info.metadata.map(([key, value]) => ({ key, value })),
  };
}

/** The .onnx file's bytes. */
export function encodeOnnxModel(graph: OnnxGraph, info: OnnxModelInfo): Uint8Array {
  const type = modelProtoType();
  const obj = modelObject(graph, info);
  const err = type.verify(obj);
  if (err) throw new Error(`encodeOnnxModel: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

/** Decoded ModelProto as a plain object (int64 as numbers, bytes as Uint8Array). */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProtoType();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Record<string, unknown>;
}

/** metadata_props of an .onnx file's bytes as a map. */
export function readOnnxMetadata(bytes: Uint8Array): Map<string, string> {
  const m = decodeOnnxModel(bytes) as { metadata_props?: Array<{ key: string; value: string }> };
  return new Map((m.metadata_props ?? []).map((p) => [p.key, p.value]));
}
