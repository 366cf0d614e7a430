// The engine as the app handlers see it: each engine module loaded on first use; the dataset check in a worker thread.
import { startModuleWorker } from '../engine/worker-thread';
import { KestrelError, type ErrorInfo } from '../shared/errors';
import type { Dataset, DatasetSummary } from '../shared/schemas/dataset';
import type { HardwareProfile } from '../shared/schemas/hardware';
import type { ModelSpec } from '../shared/schemas/model';
import type { DatasetReport } from '../shared/schemas/dataset-report';
import type { FineTunePlanInput } from '../shared/schemas/finetune';
import type { ModelScale } from '../shared/schemas/model';
import type { MemoryCalibration, PlanOverrides, TrainingPlan } from '../shared/schemas/plan';
import { TrainConfigSchema, type StartMode } from '../shared/schemas/train-config';
import type { PretrainedShipped } from '../shared/schemas/ipc/plan';
import type { TrainTilesMode } from '../shared/schemas/user-choice';

/** The planner's options the app passes: a fine-tune's parent run, the dataset's records, the tiling and the start asked for. */
export interface AppPlanOptions {
  fineTune?: FineTunePlanInput;
  /**
   * Kestrel's pretrained weights the new run starts from (their name and image count: the plan's
   * `pretrained` and its first reason), as {@link EnginePort.newRunStart} decided; absent: random weights.
   */
  pretrained?: PretrainedShipped;
  /**
   * The imported dataset: with it the plan counts the training samples as the training process
   * does (its split of a dataset without a val split, then tiles of large images, with the
   * tiling's reasons); without it, the summary's training images, whole.
   */
  dataset?: Dataset;
  /** Tiling as the run will ask for it (plan:create's `tiles`, which train:start puts in the run's config; default 'auto'). */
  tiles?: TrainTilesMode;
  /** The stored memory calibrations to plan with (default: the trainer's file, KESTREL_CALIBRATIONS or ~/.kestrel/calibrations.json). */
  calibrationFile?: string;
}

/** An earlier run checked as a fine-tune's starting point (its weights read and verified). */
export interface AppParentRun {
  /** The run's name, recorded in the plan as parentRun. */
  name: string;
  /** The weights folder the new run starts from (its config.json `from`). */
  weightsDir: string;
  /** The normalisation of its network (the planner carries norm statistics only when equal). */
  norm: ModelSpec['norm'];
}

/** A checked dataset: the report, and the dataset and summary the check imported (the samples and the plan reuse them). */
export interface CheckedDataset {
  report: DatasetReport;
  dataset: Dataset;
  summary: DatasetSummary;
}

/** What the check's worker thread (./check-worker.ts) is started with ... */
export interface CheckThreadRequest {
  path: string;
  imgsz?: number;
}
/** ... and what it posts back. */
export type CheckThreadReply = { ok: true; checked: CheckedDataset } | { ok: false; error: ErrorInfo };

/**
 * The engine functions the app handlers call. An interface (rather than direct imports in
 * every handler) so that each engine module loads only when first used: a machine where one
 * part fails to load (say tfjs bindings) still runs the rest of the app.
 */
export interface EnginePort {
  probeHardware(): Promise<HardwareProfile>;
  importDataset(path: string): Promise<Dataset>;
  /** Checks a dataset (every image decoded: off the calling thread) and returns it with its report. */
  checkDataset(path: string, opts: { imgsz?: number }): Promise<CheckedDataset>;
  summarizeDataset(ds: Dataset): Promise<DatasetSummary>;
  generateDemoDataset(dir: string): Promise<unknown>;
  planTraining(hw: HardwareProfile, model: Pick<ModelSpec, 'scale' | 'imgsz' | 'numClasses'>, summary: DatasetSummary, overrides: PlanOverrides, options?: AppPlanOptions): Promise<TrainingPlan>;
  /** Finds and checks an earlier run to fine-tune from (FINETUNE_* errors when it cannot be used). */
  resolveParent(dirOrName: string, runsDir: string, scale: ModelScale): Promise<AppParentRun>;
  /**
   * A new run's start as the training process decides it (engine/model/pretrained-start.ts, one
   * helper for both): the pretrained weights that ship for the scale (null: none) and those the
   * run starts from under `mode` (null: random weights). PRETRAINED_MISSING when 'pretrained' is
   * asked for and none ship.
   */
  newRunStart(mode: StartMode, scale: ModelScale): Promise<{ shipped: PretrainedShipped | null; pretrained: PretrainedShipped | null }>;
  /** The plan's LR schedule sampled for a chart (about `points` optimizer steps). */
  lrCurve(plan: TrainingPlan, points: number): Promise<{ step: number[]; lr: number[] }>;
}

/** APP_ENGINE_MISSING for one engine module, with why it could not be loaded. */
function engineMissing(what: string, detail: string): KestrelError {
  return new KestrelError('APP_ENGINE_MISSING', `Kestrel's ${what} module could not be loaded (${detail}). Reinstall Kestrel.`);
}

async function load<T>(what: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    throw engineMissing(what, (err as Error).message);
  }
}

