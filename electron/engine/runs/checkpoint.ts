// Checkpoints of a run: save and load weights/last and weights/best, and read where the last one stands.
import * as tf from '@tensorflow/tfjs-core';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { ModelSpecSchema } from '../../shared/schemas/model';
import type { Detector } from '../model/detector';
import { loadDetector, saveDetector } from '../model/persist';
import { EpochMetricsSchema } from '../../shared/schemas/events';
import { recoverDirSwap, replaceDirAtomic } from './atomic';
import { freeBytesOf, isFsError, rethrowFsError } from './fs-errors';
import { readTrainState, TRAIN_STATE_FILE, type TrainState } from './train-state';

export { hasCheckpoint, readCheckpointPosition, TrainStateSchema, type CheckpointPosition, type TrainState } from './train-state';
import { readTensorBundle, writeTensorBundle } from './tensors';

/**
 * Checkpoints of a run. Each is a folder replaced atomically as a whole (weights/last,
 * weights/best), so a crash at any moment leaves the previous checkpoint loadable:
 *   model.json + weights-*.bin the EMA weights in the detector's own format (saveDetector), what
 *                              `kestrel val --weights`, loadDetector and export read
 *   meta.json                  network spec, class names, input size, epoch, metrics
 *   train.json + train.bin     (last only) raw weights, optimizer slots, and the loop position
 */

/** What a saved model is: enough to rebuild the network and name its outputs. */
export const ModelMetaSchema = z.object({
  format: z.literal('kestrel-detector'),
  version: z.literal(1),
  spec: ModelSpecSchema,
  classNames: z.array(z.string()),
  imgsz: z.number().int().positive(),
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  metrics: EpochMetricsSchema.nullable(),
  savedAt: z.string(),
});
export type ModelMeta = z.infer<typeof ModelMetaSchema>;

/** Tensors of a checkpoint by role. */
export interface CheckpointTensors {
  /** The network the tensors belong to (names, shapes and optimizer groups). */
  model: Detector;
  /** EMA weights and buffers (the model). */
  ema: Map<string, tf.Tensor>;
  /** Raw (optimized) weights and buffers; `last` only. */
  raw?: Map<string, tf.Tensor>;
  /** Optimizer slots "<param>/<slot>"; `last` only. */
  optimizer?: Record<string, tf.Tensor>;
}

/** Writes a checkpoint folder atomically (meta, EMA model, and the training state when given). */
export async function saveCheckpoint(dir: string, meta: ModelMeta, tensors: CheckpointTensors, state?: TrainState): Promise<void> {
  try {
    await writeCheckpointDir(dir, meta, tensors, state);
  } catch (err) {
    if (!isFsError(err)) throw err;
    // A full or read-only drive: say how much the checkpoint needs and how much is free.
    const free = await freeBytesOf(dirname(dir));
    rethrowFsError(err, { path: dir, op: 'write', neededBytes: checkpointBytes(tensors, state !== undefined), ...(free !== null ? { freeBytes: free } : {}) });
  }
}

/** Bytes a checkpoint of these tensors takes on disk (float32 values; the JSON files are small beside them). */
export function checkpointBytes(tensors: Pick<CheckpointTensors, 'ema' | 'raw' | 'optimizer'>, withState: boolean): number {
  const size = (ts: Iterable<tf.Tensor>) => [...ts].reduce((a, t) => a + t.size * 4, 0);
  let bytes = size(tensors.ema.values());
  if (withState) bytes += size(tensors.raw?.values() ?? []) + size(Object.values(tensors.optimizer ?? {}));
  return bytes + 64 * 1024;
}

async function writeCheckpointDir(dir: string, meta: ModelMeta, tensors: CheckpointTensors, state?: TrainState): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    await saveDetector(tensors.model, tmp, {
      classNames: meta.classNames,
      imgsz: meta.imgsz,
      extra: { ema: true, epoch: meta.epoch, step: meta.step, metrics: meta.metrics },
    }, { state: tensors.ema });
    if (state && tensors.raw && tensors.optimizer) {
      const train: Array<[string, tf.Tensor]> = [
        ...[...tensors.raw].map(([n, t]): [string, tf.Tensor] => [`raw/${n}`, t]),
        ...Object.entries(tensors.optimizer).map(([n, t]): [string, tf.Tensor] => [`opt/${n}`, t]),
      ];
      await writeTensorBundle(tmp, 'train', train);
      await writeFile(join(tmp, TRAIN_STATE_FILE), JSON.stringify(state, null, 1));
    }
    // meta.json last: a folder with meta.json is complete.
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
  });
}

function unreadable(path: string, err: unknown): KestrelError {
  const detail = err instanceof Error ? err.message : String(err);
  return new KestrelError('TRAIN_CHECKPOINT_UNREADABLE', reason('TRAIN_CHECKPOINT_UNREADABLE', { path, detail }).message, { path });
}

/** Reads a checkpoint's meta and EMA model tensors (caller disposes the tensors). */
export async function loadModelCheckpoint(dir: string): Promise<{ meta: ModelMeta; ema: Map<string, tf.Tensor> }> {
  await recoverDirSwap(dir);
  try {
    const meta = ModelMetaSchema.parse(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')));
    const { detector } = await loadDetector(dir);
    try {
      const ema = new Map<string, tf.Tensor>([...detector.state()].map(([n, v]) => [n, tf.clone(v)]));
      return { meta, ema };
    } finally {
      detector.dispose();
    }
  } catch (err) {
    throw unreadable(dir, err);
  }
}

/** Reads a full `last` checkpoint: meta, EMA, raw weights, optimizer slots and loop state (caller disposes). */
export async function loadTrainCheckpoint(
  dir: string,
): Promise<{ meta: ModelMeta; state: TrainState; ema: Map<string, tf.Tensor>; raw: Map<string, tf.Tensor>; optimizer: Record<string, tf.Tensor> }> {
  const { meta, ema } = await loadModelCheckpoint(dir);
  try {
    const state = await readTrainState(dir);
    const bundle = await readTensorBundle(dir, 'train');
    const raw = new Map<string, tf.Tensor>();
    const optimizer: Record<string, tf.Tensor> = {};
    for (const [name, v] of bundle) {
      const t = tf.tensor(v.values, v.shape, 'float32');
      if (name.startsWith('raw/')) raw.set(name.slice(4), t);
      else if (name.startsWith('opt/')) optimizer[name.slice(4)] = t;
      else t.dispose();
    }
    return { meta, state, ema, raw, optimizer };
  } catch (err) {
    tf.dispose([...ema.values()]);
    throw unreadable(dir, err);
  }
}
