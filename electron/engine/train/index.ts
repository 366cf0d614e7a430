// train(): plans a run (measuring memory when needed), then runs sessions of the training loop,
// recovering in-process from out-of-memory errors and NaN streaks, and writes the results.
import * as tf from '@tensorflow/tfjs-core';
import '../tf-gradients';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KestrelError, toErrorInfo } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { EvaluationResult } from '../../shared/schemas/evaluation';
import type { BatchLayout, TrainingEvent } from '../../shared/schemas/events';
import type { BackendAvailability, BackendId, HardwareProfile } from '../../shared/schemas/hardware';
import { TrainingPlanSchema, type MemoryCalibration, type TrainingPlan } from '../../shared/schemas/plan';
import { TrainConfigSchema, type TrainConfig, type TrainConfigInput } from '../../shared/schemas/train-config';
import { adapterName, BACKEND_ORDER, initBackend, parseBackendId, resolveThreads, toOutOfMemory, type BackendReport } from '../backend/index';
import { importDataset } from '../data/import/index';
import { saveSplit, splitDataset } from '../data/split';
import type { SampleRecord } from '../data/tiles';
import { tileGrid } from '../predict/tiles';
import { cutTrainTiles, planTrainSplit } from '../plan/tiles';
import { probeHardware } from '../hardware/index';
import { describeModel } from '../model/describe';
import { calibrationDeviceKey, estimateMemoryLine } from '../plan/memory';
import { planTraining, type PlanOptions } from '../plan/plan';
import { comparePlanWithAccepted, planChangeCause } from './accepted-plan';
import { fineTuneStart, pretrainedReasons, transferReasons } from '../model/transfer';
import { findPretrained } from '../model/pretrained';
import { newRunStart, pretrainedPlanOption } from '../model/pretrained-start';
import { resolveParentRun, type ParentRun } from '../runs/parent';
import { hasCheckpoint, loadTrainCheckpoint, readCheckpointPosition } from '../runs/checkpoint';
import { writeJsonAtomic } from '../runs/atomic';
import { runPaths, trimMetricsRows, type RunPaths } from '../runs/run-dir';
import { cleanRunTemp } from '../runs/cleanup';
import { rethrowFsError } from '../runs/fs-errors';
import { acquireRunLock, type RunLockHandle } from '../runs/lock';
import { datasetGoneError, datasetPresent } from './skipped';
import { defaultCalibrationFile, storedCalibrations, storeCalibration } from './calibrations';
import { createEventSink, type EventSink } from './events';
import { processConfig, splitConfig, writeRunConfigOnce } from './run-config';
import { resolveFaults } from './faults';
import { defaultValEvery } from './fitness';
import { fitMemoryLine, probeBatches } from './memory-probe';
import { runMemoryProbe } from './probe-child';
import { initialState, type SessionContext, type SessionOutcome, type SessionStart, type StepRecord } from './context';
import type { HostBackend, StepHost } from './session-step';
import { chooseStepHost, type ForcedBackend } from './host-choice';
import { decideInProcessOom, decideNanRecovery } from './recovery';
import { runSession } from './session';
import { NAN_STREAK_LIMIT, NanStreak } from './update';

export type { StepRecord } from './context';
export type { HostBackend, SessionStep, SessionStepFactory, SessionStepInput, StepHost, TrainWeights } from './session-step';
export { startingDetector } from './session-step';
export { chooseStepHost, decideStepHost, stepHostChoiceKey, type ForcedBackend, type StepHostChoice } from './host-choice';
export { readRunConfig } from './run-config';
export { fitness, validationDue } from './fitness';

/** Callbacks of a training run. */
export interface TrainOptions {
  /** Aborting saves a checkpoint at the next optimizer-step boundary and ends the run ('stopped'). */
  signal?: AbortSignal;
  /** Every event of the run, in order (batch-end for every micro-batch; sinks thin them). */
  onEvent?: (event: TrainingEvent) => void;
  /** After every optimizer update: the hyper-parameters it used (tests and benchmarks). */
  onStep?: (step: StepRecord) => void;
  /**
   * A host that may run the training steps instead of this process (the app's hidden WebGPU
   * renderer, electron/worker/host-step.ts): used when its backend is forced or its timed step
   * beats this process's (host-choice.ts; cached as the ladder's choice is), and the plan is then
   * made for its backend; otherwise the steps run here and the host is not used.
   */
  stepHost?: StepHost;
}

