// Tensors <-> plain data for the step host's messages. Reads are `await data()` only (WebGPU
// cannot read synchronously).
import * as tf from '@tensorflow/tfjs-core';
import type { TensorMap } from './protocol';

/** Copies tensors to plain float32 data (the tensors are kept; the caller still owns them). */
export async function toTensorMap(tensors: Map<string, tf.Tensor> | Record<string, tf.Tensor>): Promise<TensorMap> {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const out: TensorMap = {};
  for (const [name, t] of entries) {
    const v = await t.data();
    out[name] = { shape: [...t.shape], data: v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>) };
  }
  return out;
}

/** Makes tensors from plain data (caller disposes). Throws on a shape that does not match its data. */
export function fromTensorMap(map: TensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [name, { shape, data }] of Object.entries(map)) {
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== data.length) throw new Error(`${name}: shape ${JSON.stringify(shape)} needs ${size} values, got ${data.length}`);
      out.set(name, tf.tensor(data, shape, 'float32'));
    }
  } catch (err) {
    tf.dispose([...out.values()]);
    throw err;
  }
  return out;
}
