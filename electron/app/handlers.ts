/**
 * The handler of every IPC channel: plain async functions over the engine, no Electron types.
 * Main is the trust boundary: paths the renderer sends must lie under what the user picked in
 * main's dialogs (./access.ts), run names follow the one run-name rule, disk faults come back
 * as coded FS_* errors.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { ensureWritableFolder } from '../engine/runs/fs-errors';
import { assertRunName } from '../engine/runs/names';
import { KestrelError } from '../shared/errors';
import { messages } from '../shared/messages/index';
import { reason } from '../shared/reason';
import type { Handlers, ParsedReq, Res } from '../shared/ipc-contract';
import type { Dataset, DatasetSummary, ImageRecord } from '../shared/schemas/dataset';
import { EvaluationResultSchema } from '../shared/schemas/evaluation';
import type { HardwareProfile } from '../shared/schemas/hardware';
import { ResultsResponseSchema, ValPredictionsFileSchema, type GalleryItem } from '../shared/schemas/ipc/results';
import { TrainConfigSchema } from '../shared/schemas/train-config';
import type { EnginePort } from './engine';
import { accessError, assertPathShape, checkOpenPath, isFsRoot, PathGrants } from './access';
import type { AppHost } from './host';
import { exportRunModel } from './model-export';
import { recommendModel } from './recommend';
import { planSpeed } from './speed';
import { readMetricsCsv } from './metrics-csv';
import { labelsAddImage, labelsGet, labelsSave } from './labels';
import { listRuns, newRunId, openRun, readJob, RUN_FILES, runDirOf, summarizeRun } from './runs';
import { classNamesOf, saveDropped, saveRunThresholds, suggestFor, thresholdsOf, tryModel } from './predict';
import { buildReport, saveConfusionPlot, savePlots, saveReport, valImagesAsShown, type ReportExtras } from './report';
import { readRunMeta, trashRun, writeRunMeta } from './run-admin';
import type { RunMeta, RunSummary } from '../shared/schemas/ipc/runs';
import type { SettingsStore } from './settings';
import type { TrainingSupervisor } from './supervisor';
import { makeThumb, scaleBox } from './thumbs';
import { LrFindService, lrFindHandlers } from './tune';
import { confidenceSweep, matchImage } from '../shared/match';

/** Everything the handlers work with; built once by main (or by the test bridge). */
export interface AppContext {
  engine: EnginePort;
  host: AppHost;
  settings: SettingsStore;
  supervisor: TrainingSupervisor;
  /** The dataset locations the user picked in main's dialogs (made by createHandlers when absent). */
  grants?: PathGrants;
  /** The Plan step's LR range test (made by createHandlers, on Node's fork, when absent). */
  lrFind?: LrFindService;
}

/** Points of the LR chart. */
const LR_POINTS = 200;
/** Images shown in the results gallery. */
const GALLERY_SIZE = 48;

/** The start a plan:create or train:start request asks for: its `start`, else the run config's default. */
function startModeOf(req: { start?: ParsedReq<'plan:create'>['start'] }) {
  return req.start ?? TrainConfigSchema.shape.start.parse(undefined);
}