/** What a finished run reports (also written to results.json). */
export interface TrainResult {
  status: 'completed' | 'stopped' | 'early-stopped';
  runDir: string;
  epochsRun: number;
  /** Optimizer steps done (the schedule position), over the whole run. */
  steps: number;
  best: { epoch: number; fitness: number; map50: number; map50_95: number } | null;
  /** Evaluation of the best weights (null without validation images or before any validation). */
  evaluation: EvaluationResult | null;
  plan: TrainingPlan;
  layout: BatchLayout;
  recoveries: number;
  timings: { totalMs: number; trainMs: number; valMs: number };
  /** Training images per second in this process (loading and augmentation included, validation not). */
  imagesPerSec: number;
  /** Peak bytes measured on the first training step, and the plan's prediction at that batch. */
  memory: { predictedBytes: number; measuredPeakBytes: number | null };
}

/**
 * The hardware profile as the running backend sees it, so the plan is made for the backend that
 * actually trains (the one place the plan's backend follows the ladder's): backends better than
 * the one that initialised here (forced, or failing their self-test) are marked unavailable, and
 * the one that trains is available with its limits and, for webgpu, the adapter it trains on.
 * That adapter counts as a training adapter even when it is a software one: the ladder passes
 * software adapters over unless webgpu was forced, so one that trains was forced (`--backend
 * webgpu`, KESTREL_BACKEND=webgpu), and the plan must say webgpu, not the CPU backend below it.
 */
export function alignProfileToBackend(hw: HardwareProfile, report: Pick<BackendReport, 'id' | 'passedOver' | 'memoryLimitBytes' | 'reason' | 'adapter'>): HardwareProfile {
  const rank = (id: BackendId) => BACKEND_ORDER.indexOf(id);
  const trained = (b: BackendAvailability): BackendAvailability => {
    const out: BackendAvailability = { ...b, available: true, reason: report.reason };
    if (report.memoryLimitBytes !== undefined) out.memoryLimitBytes = report.memoryLimitBytes;
    if (report.id === 'webgpu' && report.adapter) {
      const a = report.adapter;
      out.adapter = { name: adapterName(a), vendor: a.vendor, software: false, maxBufferSize: a.maxBufferSize, maxStorageBufferBindingSize: a.maxStorageBufferBindingSize };
    }
    return out;
  };
  const backends = hw.backends.map((b) => {
    if (b.id === report.id) return trained(b);
    if (rank(b.id) < rank(report.id)) {
      const why = report.passedOver.find((p) => p.id === b.id)?.reason ?? reason('BACKEND_NOT_TRIED', { backend: b.id, forced: report.id });
      return { ...b, available: false, reason: why };
    }
    return b;
  });
  if (!backends.some((b) => b.id === report.id)) backends.push(trained({ id: report.id, available: true, reason: report.reason }));
  return { ...hw, backends };
}

const mib = (b: number) => Math.round(b / 2 ** 20);

/**
 * TRAIN_BATCH_TOO_LARGE when the plan predicts more memory than the budget (a forced --batch
 * above what fits, e.g. `--imgsz 1280 --batch 512`), naming the largest batch that fits; null
 * when it fits. Pure: a batch that cannot fit is refused before it is tried, never crashed into.
 */
export function batchTooLarge(plan: TrainingPlan): KestrelError | null {
  const { predictedBytes, budgetBytes, maxBatch } = plan.memory;
  if (!(predictedBytes > budgetBytes)) return null;
  const params = {
    batch: plan.perDeviceBatch,
    imgsz: plan.modelSpec.imgsz,
    neededMiB: mib(predictedBytes),
    budgetMiB: mib(budgetBytes),
    device: plan.device.name,
    fits: maxBatch >= 1 ? `batch ${maxBatch}` : 'none at this input size',
  };
  return new KestrelError('TRAIN_BATCH_TOO_LARGE', reason('TRAIN_BATCH_TOO_LARGE', params).message, params);
}

