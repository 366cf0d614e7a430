/**
 * What a training session works with: the run's fixed context (config, plan, data, sinks,
 * counters of this process), where a session starts (a checkpoint or fresh weights), how it
 * ends, and the fresh loop state and augmentation recipe of a run.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { EpochMetrics } from '../../shared/schemas/events';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import type { TrainingPlan } from '../../shared/schemas/plan';
import type { TrainConfig, TrainFaults } from '../../shared/schemas/train-config';
import { defaultAugmentOptions, type AugmentOptions } from '../data/augment/index';
import type { SampleRecord } from '../data/tiles';
import type { TrainState } from '../runs/checkpoint';
import type { RunPaths } from '../runs/run-dir';
import type { EventSink } from './events';
import type { SessionStepFactory } from './session-step';

/** One optimizer step as it happened (for onStep watchers: tests, benchmarks). */
export interface StepRecord {
  /** Schedule position of this update (0-based). */
  step: number;
  epoch: number;
  lr: number;
  biasLr: number;
  momentum: number;
  /** True when the update was skipped (non-finite loss or gradient). */
  skipped: boolean;
  /** Global gradient norm before clipping (NaN when skipped before it was computed). */
  gradNorm: number;
  microBatches: number;
  images: number;
}

/** What a session needs that does not change between restarts. */
export interface SessionContext {
  cfg: TrainConfig;
  paths: RunPaths;
  plan: TrainingPlan;
  classNames: string[];
  /** Training samples: the split's images, or tiles of them when the plan trains on tiles. */
  train: SampleRecord[];
  val: ImageRecord[];
  valEvery: number;
  sink: EventSink;
  faults: TrainFaults;
  backend: string;
  device: string;
  signal: AbortSignal | undefined;
  onStep: ((s: StepRecord) => void) | undefined;
  /** Opens each session's step on a step host (TrainOptions.stepHost); undefined: in this process. */
  hostStep: SessionStepFactory | undefined;
  /** Set once a session emitted train-start (restarts emit `recovered` instead). */
  started: boolean;
  resumed: boolean;
  /** Across sessions: time and images of this process. */
  trainMs: number;
  valMs: number;
  imagesThisProcess: number;
  /** The best epoch's evaluation, once this process saw it. */
  bestEvaluation: EvaluationResult | null;
  /** Injected NaN steps already fired (each fires once per process, so a recovery can succeed). */
  nanFired: Set<number>;
  /** Peak bytes measured on the first step of the last session. */
  measuredPeakBytes: number | null;
  /** A fine-tune wrote transfer.json and emitted its transfer warnings in this process. */
  transferReported: boolean;
  /** Image files the loaders skipped and this process already warned about. */
  skippedFiles: Set<string>;
}

/** Where a session starts: a checkpoint's tensors and state, or nothing (fresh weights). */
export interface SessionStart {
  state: TrainState;
  raw: Map<string, tf.Tensor> | null;
  ema: Map<string, tf.Tensor> | null;
  optimizer: Record<string, tf.Tensor> | null;
}

/** How a session ended (errors and recoveries throw). */
export interface SessionOutcome {
  status: 'completed' | 'stopped' | 'early-stopped';
  state: TrainState;
  lastMetrics: EpochMetrics | null;
}

/** The augmentation recipe of a run. */
export function augmentFor(kind: TrainConfig['augment'], epochs: number, regularization?: TrainingPlan['regularization']): AugmentOptions | null {
  if (kind === 'none') return null;
  // CutMix as the plan decides (on for large effective batches): half of the images get a patch.
  const cutmix = regularization?.cutmix ? 0.5 : 0;
  if (kind === 'light') return defaultAugmentOptions({ epochs, mosaic: 0, scale: 0.25, translate: 0.05, cutmix });
  return defaultAugmentOptions({ epochs, cutmix });
}

/** A fresh loop state at the start of a run. */
export function initialState(plan: TrainingPlan, seed: number): TrainState {
  return {
    version: 1,
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    optimizer: plan.optimizer,
    optimizerStep: 0,
    emaUpdates: 0,
    layout: { perDeviceBatch: plan.perDeviceBatch, accumulation: plan.accumulation },
    lrFactor: 1,
    seed,
    best: null,
    staleEpochs: 0,
    epochLoss: { total: 0, box: 0, cls: 0, dfl: 0, batches: 0 },
    imagesSeen: 0,
    elapsedMs: 0,
    savedAt: new Date().toISOString(),
  };
}
