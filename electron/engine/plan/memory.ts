import type { BackendId } from '../../shared/schemas/hardware';
import type { ModelFigures, ModelSpec } from '../../shared/schemas/model';
import type { MemoryCalibration, OptimizerKind, PlanDevice } from '../../shared/schemas/plan';
import { MEMORY_MODEL, OPTIMIZER_RULES, STEP_MEMORY_VERSION, WEIGHT_AND_GRAD_BYTES } from './constants';

/** m(b) = fixedBytes + perImageBytes x b, and where the line came from. */
export interface MemoryLine {
  fixedBytes: number;
  perImageBytes: number;
  source: 'estimate' | 'calibration';
  /** The calibration used, when one was. */
  calibration: MemoryCalibration | null;
}

/**
 * The `device` string of a MemoryCalibration key for a plan device: 'cpu', or 'gpu:<model>'
 * (memory use depends on the card type, not on its index). The calibration probe must build
 * its keys with this function so the planner finds them.
 */
export function calibrationDeviceKey(device: Pick<PlanDevice, 'kind' | 'name'>): string {
  return device.kind === 'cpu' ? 'cpu' : `gpu:${device.name}`;
}

/**
 * Estimates the memory line of one training step from the model's own figures: weights,
 * gradients and optimizer state per parameter, norm buffers, a backend overhead, and per image
 * the activations times the backend's backward factor plus the float32 input (constants.ts).
 */
export function estimateMemoryLine(figures: ModelFigures, optimizer: OptimizerKind, backend: BackendId): MemoryLine {
  const mm = MEMORY_MODEL[backend];
  const perParam = WEIGHT_AND_GRAD_BYTES + OPTIMIZER_RULES[optimizer].stateBytesPerParam + mm.extraBytesPerParam;
  // Whole bytes keep predicted <= budget exact when the plan is serialised.
  const fixedBytes = Math.ceil(figures.params * perParam + figures.buffers * 4 + mm.overheadBytes);
  const inputBytes = figures.spec.imgsz * figures.spec.imgsz * 3 * 4;
  const perImageBytes = Math.ceil(figures.activationBytesPerImage * mm.backwardFactor + inputBytes);
  return { fixedBytes, perImageBytes, source: 'estimate', calibration: null };
}

/**
 * The calibration for this network, backend and device, if one was measured by this version of
 * the training step (`engine`, default {@link STEP_MEMORY_VERSION}). A calibration
 * measured with another optimizer is used with its fixed part corrected by the difference in
 * optimizer state (parameters x bytes), which is exact: the state is plain float32 per weight.
 */
export function findCalibration(
  calibrations: readonly MemoryCalibration[],
  spec: ModelSpec,
  backend: BackendId,
  deviceKey: string,
  optimizer: OptimizerKind,
  params: number,
  engine: number = STEP_MEMORY_VERSION,
): MemoryLine | null {
  const matches = calibrations.filter(
    (c) =>
      c.key.scale === spec.scale &&
      c.key.imgsz === spec.imgsz &&
      c.key.norm === spec.norm &&
      c.key.backend === backend &&
      c.key.device === deviceKey &&
      c.key.engine === engine,
  );
  if (matches.length === 0) return null;
  // Prefer one measured with the same optimizer, then the newest.
  matches.sort((a, b) => Number(b.key.optimizer === optimizer) - Number(a.key.optimizer === optimizer) || b.measuredAt.localeCompare(a.measuredAt));
  const c = matches[0]!;
  const delta = c.key.optimizer && c.key.optimizer !== optimizer ? params * (OPTIMIZER_RULES[optimizer].stateBytesPerParam - OPTIMIZER_RULES[c.key.optimizer].stateBytesPerParam) : 0;
  return { fixedBytes: Math.max(0, Math.ceil(c.fixedBytes + delta)), perImageBytes: Math.ceil(c.perImageBytes), source: 'calibration', calibration: c };
}

/** Predicted bytes of a step at per-device batch b. */
export function predictBytes(line: Pick<MemoryLine, 'fixedBytes' | 'perImageBytes'>, batch: number): number {
  return line.fixedBytes + line.perImageBytes * batch;
}

/** The largest per-device batch whose predicted memory stays within the budget (0: none fits). */
export function maxBatchWithin(line: Pick<MemoryLine, 'fixedBytes' | 'perImageBytes'>, budgetBytes: number): number {
  let b = Math.max(0, Math.floor((budgetBytes - line.fixedBytes) / line.perImageBytes));
  // Guard against the division rounding up across an integer.
  while (b > 0 && predictBytes(line, b) > budgetBytes) b--;
  return b;
}
