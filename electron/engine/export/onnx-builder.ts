/**
 * A small in-memory ONNX graph: nodes, constant tensors (initializers), inputs and outputs as
 * plain data, with unique value names. The exporters build graphs with it; onnx-file.ts turns
 * one into ModelProto bytes with protobufjs. No protobuf here, so graphs are easy to test.
 */

/** Element types Kestrel's graphs use (values of onnx.TensorProto.DataType). */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** A constant tensor stored in the file. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  /** Float32Array for FLOAT, BigInt64Array for INT64. */
  data: Float32Array | BigInt64Array;
}

/** A node attribute value: one float, int, string, or a list of ints or floats. */
export type OnnxAttr = { f: number } | { i: number } | { s: string } | { ints: number[] } | { floats: number[] };

/** One operator application. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

/** A graph input or output: a name, element type and shape (a string is a symbolic dimension). */
export interface OnnxValueInfo {
  name: string;
  dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  shape: Array<number | string>;
}

/** The whole graph, ready for encoding. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** Builds a graph node by node; every call returns the names of the values it produced. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name based on `base` (base, base_1, base_2, ...). */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given from outside (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`GraphBuilder: ${name} is taken`);
    this.used.add(name);
    return name;
  }

  /** A float32 constant. */
  floats(base: string, dims: number[], data: ArrayLike<number>): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`GraphBuilder: ${base} has ${data.length} values for shape [${dims.join(', ')}]`);
    const name = this.unique(base);
    // A Float32Array is kept as given (callers hand over fresh or read-only arrays): no copy of large weights.
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_FLOAT, data: data instanceof Float32Array ? data : Float32Array.from(data) });
    return name;
  }

  /** An int64 constant (shapes, axes, indices). */
  ints(base: string, values: readonly number[], dims: number[] = [values.length]): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_INT64, data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }

  /** Adds a node with `outputs` results; returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, OnnxAttr> = {}, base = opType): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? base : `${base}.${i}`));
    this.nodes.push({ opType, name: this.unique(`node.${base}`), inputs, outputs: outs, attrs });
    return outs;
  }

  /** Adds a node with one result; returns its name. */
  op(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, base = opType): string {
    return this.opN(opType, inputs, 1, attrs, base)[0]!;
  }

  /** Node `opType` writing into an already reserved name (a graph output). */
  opInto(opType: string, inputs: string[], output: string, attrs: Record<string, OnnxAttr> = {}): void {
    this.nodes.push({ opType, name: this.unique(`node.${output}`), inputs, outputs: [output], attrs });
  }

  /** The finished graph. */
  graph(name: string, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: [...this.nodes], initializers: [...this.initializers], inputs, outputs };
  }
}