/**
 * Plans the run, measuring memory first when no calibration matches (in a child process, so a
 * probe that runs out of memory kills only itself), then re-planning with the measurement.
 */
async function planWithCalibration(
  cfg: TrainConfig,
  hw: HardwareProfile,
  numClasses: number,
  trainImages: number,
  origin: Pick<PlanOptions, 'fineTune' | 'pretrained'>,
  tiling: PlanOptions['tiling'] | undefined,
  onStepHost: boolean,
): Promise<{ plan: TrainingPlan; notes: Reason[]; probe: Record<string, unknown> | null }> {
  const model = { scale: cfg.model.scale, imgsz: cfg.model.imgsz, numClasses };
  const ft: Pick<PlanOptions, 'fineTune' | 'pretrained' | 'tiling'> = { ...origin, ...(tiling ? { tiling } : {}) };
  const overrides = { ...cfg.overrides, epochs: cfg.epochs };
  const file = cfg.calibrationFile ?? defaultCalibrationFile();
  // The element-wise kernels (on unless KESTREL_SIMD_KERNELS=0) change the step's memory; the probe child inherits the switch.
  const stored = await storedCalibrations(file);
  let calibrations: MemoryCalibration[] = cfg.calibrate === 'off' ? [] : stored.calibrations;
  const engine = stored.stepMemoryVersion;
  let plan = planTraining(hw, model, { trainImages }, overrides, { calibrations, stepMemoryVersion: engine, ...ft });
  const notes: Reason[] = [];
  // A forced batch the estimate already puts over the budget is refused before the probe tries it.
  const tooLarge = batchTooLarge(plan);
  if (tooLarge) throw tooLarge;
  const needProbe = cfg.calibrate === 'force' || (cfg.calibrate === 'auto' && plan.memory.source === 'estimate');
  // The probe child measures a backend in a training process: not a step host's.
  if (needProbe && onStepHost) return { plan, notes: [reason('GPU_HOST_NOT_CALIBRATED')], probe: null };
  if (!needProbe) {
    if (plan.memory.source === 'calibration') {
      notes.push(
        reason('TRAIN_MEMORY_CALIBRATION_USED', {
          measuredAt: plan.memory.calibratedAt ?? 'earlier',
          fixedMiB: mib(plan.memory.fixedBytes),
          perImageMiB: Number((plan.memory.perImageBytes / 2 ** 20).toFixed(1)),
        }),
      );
    }
    return { plan, notes, probe: null };
  }
  const spec = plan.modelSpec;
  const batches = probeBatches(plan.perDeviceBatch);
  const est = estimateMemoryLine(describeModel(spec), plan.optimizer, plan.backend);
  try {
    const points = await runMemoryProbe({ spec, optimizer: plan.optimizer, backend: plan.backend, batches, steps: 1 }, { timeoutMs: 300_000 });
    const line = fitMemoryLine(points);
    const cal: MemoryCalibration = {
      key: {
        scale: spec.scale,
        imgsz: spec.imgsz,
        norm: spec.norm,
        backend: plan.backend,
        device: calibrationDeviceKey(plan.device),
        optimizer: plan.optimizer,
        engine,
      },
      fixedBytes: line.fixedBytes,
      perImageBytes: line.perImageBytes,
      measuredAt: new Date().toISOString(),
      points,
    };
    calibrations = await storeCalibration(file, cal).catch(() => [...calibrations, cal]);
    const before = plan;
    plan = planTraining(hw, model, { trainImages }, overrides, { calibrations, stepMemoryVersion: engine, ...ft });
    notes.push(
      reason('TRAIN_MEMORY_CALIBRATED', {
        steps: points.length,
        batches: batches.join(', '),
        fixedMiB: mib(line.fixedBytes),
        perImageMiB: Number((line.perImageBytes / 2 ** 20).toFixed(1)),
        estFixedMiB: mib(est.fixedBytes),
        estPerImageMiB: Number((est.perImageBytes / 2 ** 20).toFixed(1)),
      }),
    );
    return {
      plan,
      notes,
      probe: { points, fitted: line, estimate: { fixedBytes: est.fixedBytes, perImageBytes: est.perImageBytes }, batchBefore: before.perDeviceBatch, batchAfter: plan.perDeviceBatch },
    };
  } catch (err) {
    notes.push(reason('TRAIN_MEMORY_PROBE_FAILED', { detail: err instanceof Error ? err.message : String(err) }));
    return { plan, notes, probe: null };
  }
}

