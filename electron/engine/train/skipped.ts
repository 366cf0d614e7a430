/**
 * Images the loaders skipped, as the run's events say them: one warning per file per process,
 * with the dataset check's own code and sentence (DS_IMAGE_TRUNCATED, ...). When the
 * dataset itself has gone (a drive unplugged, the folder moved), that is no skipped image:
 * the run ends with TRAIN_DATASET_GONE and keeps its last checkpoint for a resume.
 */
import { stat } from 'node:fs/promises';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { SkippedImage } from '../data/batch';
import type { SessionContext } from './context';

/** The coded error of a dataset that cannot be read any more. */
export function datasetGoneError(datasetPath: string, runDir: string, detail: string): KestrelError {
  const params = { path: datasetPath, runDir, detail };
  return new KestrelError('TRAIN_DATASET_GONE', reason('TRAIN_DATASET_GONE', params).message, params);
}

/** Whether the dataset's path (folder, data.yaml or COCO file) is still there. */
export async function datasetPresent(datasetPath: string): Promise<boolean> {
  return stat(datasetPath).then(() => true, () => false);
}

/** Warns once per newly skipped file; throws TRAIN_DATASET_GONE when the dataset itself is gone. */
export async function reportSkipped(ctx: Pick<SessionContext, 'cfg' | 'paths' | 'sink' | 'skippedFiles'>, list: readonly SkippedImage[]): Promise<void> {
  const fresh = list.filter((s) => !ctx.skippedFiles.has(s.file));
  if (fresh.length === 0) return;
  if (!(await datasetPresent(ctx.cfg.datasetPath))) throw datasetGoneError(ctx.cfg.datasetPath, ctx.paths.dir, `${ctx.cfg.datasetPath} is missing`);
  for (const s of fresh) {
    ctx.skippedFiles.add(s.file);
    // The check's own code and sentence, with the file named in front (the check lists files beside its codes).
    const r = reason(s.code, { file: s.file, reason: s.reason, kind: s.reason });
    ctx.sink.emit({ type: 'warning', t: Date.now(), reason: { ...r, message: `${s.file}: ${r.message}` } });
  }
}
