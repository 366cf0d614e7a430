// The dataset check: import with every image decoded, and the report of what is wrong.
import type { Dataset } from '../../../shared/schemas/dataset';
import type { DatasetReport } from '../../../shared/schemas/dataset-report';
import { importDatasetDetailed } from '../import/index';
import { buildReport } from './report';

/** Options of checkDataset. */
export interface CheckOptions {
  /** Planned network input size, for the small-object check (default 640). */
  imgsz?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Input size assumed when the caller has not planned one yet. */
export const DEFAULT_CHECK_IMGSZ = 640;

/**
 * Checks a dataset thoroughly and reports what is wrong, for `kestrel dataset check` and the
 * app. Unlike importDataset it decodes every image (to find truncated files) and hashes it
 * (to find duplicates). Throws KestrelError only when nothing usable remains (the codes of
 * importDataset); every other finding is a problem in the report.
 */
export async function checkDataset(path: string, opts: CheckOptions = {}): Promise<DatasetReport> {
  return (await checkDatasetDetailed(path, opts)).report;
}

/**
 * checkDataset with the dataset it imported on the way (every image decoded): the app keeps it
 * for the samples and the plan, so one check imports the dataset once.
 */
export async function checkDatasetDetailed(path: string, opts: CheckOptions = {}): Promise<{ report: DatasetReport; dataset: Dataset }> {
  const { dataset, extras } = await importDatasetDetailed(path, { probe: 'full', signal: opts.signal, onProgress: opts.onProgress });
  return { report: buildReport(dataset, { found: extras.totalImages, skipped: extras.skippedImages, imgsz: opts.imgsz ?? DEFAULT_CHECK_IMGSZ }), dataset };
}