/** Loads the dataset with the run's saved split (made and saved on the first start). */
async function loadData(cfg: TrainConfig, paths: RunPaths) {
  const imported = await importDataset(cfg.datasetPath);
  const ds = splitDataset(imported, { seed: 0, savedSplitFile: paths.split });
  if (ds.hasOwnValSplit || imported.splits.val.length > 0) {
    // The source names its split: record it too, so the run folder says what it trained on.
    saveSplit(paths.split, ds);
  }
  if (ds.splits.train.length === 0) throw new KestrelError('TRAIN_NO_TRAIN_IMAGES', reason('TRAIN_NO_TRAIN_IMAGES').message);
  return ds;
}

/**
 * Trains a detector as planned for this machine, writing the run folder (plan.json, config.json,
 * split.json, metrics.csv, events.jsonl, weights/last and weights/best, results.json), and
 * recovering from faults: an out-of-memory error restarts from the last checkpoint with the
 * per-device batch halved and the accumulation doubled (same effective batch and LR); a streak
 * of non-finite losses restarts it with a lower LR. With `config.resume` it continues the run
 * in `config.runDir` from its last checkpoint (weights, optimizer, EMA, schedule position, data
 * position, split). Runs in-process; the training process (electron/worker/trainer-entry.ts)
 * calls it the same way.
 */
export async function train(input: TrainConfigInput, opts: TrainOptions = {}): Promise<TrainResult> {
  const t0 = Date.now();
  let cfg = TrainConfigSchema.parse(input);
  const paths = runPaths(cfg.runDir);
  await mkdir(paths.weights, { recursive: true }).catch((err: unknown) => rethrowFsError(err, { path: paths.dir, op: 'mkdir' }));
  // One writer per run: a second one stops here, before it writes anything into the run folder.
  let lock: RunLockHandle;
  try {
    lock = await acquireRunLock(paths.dir);
  } catch (err) {
    const info = toErrorInfo(err);
    opts.onEvent?.({ type: 'error', t: Date.now(), error: { code: info.code, message: info.message }, resumable: false });
    throw err;
  }
  const sink: EventSink = createEventSink(paths.events, opts.onEvent);
  try {
    if (lock.notice) sink.emit({ type: 'warning', t: Date.now(), reason: lock.notice });
    const cleaned = await cleanRunTemp(paths.dir);
    if (cleaned.length > 0) sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_TEMP_CLEANED', { count: cleaned.length, names: cleaned.slice(0, 5).join(', ') }) });
    if (cfg.resume) {
      // The run continues as configured; only how this process runs (faults, workers, backend, layout) may differ.
      cfg = await processConfig(paths.dir, splitConfig(input).process);
      if (!(await hasCheckpoint(paths.last))) {
        // Killed before its first checkpoint: the run starts again from epoch 0 with its saved config.
        sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_RESUME_FROM_START', { runDir: paths.dir }) });
        cfg = { ...cfg, resume: false };
      }
    } else {
      // Faults and a forced layout belong to this process, not to the run: a resume must not inherit them.
      await writeRunConfigOnce(cfg);
    }
    const result = await runTraining(cfg, paths, sink, opts, t0);
    sink.emit({
      type: 'train-end',
      t: Date.now(),
      status: result.status,
      epochsRun: result.epochsRun,
      best: result.best ? { epoch: result.best.epoch, map50: result.best.map50, map50_95: result.best.map50_95 } : null,
      runDir: paths.dir,
      durationMs: result.timings.totalMs,
    });
    await sink.flush();
    return result;
  } catch (err) {
    const info = toErrorInfo(err);
    sink.emit({ type: 'error', t: Date.now(), error: { code: info.code, message: info.message }, resumable: await hasCheckpoint(paths.last) });
    await sink.flush().catch(() => undefined);
    throw err;
  } finally {
    await lock.release();
  }
}