/** The real engine, loaded module by module on first use. */
export const realEngine: EnginePort = {
  async probeHardware() {
    const m = await load('hardware', () => import('../engine/hardware/index'));
    return m.probeHardware();
  },
  async importDataset(path) {
    const m = await load('dataset', () => import('../engine/data/import/index'));
    return m.importDataset(path);
  },
  checkDataset(path, opts) {
    return checkInThread({ path, ...(opts.imgsz === undefined ? {} : { imgsz: opts.imgsz }) });
  },
  async summarizeDataset(ds) {
    const m = await load('dataset', () => import('../engine/data/summary'));
    return m.summarizeDataset(ds);
  },
  async generateDemoDataset(dir) {
    const m = await load('dataset', () => import('../engine/data/demo/index'));
    return m.generateDemoDataset(dir);
  },
  async planTraining(hw, model, summary, overrides, options = {}) {
    const m = await load('planner', () => import('../engine/plan/index'));
    // What the Plan step shows is what trains: the same stored calibrations and step version as
    // the training process (engine/train/index.ts), so a calibrated machine gets no "plan changed".
    const stored = await storedCalibrations(options.calibrationFile);
    // ... and the same training samples: its split, and the one tiling decision (planTrainSplit).
    const split = options.dataset ? await trainSplitOf(options.dataset, model.imgsz, options.tiles) : null;
    const counted = split ? { ...summary, trainImages: split.trainImages } : summary;
    // ... and the same start (a fine-tune's parent or the pretrained weights newRunStart chose).
    const origin = options.fineTune ? { fineTune: options.fineTune } : options.pretrained ? { pretrained: options.pretrained } : {};
    return m.planTraining(hw, model, counted, overrides, { ...stored, ...origin, ...(split ? { tiling: split.tiling } : {}) });
  },
  async newRunStart(mode, scale) {
    const m = await load('model', () => import('../engine/model/pretrained-start'));
    const start = await m.newRunStart(mode, scale);
    const named = (w: typeof start.shipped): PretrainedShipped | null => w && { name: w.info.name, images: w.info.images };
    return { shipped: named(start.shipped), pretrained: named(start.pretrained) };
  },
  async resolveParent(dirOrName, runsDir, scale) {
    const m = await load('runs', () => import('../engine/runs/parent'));
    const p = await m.resolveParentRun(dirOrName, runsDir, { scale });
    return { name: p.name, weightsDir: p.weightsDir, norm: p.spec.norm };
  },
  async lrCurve(plan, points) {
    const m = await load('planner', () => import('../engine/plan/index'));
    const samples = m.sampleSchedule(plan.schedule, points);
    return { step: samples.map((p) => p.step), lr: samples.map((p) => p.lr) };
  },
};

/** The split seed of a run's first start (engine/train/index.ts loadData: no split.json yet). */
const TRAINER_SPLIT_SEED = 0;

/**
 * The training split of a dataset as a new run the app starts will train on it: split as the
 * training process splits it, then tiled or not by planTrainSplit with the tiling the Plan step
 * asks for (the `tiles` train:start writes into the run's config) and the default seed (the
 * app's Start sets none). The sample count and the planner's tiling input.
 */
async function trainSplitOf(ds: Dataset, imgsz: number, tiles: TrainTilesMode | undefined) {
  const [split, plan] = await Promise.all([load('dataset', () => import('../engine/data/split')), load('planner', () => import('../engine/plan/tiles'))]);
  const train = split.splitDataset(ds, { seed: TRAINER_SPLIT_SEED }).splits.train;
  const mode = tiles ?? TrainConfigSchema.shape.tiles.parse(undefined);
  const out = plan.planTrainSplit(train, mode, imgsz, TrainConfigSchema.shape.seed.parse(undefined));
  return { trainImages: out.samples.length, tiling: out.tiling };
}

/**
 * The memory calibrations the training process plans with, read the way it reads them: this
 * machine's stored file (a missing or damaged one reads as none) and the memory version of the
 * training step that will run (the opt-in element-wise kernels hold less per image).
 */
export async function storedCalibrations(file?: string): Promise<{ calibrations: MemoryCalibration[]; stepMemoryVersion: number }> {
  const cal = await load('planner', () => import('../engine/train/calibrations'));
  return cal.storedCalibrations(file);
}

/**
 * Runs the dataset check in a worker thread (./check-worker.ts): decoding every image takes
 * seconds to minutes, and on Electron's main thread it would freeze the window. The thread's
 * coded errors come back as the same KestrelError.
 */
function checkInThread(req: CheckThreadRequest): Promise<CheckedDataset> {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = startModuleWorker(import.meta.url, 'check-worker', req);
    } catch (err) {
      reject(engineMissing('dataset', (err as Error).message));
      return;
    }
    let settled = false;
    worker.once('message', (reply: CheckThreadReply) => {
      settled = true;
      if (reply.ok) resolve(reply.checked);
      else reject(new KestrelError(reply.error.code, reply.error.message, reply.error.details));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(engineMissing('dataset', err.message));
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(engineMissing('dataset', `the check's thread ended without an answer, exit code ${code}`));
    });
  });
}
