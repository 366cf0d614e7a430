/**
 * The one set of run defaults (issue 15): the model scale, epochs and the input size used when
 * nothing recommends one, read by `kestrel train`, `kestrel plan` and the app alike so the CLI
 * and the app plan the same run from the same dataset.
 */
import type { ModelScale } from './schemas/model';

/** Model scale of a run when none is chosen. */
export const DEFAULT_SCALE: ModelScale = 'n';

/** Epochs of a run when none are chosen. */
export const DEFAULT_EPOCHS = 100;

/**
 * Input size when there is no dataset to recommend one from (`kestrel plan` without --data, the
 * app before a dataset is checked). With a dataset, the recommendation (engine/plan/recommend.ts)
 * decides.
 */
export const FALLBACK_IMGSZ = 320;

/** Epochs without improvement before a run stops early, when not chosen. */
export const DEFAULT_PATIENCE = 50;

/** Where the CLI puts runs when --out is not given (relative to the working folder). */
export const DEFAULT_RUNS_DIR = 'runs';