/** The backend forced for this run: its own setting, else KESTREL_BACKEND (BACKEND_UNKNOWN when that is not one). */
export function forcedBackend(cfg: Pick<TrainConfig, 'backend'>, env: NodeJS.ProcessEnv = process.env): ForcedBackend | null {
  if (cfg.backend) return { id: cfg.backend, by: 'BACKEND_FORCED_OPTION' };
  const id = parseBackendId(env.KESTREL_BACKEND);
  return id ? { id, by: 'BACKEND_FORCED_ENV' } : null;
}

/**
 * What the plan says of a backend chosen by a timed step (the ladder's here, or the step host's
 * choice): why it trains and why the other does not, with both figures. Nothing otherwise. Pure.
 */
export function measuredChoiceReasons(b: Pick<HostBackend, 'reason' | 'passedOver' | 'measured'>): Reason[] {
  if (!b.measured) return [];
  return [b.reason, ...b.passedOver.filter((p) => p.reason.code === 'BACKEND_MEASURED_SLOWER').map((p) => p.reason)];
}

async function runTraining(cfg: TrainConfig, paths: RunPaths, sink: EventSink, opts: TrainOptions, t0: number): Promise<TrainResult> {
  const envThreads = process.env.KESTREL_WASM_THREADS;
  // This process's backend: the loader's, validation's, and the steps' unless a step host runs
  // them. With a step host offered, webgpu is the host's (Dawn does not load here).
  const local = await initBackend({
    ...(cfg.backend ? { force: cfg.backend } : {}),
    threads: envThreads ? resolveThreads(envThreads) : cfg.threads,
    ...(opts.stepHost ? { skipWebgpu: true } : {}),
  });
  // The backend the steps run on, which the plan is made for: a step host's when it is forced or
  // measured faster than this process (host-choice.ts), else this process's.
  let backend: HostBackend = local;
  let stepHost: StepHost | undefined;
  let backendNotes: Reason[] = measuredChoiceReasons(local);
  if (opts.stepHost) {
    const choice = await chooseStepHost(opts.stepHost, local, { forced: forcedBackend(cfg) });
    backend = choice.backend;
    backendNotes = choice.notes;
    // Not chosen: nothing was made on the host (its timed step frees its own model); its port is left alone.
    if (choice.use === 'host') stepHost = opts.stepHost;
  }
  const ds = await loadData(cfg, paths);
  const trainImages = cfg.maxTrainImages ? ds.splits.train.slice(0, cfg.maxTrainImages) : ds.splits.train;
  const val = cfg.maxValImages ? ds.splits.val.slice(0, cfg.maxValImages) : ds.splits.val;
  if (val.length === 0) sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_NO_VAL_IMAGES') });

  // A fine-tune's parent: read (and fully checked) once, only when a fresh start needs it.
  let parent: ParentRun | null = null;
  const parentRun = async (): Promise<ParentRun | null> => {
    if (cfg.from === undefined) return null;
    parent ??= await resolveParentRun(cfg.from, dirname(paths.dir), { scale: cfg.model.scale });
    return parent;
  };
  // A new run's start: Kestrel's pretrained weights or random ones (a fine-tune starts from its parent).
  // The app's Plan step decides it with the same helper (app/engine.ts), so both plan the same start.
  const newStart = cfg.from === undefined && !cfg.resume ? await newRunStart(cfg.start, cfg.model.scale) : null;
  const pretrained = newStart?.pretrained ?? null;

  let plan: TrainingPlan;
  let planPayload: Record<string, unknown>;
  // Figures that differ from the plan the engineer accepted in the Plan step, each with its reason.
  let changed: Reason[] = [];
  // Training on tiles: the samples are tiles of the training images (a resume re-cuts them
  // from its plan's tiles, the same seeded choice); validation stays on whole images.
  let train: SampleRecord[] = trainImages;
  if (cfg.resume) {
    plan = TrainingPlanSchema.parse(JSON.parse(await readFile(paths.plan, 'utf8')));
    planPayload = { ...plan, resumed: true };
    if (plan.tiles) train = cutTrainTiles(trainImages, plan.tiles, cfg.seed).samples;
  } else {
    const hw = alignProfileToBackend(await probeHardware(), backend);
    const p = await parentRun();
    const fineTune = p ? { parentRun: p.name, parentNorm: p.spec.norm } : undefined;
    // The one tiling decision (the app's Plan step makes the same: app/engine.ts).
    const split = planTrainSplit(trainImages, cfg.tiles, cfg.model.imgsz, cfg.seed);
    train = split.samples;
    const tiling = split.tiling;
    const origin = fineTune ? { fineTune } : pretrainedPlanOption(newStart);
    const planned = await planWithCalibration(cfg, hw, ds.classNames.length, train.length, origin, tiling, stepHost !== undefined);
    // Never tried: a batch the (measured) memory line says cannot fit ends here, with what would.
    const tooLarge = batchTooLarge(planned.plan);
    if (tooLarge) throw tooLarge;
    plan = { ...planned.plan, reasons: [...planned.plan.reasons, ...backendNotes, ...planned.notes] };
    planPayload = { ...plan, memoryProbe: planned.probe };
    await writeJsonAtomic(paths.plan, plan);
    if (cfg.accepted) changed = comparePlanWithAccepted(cfg.accepted, plan, planChangeCause(plan, planned.probe !== null));
  }
  sink.emit({ type: 'plan', t: Date.now(), plan: planPayload });
  for (const r of changed) sink.emit({ type: 'warning', t: Date.now(), reason: r });

  // Tiled validation runs every tile of an image and the image itself: that is its cost.
  const tilesPlan = plan.tiles;
  const valViews = tilesPlan ? val.reduce((n, r) => n + tileGrid(r.width, r.height, tilesPlan.size, tilesPlan.overlap).length + 1, 0) : val.length;
  const valEvery = cfg.valEvery ?? defaultValEvery(train.length, valViews, plan.epochs);
  if (valEvery > 1) sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_VAL_EVERY', { every: valEvery, valImages: val.length }) });
  const ctx: SessionContext = {
    cfg,
    paths,
    plan,
    classNames: ds.classNames,
    train,
    val,
    valEvery,
    sink,
    faults: resolveFaults(cfg.faults),
    backend: backend.id,
    device: plan.device.name,
    signal: opts.signal,
    onStep: opts.onStep,
    hostStep: stepHost?.open,
    started: false,
    resumed: cfg.resume,
    trainMs: 0,
    valMs: 0,
    imagesThisProcess: 0,
    bestEvaluation: null,
    measuredPeakBytes: null,
    nanFired: new Set(),
    transferReported: false,
    skippedFiles: new Set(),
  };

  // The weights a run without a checkpoint starts from: a fine-tune's parent, or the pretrained
  // weights its plan names (a resume before the first checkpoint finds them again), or none.
  let pretrainedParent: ParentRun | null = null;
  const startWeights = async (): Promise<StartWeights | null> => {
    if (cfg.from !== undefined) {
      const p = await parentRun();
      return p && { parent: p, pretrained: false };
    }
    if (plan.pretrained === undefined) return null;
    const found = pretrained ?? (await findPretrained(cfg.model.scale));
    if (!found) throw new KestrelError('PRETRAINED_MISSING', reason('PRETRAINED_MISSING', { scale: cfg.model.scale }).message, { scale: cfg.model.scale });
    pretrainedParent ??= { ...(await resolveParentRun(found.dir, dirname(paths.dir), { scale: cfg.model.scale })), name: found.info.name };
    return { parent: pretrainedParent, pretrained: true };
  };

  let layoutOverride: BatchLayout | null = cfg.layout ?? null;
  let lrFactorOverride: number | null = null;
  let useCheckpoint = cfg.resume;
  let recoveries = 0;
  let nanRecoveries = 0;
  for (;;) {
    const start = useCheckpoint && (await hasCheckpoint(paths.last)) ? await loadStart(paths.last) : await firstStart(ctx, await startWeights());
    // metrics.csv holds the epochs before the one this session starts at, no more.
    const dropped = await trimMetricsRows(paths.metrics, start.state.epoch);
    if (dropped > 0) sink.emit({ type: 'warning', t: Date.now(), reason: reason('TRAIN_METRICS_TRIMMED', { dropped, epoch: start.state.epoch + 1 }) });
    if (layoutOverride) rebaseLayout(start, layoutOverride);
    if (lrFactorOverride !== null) start.state.lrFactor = lrFactorOverride;
    try {
      const out = await runSession(ctx, start);
      return await finish(cfg, paths, ctx, out, recoveries, t0);
    } catch (thrown) {
      // The wasm heap running out shows as a plain RuntimeError ("Aborted(OOM)", "Cannot enlarge
      // memory") wherever it happens (update, validation, the network's set-up): the same recovery.
      const err = toOutOfMemory(thrown);
      const isOom = err instanceof KestrelError && err.code === 'OUT_OF_MEMORY';
      if (!isOom && !(err instanceof NanStreak)) {
        // A read that failed because the dataset went away ends the run with that said plainly.
        if (!(err instanceof KestrelError && err.code === 'TRAIN_DATASET_GONE') && !(await datasetPresent(cfg.datasetPath))) {
          throw datasetGoneError(cfg.datasetPath, paths.dir, err instanceof Error ? err.message.slice(0, 200) : String(err));
        }
        throw err;
      }
      const position = await readCheckpointPosition(paths.last);
      const resumeEpoch = position?.epoch ?? 0;
      if (isOom) {
        const from = { ...start.state.layout };
        const detail = String((err as KestrelError).details?.['detail'] ?? (err as KestrelError).message);
        const d = decideInProcessOom(from, detail);
        if (!d.to) throw new KestrelError(d.code, d.reason.message, { detail });
        layoutOverride = d.to;
        ctx.measuredPeakBytes = null;
        sink.emit({ type: 'recovered', t: Date.now(), kind: 'oom', reason: d.reason, from, to: d.to, resumeEpoch });
      } else {
        const d = decideNanRecovery(nanRecoveries, lrFactorOverride ?? start.state.lrFactor);
        if (d.lrFactor === null) throw new KestrelError(d.code, d.reason.message);
        nanRecoveries++;
        lrFactorOverride = d.lrFactor;
        const params = { count: NAN_STREAK_LIMIT, resumeStep: position?.step ?? 0, factor: d.lrFactor };
        sink.emit({ type: 'recovered', t: Date.now(), kind: 'nan', reason: reason('TRAIN_NAN_RECOVERED', params), resumeEpoch });
      }
      useCheckpoint = true;
      recoveries++;
    } finally {
      disposeStart(start);
    }
  }
}

