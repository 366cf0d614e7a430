import * as tf from '@tensorflow/tfjs-core';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A bundle of named float32 tensors on disk: `<name>.json` (names, shapes, byte offsets) and
 * `<name>.bin` (the raw little-endian floats, concatenated). Plain and dependency-free, so a
 * checkpoint can be inspected with any tool and read back bit for bit.
 */

const EntrySchema = z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });

/** The manifest of a tensor bundle. */
export const TensorManifestSchema = z.object({
  format: z.literal('kestrel-tensors'),
  version: z.literal(1),
  dtype: z.literal('float32'),
  tensors: z.array(EntrySchema),
});
export type TensorManifest = z.infer<typeof TensorManifestSchema>;

/**
 * Serialises tensors into a manifest and one buffer, reading each from the device with
 * `await data()` (one at a time, so a GPU backend stages one tensor at a time; every backend,
 * webgpu included). The caller must not change the tensors until this settles.
 */
export async function packTensors(tensors: Iterable<[string, tf.Tensor]>): Promise<{ manifest: TensorManifest; data: Uint8Array }> {
  const list = [...tensors];
  const entries: TensorManifest['tensors'] = [];
  let offset = 0;
  for (const [name, t] of list) {
    entries.push({ name, shape: [...t.shape], offset, length: t.size });
    offset += t.size;
  }
  const all = new Float32Array(offset);
  for (let i = 0; i < list.length; i++) {
    const t = list[i]![1];
    const values = await t.data();
    // Non-float tensors are converted value by value (Float32Array.set does the same).
    all.set(values as ArrayLike<number>, entries[i]!.offset);
  }
  return { manifest: { format: 'kestrel-tensors', version: 1, dtype: 'float32', tensors: entries }, data: new Uint8Array(all.buffer, all.byteOffset, all.byteLength) };
}

/** Writes a bundle as `<dir>/<name>.json` + `<dir>/<name>.bin` (the caller makes the folder swap atomic). */
export async function writeTensorBundle(dir: string, name: string, tensors: Iterable<[string, tf.Tensor]>): Promise<void> {
  const { manifest, data } = await packTensors(tensors);
  await writeFile(join(dir, `${name}.bin`), data);
  await writeFile(join(dir, `${name}.json`), JSON.stringify(manifest));
}

/** Reads a bundle back as plain arrays (no tensors yet: the caller decides when to upload). */
export async function readTensorBundle(dir: string, name: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const manifest = TensorManifestSchema.parse(JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')));
  const buf = await readFile(join(dir, `${name}.bin`));
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const e of manifest.tensors) {
    if (e.offset + e.length > floats.length) throw new Error(`${name}.bin is shorter than its manifest (${e.name})`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.length) throw new Error(`${e.name}: shape [${e.shape.join(', ')}] does not hold ${e.length} values`);
    out.set(e.name, { shape: e.shape, values: floats.subarray(e.offset, e.offset + e.length) });
  }
  return out;
}

/** Uploads plain arrays as tensors (caller disposes). */
export function toTensors(values: Map<string, { shape: number[]; values: Float32Array }>): Map<string, tf.Tensor> {
  return new Map([...values].map(([n, v]) => [n, tf.tensor(v.values, v.shape, 'float32')]));
}
