/**
 * Reading and writing a run's `thresholds.json` (schema: electron/shared/schemas/thresholds.ts).
 * A run without the file uses the defaults; a damaged file is a coded error, never a silent default.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { defaultThresholds, ThresholdsSchema, type Thresholds } from '../../shared/schemas/thresholds';
import { writeJsonAtomic } from '../runs/atomic';

/** The file's name inside a run folder. */
export const THRESHOLDS_FILE = 'thresholds.json';

/** The run's saved thresholds, or the defaults for `classNames` when none were saved. */
export async function loadThresholds(runDir: string, classNames: readonly string[]): Promise<Thresholds> {
  const file = join(runDir, THRESHOLDS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultThresholds(classNames);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = ThresholdsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new KestrelError('THRESHOLDS_INVALID', reason('THRESHOLDS_INVALID', { file }).message, { file });
  }
  return parsed.data;
}

/** Saves thresholds atomically into the run folder. */
export async function saveThresholds(runDir: string, t: Thresholds): Promise<void> {
  await writeJsonAtomic(join(runDir, THRESHOLDS_FILE), ThresholdsSchema.parse(t));
}
