/**
 * Where a run's training loop stands: the schema of weights/last/train-state.json and its one
 * reader, and whether a checkpoint folder is complete. No TF.js here, so the process runner
 * (which Electron's main process loads) can ask where a run stands without loading a model.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BatchLayoutSchema, EpochMetricsSchema, type BatchLayout } from '../../shared/schemas/events';
import { recoverDirSwap } from './atomic';

/** The loop state's file inside a `last` checkpoint folder. */
export const TRAIN_STATE_FILE = 'train-state.json';

/**
 * Where the loop stands, saved with `last`: everything resume needs besides the tensors.
 * The data order and augmentation are pure functions of (seed, epoch, position), so the
 * position is the RNG state.
 */
export const TrainStateSchema = z.object({
  version: z.literal(1),
  /** Epoch in progress (0-based) ... */
  epoch: z.number().int().nonnegative(),
  /** ... and the next micro-batch of it to run (at the layout below); 0 at an epoch start. */
  batchInEpoch: z.number().int().nonnegative(),
  /** Optimizer updates done since the run began (the schedule's position). */
  step: z.number().int().nonnegative(),
  optimizer: z.enum(['sgd', 'adamw']),
  optimizerStep: z.number().int().nonnegative(),
  emaUpdates: z.number().int().nonnegative(),
  layout: BatchLayoutSchema,
  /** Multiplier of the planned LR (below 1 after a NaN recovery). */
  lrFactor: z.number().positive(),
  seed: z.number().int().nonnegative(),
  best: z.object({ fitness: z.number(), epoch: z.number().int().nonnegative(), metrics: EpochMetricsSchema }).nullable(),
  /** Epochs since the fitness last improved (early stopping). */
  staleEpochs: z.number().int().nonnegative(),
  /** Training loss sums of the epoch in progress, so a resumed epoch reports the same mean. */
  epochLoss: z.object({ total: z.number(), box: z.number(), cls: z.number(), dfl: z.number(), batches: z.number().int().nonnegative() }),
  imagesSeen: z.number().int().nonnegative(),
  /** Training time before this checkpoint, for throughput and ETA after a resume. */
  elapsedMs: z.number().nonnegative(),
  savedAt: z.string(),
});
export type TrainState = z.infer<typeof TrainStateSchema>;

/** True when `dir` holds a complete checkpoint (after undoing a torn folder swap). */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  await recoverDirSwap(dir);
  return stat(join(dir, 'meta.json')).then(
    () => true,
    () => false,
  );
}

/** Reads a checkpoint's full loop state (throws when it is missing or does not parse). */
export async function readTrainState(dir: string): Promise<TrainState> {
  return TrainStateSchema.parse(JSON.parse(await readFile(join(dir, TRAIN_STATE_FILE), 'utf8')));
}

/** Where a `last` checkpoint stands without loading its tensors (what a process runner needs to restart it). */
export interface CheckpointPosition {
  epoch: number;
  step: number;
  /** Null when the state cannot be read (a torn swap the trainer will undo). */
  layout: BatchLayout | null;
}

const PositionSchema = TrainStateSchema.pick({ epoch: true, step: true, layout: true }).partial();

/**
 * The position of the `last` checkpoint in `dir`, read from its train-state.json (the one
 * reader of that file besides loadTrainCheckpoint); null when there is no complete checkpoint.
 * A checkpoint whose state cannot be read still counts, at epoch 0, step 0.
 */
export async function readCheckpointPosition(dir: string): Promise<CheckpointPosition | null> {
  if (!(await hasCheckpoint(dir))) return null;
  let raw: unknown = null;
  try {
    raw = JSON.parse(await readFile(join(dir, TRAIN_STATE_FILE), 'utf8'));
  } catch (_err) {
    // Unreadable state: the position is unknown, the checkpoint is still there.
  }
  const p = PositionSchema.safeParse(raw);
  const s = p.success ? p.data : {};
  return { epoch: s.epoch ?? 0, step: s.step ?? 0, layout: s.layout ?? null };
}