/** Weights a new run starts from: a fine-tune's parent, or Kestrel's pretrained weights (named as such). */
interface StartWeights {
  parent: ParentRun;
  pretrained: boolean;
}

function freshStart(plan: TrainingPlan, seed: number): SessionStart {
  return { state: initialState(plan, seed), raw: null, ema: null, optimizer: null };
}

/**
 * Where a run without a checkpoint starts: fresh weights, or for a fine-tune the fresh network
 * with the parent's weights carried in (network and EMA alike). The transfer report goes to
 * transfer.json and its sentences to the events as warnings, once per process.
 */
async function firstStart(ctx: SessionContext, from: StartWeights | null): Promise<SessionStart> {
  const start = freshStart(ctx.plan, ctx.cfg.seed);
  if (!from) return start;
  const parent = from.parent;
  const ft = fineTuneStart(parent.weights, ctx.plan.modelSpec, ctx.classNames, ctx.cfg.seed);
  if (!ctx.transferReported) {
    ctx.transferReported = true;
    await writeJsonAtomic(ctx.paths.transfer, {
      ...(from.pretrained ? { pretrained: parent.name } : {}),
      parentRun: parent.name,
      parentRunDir: parent.runDir,
      weights: parent.weightsDir,
      which: parent.which,
      parentEpoch: parent.epoch,
      parentClassNames: parent.classNames,
      classNames: ctx.classNames,
      report: ft.report,
    });
    const said = from.pretrained ? pretrainedReasons(ft.report, parent.name, ctx.classNames.length) : transferReasons(ft.report, parent.name, parent.which);
    for (const r of said) ctx.sink.emit({ type: 'warning', t: Date.now(), reason: r });
  }
  return { ...start, raw: ft.raw, ema: ft.ema };
}

