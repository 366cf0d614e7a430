// The stored memory calibrations (~/.kestrel/calibrations.json): read them, and add a measured one.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MemoryCalibrationSchema, type MemoryCalibration } from '../../shared/schemas/plan';
import { elementwiseKernelsEnabled } from '../backend/simd-kernels';
import { stepMemoryVersion } from '../plan/constants';
import { writeJsonAtomic } from '../runs/atomic';

/**
 * Measured memory lines, one file per user (~/.kestrel/calibrations.json by default), keyed by
 * (scale, input size, norm, backend, device, optimizer): measured once, reused by every plan.
 */

const FileSchema = z.object({ version: z.literal(1), calibrations: z.array(z.unknown()) });

/** The default calibrations file (KESTREL_CALIBRATIONS overrides it). */
export function defaultCalibrationFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.KESTREL_CALIBRATIONS ?? join(homedir(), '.kestrel', 'calibrations.json');
}

/** The calibrations in `file`; a missing or damaged file (or entry) reads as none, since they can be measured again. */
export async function readCalibrations(file: string): Promise<MemoryCalibration[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) return [];
  return parsed.data.calibrations.flatMap((c) => {
    const ok = MemoryCalibrationSchema.safeParse(c);
    return ok.success ? [ok.data] : [];
  });
}

/**
 * What every plan of this machine is made with, read the way the training process reads it:
 * the stored calibrations (`file`, default {@link defaultCalibrationFile}; a missing or damaged
 * one reads as none) and the memory version of the training step that will run (the opt-in
 * element-wise kernels hold less per image, so a measurement of one must not plan the other).
 * The trainer, the app's Plan step and `kestrel plan` all plan with this.
 */
export async function storedCalibrations(file: string = defaultCalibrationFile()): Promise<{ calibrations: MemoryCalibration[]; stepMemoryVersion: number }> {
  return { calibrations: await readCalibrations(file), stepMemoryVersion: stepMemoryVersion(elementwiseKernelsEnabled()) };
}

const sameKey = (a: MemoryCalibration['key'], b: MemoryCalibration['key']): boolean =>
  a.scale === b.scale && a.imgsz === b.imgsz && a.norm === b.norm && a.backend === b.backend && a.device === b.device && a.optimizer === b.optimizer;

/** Adds (or replaces the one with the same key) a calibration, written atomically. */
export async function storeCalibration(file: string, cal: MemoryCalibration): Promise<MemoryCalibration[]> {
  const all = (await readCalibrations(file)).filter((c) => !sameKey(c.key, cal.key));
  all.push(cal);
  await writeJsonAtomic(file, { version: 1, calibrations: all });
  return all;
}
