/**
 * The limits of every setting a user can type: CLI flags and the app's IPC payloads both take
 * their bounds from this one table (electron/cli/options.ts builds the flag parser from it,
 * the IPC schemas use `limitInt`/`limitNumber`), so `--batch 100000` and a renderer sending
 * batch 100000 are refused the same way, before anything starts.
 */
import { z } from 'zod';

/** Bounds of one numeric setting; `int` settings are whole numbers, `step` a required multiple. */
export interface Limit {
  min: number;
  max: number;
  int: boolean;
  /** The minimum itself is excluded (a learning rate of 0 is not a learning rate). */
  minExclusive?: boolean;
  step?: number;
  /** What it is, for messages ("per-device batch"). */
  label: string;
}

/**
 * Every numeric setting's bounds. The maxima are far beyond anything that trains well on the
 * machines Kestrel runs on; they exist so absurd values are refused with a sentence instead of
 * crashing the backend (`--imgsz 1280 --batch 4096`) or hanging (`--workers 1000`).
 */
export const LIMITS = {
  imgsz: { min: 64, max: 1280, int: true, step: 32, label: 'input size in pixels' },
  batch: { min: 1, max: 512, int: true, label: 'per-device batch' },
  accumulation: { min: 1, max: 256, int: true, label: 'gradient accumulation steps' },
  effectiveBatch: { min: 1, max: 4096, int: true, label: 'effective batch' },
  epochs: { min: 1, max: 10000, int: true, label: 'number of epochs' },
  lr: { min: 0, max: 1, int: false, minExclusive: true, label: 'learning rate' },
  memoryFraction: { min: 0, max: 1, int: false, minExclusive: true, label: 'share of free memory' },
  warmupEpochs: { min: 0, max: 100, int: false, label: 'warmup in epochs' },
  weightDecay: { min: 0, max: 1, int: false, label: 'weight decay' },
  devices: { min: 1, max: 16, int: true, label: 'number of devices' },
  workers: { min: 0, max: 16, int: true, label: 'data loader threads' },
  classes: { min: 1, max: 1000, int: true, label: 'number of classes' },
  trainImages: { min: 1, max: 10_000_000, int: true, label: 'number of training images' },
  patience: { min: 1, max: 10000, int: true, label: 'patience in epochs' },
  seed: { min: 0, max: 2 ** 31 - 1, int: true, label: 'seed' },
  /** Side of a training tile in source pixels (`--tiles SIZE`, the Plan step's tile size). */
  tileSize: { min: 32, max: 8192, int: true, label: 'tile size in pixels' },
} as const satisfies Record<string, Limit>;

/** A setting of the table. */
export type LimitName = keyof typeof LIMITS;

/** Why a value is outside its limit, or null when it is inside. Pure; used by CLI and IPC. */
export function checkLimit(name: LimitName, value: number): 'not-number' | 'not-int' | 'range' | 'step' | null {
  const l: Limit = LIMITS[name];
  if (!Number.isFinite(value)) return 'not-number';
  if (l.int && !Number.isInteger(value)) return 'not-int';
  if (value > l.max || value < l.min || (l.minExclusive === true && value === l.min)) return 'range';
  if (l.step !== undefined && value % l.step !== 0) return 'step';
  return null;
}

/** The largest effective batch (batch x accumulation x devices) any setting may produce. */
export const MAX_EFFECTIVE_BATCH = LIMITS.effectiveBatch.max;

/** A zod number schema with the bounds of one setting (for IPC payloads). */
export function limitNumber(name: LimitName): z.ZodNumber {
  const l: Limit = LIMITS[name];
  let s = z.number();
  if (l.int) s = s.int();
  s = l.minExclusive === true ? s.gt(l.min) : s.min(l.min);
  s = s.max(l.max);
  if (l.step !== undefined) s = s.multipleOf(l.step);
  return s;
}