async function loadStart(dir: string): Promise<SessionStart> {
  const c = await loadTrainCheckpoint(dir);
  return { state: c.state, raw: c.raw, ema: c.ema, optimizer: c.optimizer };
}

function disposeStart(s: SessionStart): void {
  if (s.raw) tf.dispose([...s.raw.values()]);
  if (s.ema) tf.dispose([...s.ema.values()]);
  if (s.optimizer) tf.dispose(Object.values(s.optimizer));
}

/**
 * Moves a checkpoint's position to a new micro-batch layout: the images already done in the
 * epoch stay done (a halved batch doubles the batch index, and accumulation groups still
 * start at the same images).
 */
export function rebaseLayout(start: SessionStart, to: BatchLayout): void {
  const from = start.state.layout;
  const images = start.state.batchInEpoch * from.perDeviceBatch;
  start.state.batchInEpoch = Math.floor(images / to.perDeviceBatch);
  start.state.layout = { ...to };
}

async function finish(
  cfg: TrainConfig,
  paths: RunPaths,
  ctx: SessionContext,
  out: SessionOutcome,
  recoveries: number,
  t0: number,
): Promise<TrainResult> {
  const st = out.state;
  let evaluation = ctx.bestEvaluation;
  if (!evaluation) {
    // The best epoch was before a resume (possibly in a process that died): its evaluation
    // was saved beside the best weights.
    try {
      evaluation = JSON.parse(await readFile(`${paths.best}/evaluation.json`, 'utf8')) as EvaluationResult;
    } catch {
      evaluation = null;
    }
  }
  const best = st.best ? { epoch: st.best.epoch, fitness: st.best.fitness, map50: st.best.metrics.map50, map50_95: st.best.metrics.map50_95 } : null;
  const plan = ctx.plan;
  const result: TrainResult = {
    status: out.status,
    runDir: paths.dir,
    epochsRun: st.epoch,
    steps: st.step,
    best,
    evaluation,
    plan,
    layout: st.layout,
    recoveries,
    timings: { totalMs: Date.now() - t0, trainMs: ctx.trainMs, valMs: ctx.valMs },
    imagesPerSec: ctx.trainMs > 0 ? (ctx.imagesThisProcess * 1000) / ctx.trainMs : 0,
    memory: { predictedBytes: plan.memory.fixedBytes + plan.memory.perImageBytes * st.layout.perDeviceBatch, measuredPeakBytes: ctx.measuredPeakBytes },
  };
  const { plan: _omit, ...rest } = result;
  await writeJsonAtomic(paths.results, {
    ...rest,
    config: { datasetPath: cfg.datasetPath, model: cfg.model, epochs: cfg.epochs, seed: cfg.seed },
    final: out.lastMetrics,
    perClass: evaluation?.perClass.map((c) => ({ name: c.name, ap50: c.ap50, ap50_95: c.ap50_95 })) ?? [],
  });
  return result;
}
