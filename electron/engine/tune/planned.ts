/**
 * The plan a tune starts from: the dataset's split as training makes it and the plan for this
 * machine (stored memory calibrations used; none measured here), on the backend that runs.
 */
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { BackendId } from '../../shared/schemas/hardware';
import type { ImageRecord } from '../../shared/schemas/dataset';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import type { ModelScale } from '../../shared/schemas/model';
import type { TrainingPlan } from '../../shared/schemas/plan';
import { initBackend, resolveThreads, type BackendReport } from '../backend/index';
import { elementwiseKernelsEnabled } from '../backend/simd-kernels';
import { importDataset } from '../data/import/index';
import { splitDataset } from '../data/split';
import { probeHardware } from '../hardware/index';
import { stepMemoryVersion } from '../plan/constants';
import { planTraining } from '../plan/plan';
import { defaultCalibrationFile, readCalibrations } from '../train/calibrations';
import { alignProfileToBackend } from '../train/index';

/** What {@link planForTune} needs. */
export interface TunePlanInput {
  datasetPath: string;
  model: { scale: ModelScale; imgsz: number };
  epochs: number;
  overrides?: UserOverrides;
  backend?: BackendId;
  maxTrainImages?: number;
  maxValImages?: number;
}

/** The backend, the split and the plan of a tune. */
export interface TunePlan {
  backend: BackendReport;
  classNames: string[];
  train: ImageRecord[];
  val: ImageRecord[];
  plan: TrainingPlan;
}

/** Initialises the backend, imports and splits the dataset (seed 0, as training does) and plans the run. */
export async function planForTune(input: TunePlanInput): Promise<TunePlan> {
  const envThreads = process.env.KESTREL_WASM_THREADS;
  const backend = await initBackend({ ...(input.backend ? { force: input.backend } : {}), threads: envThreads ? resolveThreads(envThreads) : 'auto' });
  const ds = splitDataset(await importDataset(input.datasetPath), { seed: 0 });
  const train = input.maxTrainImages ? ds.splits.train.slice(0, input.maxTrainImages) : ds.splits.train;
  const val = input.maxValImages ? ds.splits.val.slice(0, input.maxValImages) : ds.splits.val;
  if (train.length === 0) throw new KestrelError('TUNE_NO_TRAIN_IMAGES', reason('TUNE_NO_TRAIN_IMAGES').message);
  const hw = alignProfileToBackend(await probeHardware(), backend);
  const calibrations = await readCalibrations(defaultCalibrationFile()).catch(() => []);
  const plan = planTraining(
    hw,
    { scale: input.model.scale, imgsz: input.model.imgsz, numClasses: ds.classNames.length },
    { trainImages: train.length },
    { ...input.overrides, epochs: input.epochs },
    { calibrations, stepMemoryVersion: stepMemoryVersion(elementwiseKernelsEnabled()) },
  );
  return { backend, classNames: ds.classNames, train, val, plan };
}