/** A run summary with the engineer's name and note. */
function withMeta(r: RunSummary, meta: RunMeta): RunSummary {
  return { ...r, ...(meta.title ? { title: meta.title } : {}), ...(meta.note ? { note: meta.note } : {}) };
}
/** Confidence the gallery ranks misses and false alarms at (the display threshold). */
const DISPLAY_CONF = 0.25;
/** Confidences of the slider: 0.05 to 0.95 in steps of 0.05. */
const SWEEP_CONFS = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** The runs folder: the setting (chosen in main's dialog), or `<user data>/runs`. */
export function runsDirOf(ctx: AppContext): string {
  return ctx.settings.get().runsDir ?? join(ctx.host.userDataDir, 'runs');
}

/** A dialog title in the app's language. */
function dialogTitle(ctx: AppContext, code: string): string {
  return messages[ctx.settings.get().locale][code] ?? messages.en[code] ?? code;
}

/** The demo dataset's folder, inside the user-data folder. */
export function demoDirOf(ctx: AppContext): string {
  return join(ctx.host.userDataDir, 'demo-dataset');
}

/** A dataset as the handlers keep it: the import and its summary, and the path's mtime when it was read. */
interface CachedDataset {
  mtimeMs: number;
  p: Promise<{ ds: Dataset; summary: DatasetSummary }>;
}

/** Datasets kept at once (the engineer switches between a few). */
const DATASET_CACHE_SIZE = 4;

/** The modification time of a dataset path, or NaN when it cannot be read (the import then says why). */
async function mtimeOf(path: string): Promise<number> {
  return stat(path).then(
    (st) => st.mtimeMs,
    () => Number.NaN,
  );
}

/**
 * Builds the handler of every channel. A dataset is imported once per path and modification
 * time: the check's import (every image decoded, in a worker thread) serves the samples, the
 * plan and the start too; the hardware profile is probed once per start.
 */
export function createHandlers(ctx: AppContext): Handlers {
  let hardware: Promise<HardwareProfile> | null = null;
  const grants = (ctx.grants ??= new PathGrants());
  const lrFind = (ctx.lrFind ??= new LrFindService());
  /** Main's own dataset locations: the demo set and the datasets it recorded as recent. */
  const ownDatasets = () => [demoDirOf(ctx), ...ctx.settings.get().recentProjects.map((r) => r.path)];
  /** Refuses a dataset path the user did not pick in main's dialog (APP_DATASET_NOT_PICKED). */
  const picked = (path: string): string => {
    assertPathShape(path);
    if (!grants.allows(path, ownDatasets())) throw accessError('APP_DATASET_NOT_PICKED', path);
    return path;
  };
  /** The folder of an existing run, or APP_RUN_NOT_FOUND. */
  const existingRun = async (runId: string): Promise<string> => {
    const runsDir = runsDirOf(ctx);
    const dir = runDirOf(runsDir, runId);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new KestrelError('APP_RUN_NOT_FOUND', `There is no run "${runId}" in ${runsDir}. Refresh the list of runs.`, { runId });
    return dir;
  };
  /** The folder of an existing run that saved a model (weights/best or /last), or APP_RUN_NOT_FOUND / APP_NO_WEIGHTS. */
  const runWithWeights = async (runId: string): Promise<string> => {
    const runDir = await existingRun(runId);
    const hasWeights = await Promise.all([RUN_FILES.best, RUN_FILES.last].map((f) => stat(join(runDir, f)).then(() => true, () => false)));
    if (!hasWeights.includes(true)) throw new KestrelError('APP_NO_WEIGHTS', `Run "${runId}" has no saved model yet. Train at least one epoch first.`, { runId });
    return runDir;
  };
  const datasets = new Map<string, CachedDataset>();
  /** Keeps an import for a path (dropped again when it fails), evicting the oldest beyond the cache size. */
  const remember = (path: string, entry: CachedDataset) => {
    datasets.delete(path);
    entry.p.catch(() => {
      if (datasets.get(path) === entry) datasets.delete(path);
    });
    if (datasets.size >= DATASET_CACHE_SIZE) datasets.delete(datasets.keys().next().value as string);
    datasets.set(path, entry);
  };

  const probe = (refresh: boolean): Promise<HardwareProfile> => {
    if (!hardware || refresh) {
      hardware = ctx.engine.probeHardware();
      hardware.catch(() => (hardware = null));
    }
    return hardware;
  };
  /** The dataset at `path`: the cached import while the path's mtime is unchanged, else a new one. */
  const dataset = async (path: string): Promise<{ ds: Dataset; summary: DatasetSummary }> => {
    const mtimeMs = await mtimeOf(path);
    const cached = datasets.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.p;
    const p = (async () => {
      const ds = await ctx.engine.importDataset(path);
      return { ds, summary: await ctx.engine.summarizeDataset(ds) };
    })();
    remember(path, { mtimeMs, p });
    return p;
  };

  const handlers: Handlers = {
    ...lrFindHandlers({ service: lrFind, userDataDir: ctx.host.userDataDir, picked, trainingRunId: () => ctx.supervisor.activeRunId }),
    async 'app:info'() {
      return { version: ctx.host.version, platform: process.platform, runsDir: runsDirOf(ctx), userDataDir: ctx.host.userDataDir };
    },
    async 'hardware:probe'(req) {
      return probe(req.refresh);
    },
    async 'dataset:check'(req) {
      picked(req.path);
      // Always checked afresh (the engineer may have fixed files since); its import replaces the cached one.
      const mtimeMs = await mtimeOf(req.path);
      const checked = ctx.engine.checkDataset(req.path, req.imgsz === undefined ? {} : { imgsz: req.imgsz });
      remember(req.path, { mtimeMs, p: checked.then(({ dataset, summary }) => ({ ds: dataset, summary })) });
      const { report } = await checked;
      await ctx.settings.addRecent(req.path);
      return report;
    },
    async 'dataset:samples'(req) {
      const { ds } = await dataset(picked(req.path));
      // Round-robin over classes, so the first page shows every class (NEU-DET lists them class by class).
      const images = interleaveByClass(ds.splits[req.split]);
      const page = images.slice(req.offset, req.offset + req.limit);
      const samples = await Promise.all(page.map((img) => sampleOf(ds, img, req.split, req.size)));
      return { classNames: ds.classNames, total: images.length, samples: samples.filter((s) => s !== null) };
    },
    async 'dataset:demo'() {
      const dir = demoDirOf(ctx);
      const ready = await stat(join(dir, 'data.yaml')).then(
        () => true,
        () => false,
      );
      if (!ready) await ctx.engine.generateDemoDataset(dir);
      return { path: dir };
    },
    async 'plan:create'(req) {
      const path = picked(req.datasetPath);
      const [hw, { ds, summary }] = await Promise.all([probe(false), dataset(path)]);
      const recommendation = recommendModel(hw, summary);
      const spec = { scale: req.model.scale, imgsz: req.model.imgsz, numClasses: Math.max(1, summary.classNames.length) };
      // A fine-tune is planned as one (lower LR, short warmup, its reasons); a parent that cannot be used says so now (FINETUNE_*).
      const runsDir = runsDirOf(ctx);
      const parent = req.from !== undefined ? await ctx.engine.resolveParent(runDirOf(runsDir, req.from), runsDir, req.model.scale) : null;
      // A new run starts where the training process will start it (the one decision: Start passes the same `start`);
      // asking for pretrained weights that do not ship is PRETRAINED_MISSING here as there.
      const start = parent ? null : await ctx.engine.newRunStart(startModeOf(req), req.model.scale);
      // The dataset's records: the plan counts the samples that will train (split, then tiles as chosen: Start passes the same `tiles`).
      const plan = await ctx.engine.planTraining(hw, spec, summary, req.overrides, {
        dataset: ds,
        ...(req.tiles !== undefined ? { tiles: req.tiles } : {}),
        ...(parent ? { fineTune: { parentRun: parent.name, parentNorm: parent.norm } } : {}),
        ...(start?.pretrained ? { pretrained: start.pretrained } : {}),
      });
      const lrCurve = await ctx.engine.lrCurve(plan, LR_POINTS);
      const speed = await planSpeed(runsDirOf(ctx), plan, hw);
      return { plan, lrCurve, summary, recommendation, speed, ...(start ? { pretrainedShipped: start.shipped } : {}) };
    },
    async 'train:start'(req) {
      if (lrFind.running) throw new KestrelError('APP_LR_FIND_BUSY', reason('APP_LR_FIND_BUSY').message);
      const runId = req.name !== undefined ? assertRunName(req.name) : newRunId(req.model.scale, req.model.imgsz);
      await dataset(picked(req.datasetPath)); // Fail here, with the dataset's own message, not in the child.
      const runsDir = runsDirOf(ctx);
      const runDir = runDirOf(runsDir, runId);
      if (await stat(runDir).then(() => true, () => false)) {
        throw new KestrelError('APP_RUN_EXISTS', reason('APP_RUN_EXISTS', { name: runId }).message, { runId });
      }
      // A read-only, full or file-shaped runs folder is said now, with its code, not by the child.
      await ensureWritableFolder(runsDir);
      // A fine-tune's parent is found and checked now (FINETUNE_* errors), before any run folder exists.
      const parent = req.from !== undefined ? await ctx.engine.resolveParent(runDirOf(runsDir, req.from), runsDir, req.model.scale) : null;
      // So are pretrained weights that do not ship (PRETRAINED_MISSING), as plan:create said them.
      if (!parent) await ctx.engine.newRunStart(startModeOf(req), req.model.scale);
      await ctx.settings.set({ lastModel: req.model });
      // The tiling and the start the Plan step planned with go into the run's config: the trainer tiles and starts as the plan showed.
      await ctx.supervisor.start(runId, {
        runDir,
        datasetPath: req.datasetPath,
        model: req.model,
        epochs: req.epochs,
        overrides: req.overrides,
        ...(req.tiles !== undefined ? { tiles: req.tiles } : {}),
        ...(req.start !== undefined && !parent ? { start: req.start } : {}),
        resume: false,
        ...(parent ? { from: parent.weightsDir } : {}),
        ...(req.accepted ? { accepted: req.accepted } : {}),
      });
      return { runId, runDir };
    },
    async 'train:resume'(req) {
      const runDir = runDirOf(runsDirOf(ctx), req.runId);
      const job = await readJob(runDir);
      const hasLast = await stat(join(runDir, RUN_FILES.last)).then(() => true, () => false);
      if (!job || !hasLast) throw new KestrelError('APP_RUN_NOT_RESUMABLE', `Run "${req.runId}" has no checkpoint to resume from. Start a new run.`);
      await ctx.supervisor.start(req.runId, { ...job, runDir, resume: true });
      return { runId: req.runId, runDir };
    },
    async 'train:stop'(req) {
      return { stopping: ctx.supervisor.stop(req.runId) };
    },
    async 'train:status'() {
      return { active: ctx.supervisor.status() };
    },
    async 'runs:list'() {
      const runsDir = runsDirOf(ctx);
      const runs = await listRuns(runsDir, ctx.supervisor.activeRunId);
      return { runsDir, runs: await Promise.all(runs.map(async (r) => withMeta(r, await readRunMeta(r.dir)))) };
    },
    async 'runs:open'(req) {
      const detail = await openRun(runsDirOf(ctx), req.runId, ctx.supervisor.activeRunId);
      return { ...detail, metrics: await readMetricsCsv(detail.summary.dir) };
    },
    async 'results:get'(req) {
      const runDir = await existingRun(req.runId);
      const [res, run, meta] = await Promise.all([readResults(runDir, req.runId), summarizeRun(runsDirOf(ctx), req.runId, ctx.supervisor.activeRunId), readRunMeta(runDir)]);
      const thresholds = await thresholdsOf(runDir, res.classNames).catch(() => undefined);
      return { ...res, run: withMeta(run, meta), ...(thresholds ? { thresholds } : {}) };
    },
    async 'model:export'(req) {
      const runDir = await runWithWeights(req.runId);
      // The destination comes from main's dialog, never from the renderer's payload.
      const dest = await ctx.host.openFolderDialog({ title: dialogTitle(ctx, 'APP_DIALOG_EXPORT_TITLE') });
      if (dest === null) return { path: null, files: [] };
      const exported = await exportRunModel(runDir, req.runId, assertPathShape(dest));
      grants.grant(exported.path); // The engineer picked it: "Open" may show it in the file manager.
      return exported;
    },
    async 'dialog:openFolder'(req) {
      const path = await ctx.host.openFolderDialog(req);
      if (path !== null) grants.grant(path); // The user picked it: it may now be checked and opened.
      return { path };
    },
    async 'dialog:openFile'(req) {
      const path = await ctx.host.openFileDialog(req);
      if (path !== null) grants.grant(path);
      return { path };
    },
    async 'settings:get'() {
      return ctx.settings.get();
    },
    async 'settings:set'(req) {
      return ctx.settings.set(req);
    },
    async 'settings:chooseRunsDir'(req) {
      if (req.reset) return ctx.settings.setRunsDir(null);
      const dir = await ctx.host.openFolderDialog({ title: dialogTitle(ctx, 'APP_DIALOG_RUNS_DIR_TITLE') });
      if (dir === null) return ctx.settings.get();
      assertPathShape(dir);
      if (isFsRoot(dir)) throw accessError('APP_RUNS_DIR_INVALID', dir);
      await ensureWritableFolder(dir);
      return ctx.settings.setRunsDir(resolve(dir));
    },
    async 'shell:openPath'(req: ParsedReq<'shell:openPath'>) {
      // Only run folders and the datasets the user picked; never a program; links followed.
      const real = await checkOpenPath(req.path, [runsDirOf(ctx), ...grants.list(), ...ownDatasets()]);
      await ctx.host.openPath(real);
      return { ok: true as const };
    },
    'labels:get': (req) => labelsGet(ctx, req),
    'labels:save': (req) => labelsSave(ctx, req),
    'labels:addImage': (req) => labelsAddImage(ctx, req),
    async 'thresholds:suggest'(req) {
      return { suggestions: await suggestFor(await existingRun(req.runId), req.recallTarget) };
    },
    async 'thresholds:save'(req) {
      return saveRunThresholds(await existingRun(req.runId), req.thresholds);
    },
    async 'predict:try'(req) {
      const runDir = await runWithWeights(req.runId);
      // The images come from main's dialog, never from the renderer's payload.
      const source =
        req.kind === 'folder'
          ? await ctx.host.openFolderDialog({ title: dialogTitle(ctx, 'APP_DIALOG_TRY_FOLDER_TITLE') })
          : await ctx.host.openFileDialog({ title: dialogTitle(ctx, 'APP_DIALOG_TRY_FILE_TITLE'), filters: [{ name: 'Images', extensions: ['jpg', 'jpeg', 'png', 'bmp', 'tif', 'tiff', 'webp'] }] });
      if (source === null) return { source: null, outDir: null, classNames: [], images: [], more: 0, skipped: [], summary: { images: 0, ng: 0, ok: 0, imagesPerSecond: 0 } };
      // The engineer picked it: its images may be opened for review and added to a dataset.
      grants.grant(assertPathShape(source));
      return tryModel(runDir, source);
    },
    async 'predict:tryFiles'(req) {
      const runDir = await runWithWeights(req.runId);
      return tryModel(runDir, await saveDropped(runDir, req.files));
    },
    async 'report:save'(req) {
      const runDir = await existingRun(req.runId);
      const settings = ctx.settings.get();
      const classNames = await classNamesOf(runDir);
      const [thresholds, meta, job, hw] = await Promise.all([thresholdsOf(runDir, classNames), readRunMeta(runDir), readJob(runDir), probe(false).catch(() => null)]);
      let datasetInfo: ReportExtras['dataset'] = null;
      if (job) {
        const d = await dataset(job.datasetPath).catch(() => null);
        if (d) datasetInfo = { path: job.datasetPath, classNames: d.summary.classNames, trainImages: d.summary.trainImages, valImages: d.summary.valImages, problems: d.ds.problems.map((p) => ({ code: p.code, message: p.message, file: p.file })) };
      }
      // The confusion matrix as a heat map in plots/, counted at the same thresholds as the report and the Results view.
      await saveConfusionPlot(runDir, thresholds, settings.locale);
      const html = await buildReport(runDir, req.runId, settings.locale, thresholds, {
        title: meta.title,
        note: meta.note,
        dataset: datasetInfo,
        hardware: hw ? { cpu: hw.cpu.model, gpus: hw.gpus.map((g) => g.model), ramBytes: null } : null,
      });
      return { path: await saveReport(runDir, html) };
    },
    async 'report:savePlots'(req) {
      return { files: await savePlots(await existingRun(req.runId), req.plots) };
    },
    async 'runs:update'(req) {
      const runDir = await existingRun(req.runId);
      return writeRunMeta(runDir, { ...(req.title !== undefined ? { title: req.title } : {}), ...(req.note !== undefined ? { note: req.note } : {}) });
    },
    async 'runs:delete'(req) {
      await existingRun(req.runId);
      if (ctx.supervisor.activeRunId === req.runId) throw new KestrelError('APP_RUN_DELETE_ACTIVE', reason('APP_RUN_DELETE_ACTIVE', { runId: req.runId }).message, { runId: req.runId });
      return { trashedTo: await trashRun(runsDirOf(ctx), req.runId) };
    },
  };
  return handlers;
}

/**
 * Images reordered round-robin by the class of their first box (background images last but
 * kept in turn), each class keeping its own order: a page of samples shows every class.
 */
export function interleaveByClass(images: readonly ImageRecord[]): ImageRecord[] {
  const groups = new Map<number, ImageRecord[]>();
  for (const img of images) {
    const cls = img.boxes[0]?.cls ?? -1;
    const g = groups.get(cls) ?? [];
    g.push(img);
    groups.set(cls, g);
  }
  const lists = [...groups.entries()].sort((a, b) => (a[0] < 0 ? 1 : b[0] < 0 ? -1 : a[0] - b[0])).map(([, g]) => g);
  const out: ImageRecord[] = [];
  for (let i = 0; out.length < images.length; i++) for (const g of lists) if (i < g.length) out.push(g[i]!);
  return out;
}

async function sampleOf(ds: Dataset, img: ImageRecord, split: 'train' | 'val' | 'test', size: number) {
  try {
    const t = await makeThumb(img.file, size, img.width);
    const rel = relative(ds.root, img.file);
    return {
      id: img.id,
      split,
      file: rel.startsWith('..') ? img.file : rel.split(sep).join('/'),
      width: img.width,
      height: img.height,
      thumbWidth: t.width,
      thumbHeight: t.height,
      thumbUrl: t.url,
      boxes: img.boxes.map((b) => scaleBox(b, t.scale)),
    };
  } catch (_err) {
    return null; // An image the check reports as unreadable: it has no thumbnail.
  }
}

async function readJsonOrNull(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (_err) {
    return null;
  }
}

/**
 * A run's results: the evaluation from results.json (at its top or under `evaluation`), and a
 * gallery from val-predictions.json, images with the most misses and false alarms first.
 */
export async function readResults(runDir: string, runId: string): Promise<Res<'results:get'>> {
  const raw = (await readJsonOrNull(join(runDir, RUN_FILES.results))) as Record<string, unknown> | null;
  const candidate = raw && typeof raw === 'object' ? (raw['evaluation'] ?? raw['final'] ?? raw) : null;
  const evaluation = EvaluationResultSchema.safeParse(candidate);
  const preds = ValPredictionsFileSchema.safeParse(await readJsonOrNull(join(runDir, RUN_FILES.valPredictions)));
  const classNames = evaluation.success ? evaluation.data.perClass.map((c) => c.name) : preds.success ? preds.data.classNames : [];
  let gallery: GalleryItem[] = [];
  if (preds.success) {
    const ranked = preds.data.images
      .map((img) => {
        const m = matchImage(img.truths, img.detections, DISPLAY_CONF);
        return { img, errors: m.fp + m.fn };
      })
      .sort((a, b) => b.errors - a.errors)
      .slice(0, GALLERY_SIZE);
    const items = await Promise.all(
      ranked.map(async ({ img }) => {
        try {
          const t = await makeThumb(img.file, 256, img.width);
          return {
            file: img.file,
            width: img.width,
            height: img.height,
            thumbWidth: t.width,
            thumbHeight: t.height,
            thumbUrl: t.url,
            truths: img.truths.map((b) => scaleBox(b, t.scale)),
            detections: img.detections.map((d) => scaleBox(d, t.scale)),
          };
        } catch (_err) {
          return null;
        }
      }),
    );
    gallery = items.filter((i) => i !== null);
  }
  const sweep = preds.success ? confidenceSweep(preds.data.images, SWEEP_CONFS) : null;
  // Compact: only the detections the sliders can reach, an image's best ones (the report counts from the same).
  const valImages = preds.success ? valImagesAsShown(preds.data.images).map(({ truths, detections }) => ({ truths, detections })) : undefined;
  return ResultsResponseSchema.parse({ runId, classNames, evaluation: evaluation.success ? evaluation.data : null, gallery, confidenceSweep: sweep, ...(valImages ? { valImages } : {}) });
}

