// `kestrel train`: flags to a TrainConfig, the run in a supervised child process (or in-process), events printed.
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import type { TrainingEvent } from '../../shared/schemas/events';
import { assertNever } from '../../shared/schemas/events';
import { TrainingPlanSchema } from '../../shared/schemas/plan';
import { StartModeSchema } from '../../shared/schemas/train-config';
import type { TrainConfigInput } from '../../shared/schemas/train-config';
import { LrFindResultSchema, TuneOverridesFileSchema } from '../../shared/schemas/tune';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import { DEFAULT_EPOCHS, DEFAULT_RUNS_DIR, DEFAULT_SCALE } from '../../shared/defaults';
import { createRunDir, readRunConfig, runTrainingProcess, train } from '../../engine/index';
import { recommendModel } from '../../engine/plan/recommend';
import { findPretrained } from '../../engine/model/pretrained';
import { PRETRAINED_BY_DEFAULT, decideStart } from '../../engine/plan/start';
import { parseTrainTilesMode } from '../../engine/plan/tiles';
import { ensureWritableFolder } from '../../engine/runs/fs-errors';
import { assertRunName, runNameFrom } from '../../engine/runs/names';
import { resolveParentRun } from '../../engine/runs/parent';
import { checkEffectiveBatch, flagError } from '../options';
import { runWithFlags, type FlagDefs, type FlagValues } from '../flags';
import { createProgress, isInteractive } from '../progress';
import { EXIT_FAIL, EXIT_OK, exitCodeFor, processIO, type CliIO } from '../io';
import { formatPlan } from './plan';

const HELP = `Usage: kestrel train --data PATH [options]
       kestrel train --resume runs/<name> [--json-events]

Trains a detector on a dataset (YOLO folder or data.yaml, Pascal VOC, COCO JSON) with a plan
made for this machine, and writes the run to <out>/<name>/.

Options:
  --data PATH            the dataset
  --model n|s|m          model scale (default n, or the --from run's)
  --imgsz N              input size, a multiple of 32 (default: recommended for the dataset,
                         as the app's Plan step shows)
  --epochs N             epochs (default 100)
  --from RUNDIR          fine-tune: start from an earlier run's weights (runs/<name>, or its
                         weights/best or weights/last folder)
  --start auto|pretrained|scratch
                         a new run's starting weights: Kestrel's pretrained weights (made by
                         \`kestrel pretrain\` from synthetic images), random ones, or auto
                         (default: ${PRETRAINED_BY_DEFAULT ? 'pretrained where they ship' : 'random weights'})
  --name NAME            run name (default: the dataset folder's name)
  --out DIR              where runs go (default runs)
  --batch N              per-device batch (plan override)
  --accumulate N         gradient accumulation steps (plan override)
  --lr X                 peak learning rate (plan override)
  --optimizer sgd|adamw  optimizer (plan override)
  --warmup-epochs X      warmup length in epochs, 0 for none (plan override; warned outside
                         the planner's safe range)
  --weight-decay X       weight decay as the optimizer applies it (plan override; warned
                         outside the planner's safe range)
  --overrides FILE       train with what \`kestrel tune\` found: its tune.json (or lr-find.json);
                         its overrides, epochs and augmentation, under any flag given here
  --patience N           stop after N epochs without improvement (default 50)
  --workers N            data loader threads (default: cores - 1, 1 to 4)
  --backend ID           tfjs-node-gpu, tfjs-node, webgpu, wasm or cpu (default: the best that
                         loads, webgpu or the CPU by a timed step)
  --seed N               seed of weights, data order and augmentation (default 0)
  --calibrate MODE       auto|off|force: measure memory before planning (default auto)
  --tiles auto|off|SIZE  train on overlapping tiles of large images (SIZE px, default the input
                         size; auto: when the boxes are small next to the images; default auto)
  --resume RUNDIR        continue a run from its last checkpoint
  --in-process           train in this process (default: a child process that is restarted,
                         with a smaller batch, if it dies out of memory)
  --json-events          print one JSON event per line instead of text
  -h, --help             this help`;

const CMD = 'train';

function bad(message: string): KestrelError {
  return new KestrelError('CLI_BAD_FLAG', `${message} See \`kestrel train --help\`.`);
}


const exists = (p: string) => stat(p).then(() => true, () => false);

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const lrText = (x: number) => (x >= 1e-3 ? x.toPrecision(3) : x.toExponential(2));
const dur = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);

/**
 * Prints training events as text: the plan, progress lines, a validation table row per epoch,
 * warnings. Progress is the CLI's one display (progress.ts): redrawn in place on a terminal
 * (`tty`), else plain lines every 10% of the run or `progressEveryMs` (default 30 s).
 */
export function createTextView(io: CliIO, opts: { progressEveryMs?: number; tty?: boolean; now?: () => number; write?: (text: string) => void } = {}): (e: TrainingEvent) => void {
  const progress = createProgress({
    tty: opts.tty ?? false,
    write: opts.write ?? ((t) => void process.stdout.write(t)),
    line: (t) => io.out(t),
    ...(opts.progressEveryMs !== undefined ? { logEveryMs: opts.progressEveryMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  let headerShown = false;
  let planBatch = 0;
  let predicted = 0;
  let memoryShown = false;
  let firstEpoch = 0;
  let epochs = 0;
  const clear = () => progress.clear();
  return (e) => {
    switch (e.type) {
      case 'plan': {
        const p = TrainingPlanSchema.safeParse(e.plan);
        if (p.success) {
          planBatch = p.data.perDeviceBatch;
          predicted = p.data.memory.predictedBytes;
          if (e.plan['resumed'] !== true) io.out(formatPlan(p.data, 'this machine') + '\n');
        }
        break;
      }
      case 'train-start':
        firstEpoch = e.startEpoch;
        epochs = e.epochs;
        io.out(
          `${e.resumed ? 'Resuming' : 'Training'} on ${e.backend} (${e.device}): ${e.trainImages} training and ${e.valImages} validation images, ${e.epochs} epochs of ${e.batchesPerEpoch} batches, ${e.totalSteps} optimizer steps${e.resumed ? `, from epoch ${e.startEpoch + 1}` : ''}. Run folder: ${e.runDir}`,
        );
        break;
      case 'epoch-start':
        break;
      case 'batch-end': {
        if (!memoryShown && e.memoryBytes !== null && predicted > 0) {
          memoryShown = true;
          const diff = ((e.memoryBytes - predicted) / predicted) * 100;
          clear();
          io.out(`Memory at batch ${planBatch}: predicted ${Math.round(predicted / 2 ** 20)} MiB, measured peak ${Math.round(e.memoryBytes / 2 ** 20)} MiB (${diff >= 0 ? '+' : ''}${diff.toFixed(0)}%).`);
        }
        const line = () => `  epoch ${e.epoch + 1} ${String(e.batch).padStart(String(e.batches).length)}/${e.batches}  loss ${fmt(e.loss.total)} (box ${fmt(e.loss.parts['box'] ?? NaN)} cls ${fmt(e.loss.parts['cls'] ?? NaN)} dfl ${fmt(e.loss.parts['dfl'] ?? NaN)})  lr ${lrText(e.lr)}  ${e.imagesPerSec.toFixed(1)} img/s  ETA ${e.etaSeconds === null ? '?' : dur(e.etaSeconds)}`;
        // The whole run's share done: a log gets a line per 10% of the run, not per epoch.
        const runEpochs = Math.max(1, epochs - firstEpoch);
        progress.update((e.epoch - firstEpoch) * e.batches + e.batch, runEpochs * e.batches, line);
        break;
      }
      case 'epoch-end': {
        clear();
        if (!headerShown) {
          headerShown = true;
          io.out('  Epoch    box    cls    dfl        LR   mAP50  mAP50-95      P      R    time');
        }
        const m = e.metrics;
        const p = e.trainLoss.parts;
        io.out(
          `  ${`${e.epoch + 1}/${e.epochs}`.padStart(5)} ${fmt(p['box'] ?? NaN).padStart(6)} ${fmt(p['cls'] ?? NaN).padStart(6)} ${fmt(p['dfl'] ?? NaN).padStart(6)} ${lrText(e.lr).padStart(9)}  ${m ? fmt(m.map50).padStart(6) : '     -'}  ${m ? fmt(m.map50_95).padStart(8) : '       -'}  ${m?.precision !== undefined ? fmt(m.precision).padStart(5) : '    -'}  ${m?.recall !== undefined ? fmt(m.recall).padStart(5) : '    -'}  ${dur(e.durationMs / 1000).padStart(6)}${e.best ? '  best' : ''}`,
        );
        break;
      }
      case 'checkpoint-saved':
        break;
      case 'warning':
        clear();
        io.out(`  ! ${e.reason.message}`);
        break;
      case 'recovered':
        clear();
        io.out(`  * ${e.reason.message}`);
        break;
      case 'train-end':
        clear();
        io.out(`Training ${e.status === 'completed' ? 'completed' : e.status === 'stopped' ? 'stopped (checkpoint saved; resume with --resume)' : 'stopped early'} after ${e.epochsRun} epochs in ${dur(e.durationMs / 1000)}.`);
        break;
      case 'error':
        clear();
        io.err(`error ${e.error.code}: ${e.error.message}${e.resumable ? ' (the run can be resumed with --resume)' : ''}`);
        break;
      default:
        assertNever(e);
    }
  };
}

/** The final summary from results.json: best epoch, mAP, per-class AP table, speed. */
export async function formatSummary(runDir: string): Promise<string | null> {
  let r: {
    status?: string;
    best?: { epoch: number; map50: number; map50_95: number } | null;
    evaluation?: { perClass: Array<{ name: string; ap50: number; ap50_95: number; precision: number; recall: number; gtCount: number }> } | null;
    imagesPerSec?: number;
    timings?: { totalMs: number; trainMs: number; valMs: number };
    steps?: number;
  };
  try {
    r = JSON.parse(await readFile(resolve(runDir, 'results.json'), 'utf8')) as typeof r;
  } catch {
    return null;
  }
  const lines = ['', `Results (${resolve(runDir)})`];
  if (r.best) lines.push(`  best epoch ${r.best.epoch + 1}: mAP50 ${fmt(r.best.map50)}, mAP50-95 ${fmt(r.best.map50_95)}`);
  if (r.evaluation?.perClass.length) {
    const w = Math.max(5, ...r.evaluation.perClass.map((c) => c.name.length));
    lines.push(`  ${'Class'.padEnd(w)}  boxes   AP50  AP50-95      P      R`);
    for (const c of r.evaluation.perClass) {
      lines.push(`  ${c.name.padEnd(w)}  ${String(c.gtCount).padStart(5)}  ${fmt(c.ap50)}    ${fmt(c.ap50_95)}  ${fmt(c.precision)}  ${fmt(c.recall)}`);
    }
  }
  if (r.timings) {
    lines.push(`  ${r.steps ?? '?'} optimizer steps, ${fmt(r.imagesPerSec ?? 0, 1)} training images/s; training ${dur(r.timings.trainMs / 1000)}, validation ${dur(r.timings.valMs / 1000)}, total ${dur(r.timings.totalMs / 1000)}`);
  }
  lines.push(`  weights: ${resolve(runDir, 'weights', 'best')} (EMA), ${resolve(runDir, 'weights', 'last')}`);
  return lines.join('\n');
}

/** Runs a training config in a child process (default) or in this process, printing events. */
export async function runAndReport(cfg: TrainConfigInput, io: CliIO, opts: { json: boolean; inProcess: boolean }): Promise<number> {
  const tty = io === processIO && isInteractive(process.stdout) && !opts.json;
  const show = opts.json ? (e: TrainingEvent) => io.out(JSON.stringify(e)) : createTextView(io, { tty });
  // An error before training started decides the exit code: bad input (a --batch that cannot fit, ...) exits 2.
  let setupError: string | null = null;
  let started = false;
  const view = (e: TrainingEvent) => {
    if (e.type === 'train-start') started = true;
    if (e.type === 'error' && !started) setupError = e.error.code;
    show(e);
  };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let ok: boolean;
  try {
    if (opts.inProcess) {
      ok = await train(cfg, { signal: stop.signal, onEvent: view }).then(
        () => true,
        () => false, // The error event was printed.
      );
    } else {
      ok = await runTrainingProcess(cfg, { onEvent: view, signal: stop.signal });
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (!opts.json) {
    const summary = await formatSummary(cfg.runDir);
    if (summary && ok) io.out(summary);
  }
  return ok ? EXIT_OK : setupError !== null ? exitCodeFor(setupError) : EXIT_FAIL;
}

/** The run folder's name: --name checked as given, else made from the dataset's name. */
export function runNameOf(nameFlag: string | undefined, dataPath: string): string {
  if (nameFlag !== undefined) return assertRunName(nameFlag);
  return runNameFrom(basename(resolve(dataPath)).replace(/\.(ya?ml|json)$/i, ''), 'run');
}

/** `kestrel train`'s flags: numbers checked against the one table of limits, words against their choices. */
export const TRAIN_FLAGS = {
  data: { type: 'string' },
  model: { type: 'choice', choices: ['n', 's', 'm'] },
  imgsz: { type: 'number', limit: 'imgsz' },
  epochs: { type: 'number', limit: 'epochs' },
  name: { type: 'string' },
  out: { type: 'string' },
  batch: { type: 'number', limit: 'batch' },
  accumulate: { type: 'number', limit: 'accumulate' },
  lr: { type: 'number', limit: 'lr' },
  optimizer: { type: 'choice', choices: ['sgd', 'adamw'] },
  'warmup-epochs': { type: 'number', limit: 'warmup-epochs' },
  'weight-decay': { type: 'number', limit: 'weight-decay' },
  overrides: { type: 'string' },
  patience: { type: 'number', limit: 'patience' },
  workers: { type: 'number', limit: 'workers' },
  backend: { type: 'choice', choices: ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] },
  seed: { type: 'number', limit: 'seed' },
  calibrate: { type: 'choice', choices: ['auto', 'off', 'force'] },
  tiles: { type: 'string' },
  resume: { type: 'string' },
  from: { type: 'string' },
  start: { type: 'choice', choices: StartModeSchema.options },
  'in-process': { type: 'boolean' },
  'json-events': { type: 'boolean' },
} as const satisfies FlagDefs;

/** `kestrel train`: trains with a plan made for this machine (or resumes a run). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: CMD, help: HELP, flags: TRAIN_FLAGS }, ({ values }) => trainWithFlags(values, io));
}

/** The run the checked flags ask for: a resume, or a new run (a fine-tune with --from). */
async function trainWithFlags(values: FlagValues<typeof TRAIN_FLAGS>, io: CliIO): Promise<number> {
  const str = (k: 'data' | 'name' | 'out' | 'resume' | 'from') => values[k];
  const json = values['json-events'];
  const inProcess = values['in-process'];
  const { workers, backend, model, calibrate, patience, seed } = values;
  const imgszFlag = values.imgsz;
  checkEffectiveBatch(CMD, flagOverrides(values));

  if (str('resume') !== undefined) {
    if (str('from') !== undefined) throw bad('--from starts a new run from an earlier one; --resume continues a run. Give one of them.');
    if (values.start !== undefined) throw bad('--start chooses a new run\'s starting weights; a resumed run keeps its own. Leave out --start.');
    if (values.overrides !== undefined) throw flagError(CMD, 'CLI_OVERRIDES_WITH_RESUME', {});
    const runDir = resolve(str('resume')!);
    if (!(await exists(runDir))) throw new KestrelError('CLI_BAD_FILE', `The run folder ${runDir} does not exist. Pass the folder of an earlier run, e.g. runs/<name>.`);
    const saved = await readRunConfig(runDir);
    const cfg: TrainConfigInput = { ...saved, runDir, resume: true, ...(workers !== undefined ? { workers } : {}), ...(backend ? { backend } : {}) };
    return runAndReport(cfg, io, { json, inProcess });
  }

  // What `kestrel tune` found, under the flags given here.
  const tuned = values.overrides === undefined ? null : await readOverridesFile(values.overrides);
  const overrides = mergeOverrides(tuned?.overrides ?? {}, values);
  checkEffectiveBatch(CMD, overrides);
  const epochs = values.epochs ?? tuned?.train.epochs ?? DEFAULT_EPOCHS;
  const data = str('data');
  if (data === undefined) throw bad('--data is required (the dataset folder, data.yaml or COCO JSON).');
  if (!(await exists(data))) throw new KestrelError('CLI_BAD_FILE', `The dataset ${data} does not exist. Check the path.`);
  const outDir = resolve(str('out') ?? DEFAULT_RUNS_DIR);
  const name = runNameOf(str('name'), data);
  // A fine-tune's parent is found and fully checked before the run folder exists: a bad --from leaves nothing behind.
  if (str('from') !== undefined && values.start !== undefined) throw bad('--from starts from an earlier run\'s weights; --start chooses between Kestrel\'s pretrained weights and random ones. Give one of them.');
  const parent = str('from') !== undefined ? await resolveParentRun(str('from')!, outDir, model !== undefined ? { scale: model } : {}) : null;
  const scale = model ?? parent?.spec.scale ?? DEFAULT_SCALE;
  // Pretrained weights asked for where none ship: said now, before a run folder exists.
  if (values.start !== undefined) decideStart(values.start, (await findPretrained(scale)) !== null, scale);
  // A read-only, full or file-shaped --out is said now (FS_*), before the dataset is read.
  await ensureWritableFolder(outDir);
  // Without --imgsz the run uses the size the app's Plan step recommends for this dataset.
  const imgsz = imgszFlag ?? (await recommendedImgsz(data));
  const tiles = values.tiles === undefined ? undefined : parseTrainTilesMode(values.tiles);
  if (tiles === null) throw bad(`--tiles must be auto, off or a tile size in pixels (32-8192), got "${values.tiles}".`);
  const paths = await createRunDir(outDir, name);
  const cfg: TrainConfigInput = {
    runDir: paths.dir,
    datasetPath: resolve(data),
    model: { scale, imgsz },
    epochs,
    overrides,
    ...(tuned?.train.augment ? { augment: tuned.train.augment } : {}),
    ...(parent ? { from: parent.weightsDir } : {}),
    ...(values.start !== undefined ? { start: values.start } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(backend ? { backend } : {}),
    ...(patience !== undefined ? { patience } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(calibrate ? { calibrate } : {}),
    ...(tiles !== undefined ? { tiles } : {}),
  };
  if (tuned && !json) io.out(`Plan overrides from ${values.overrides} (kestrel tune, ${tuned.source}): ${describeOverrides(overrides)}${tuned.train.augment ? `, augmentation ${tuned.train.augment}` : ''}; ${epochs} epochs.`);
  return runAndReport(cfg, io, { json, inProcess });
}

/** The plan overrides flags give: each one set, by its override name. */
function flagOverrides(values: FlagValues<typeof TRAIN_FLAGS>): UserOverrides {
  const set: UserOverrides = {
    batch: values.batch,
    accumulation: values.accumulate,
    lr: values.lr,
    optimizer: values.optimizer,
    warmupEpochs: values['warmup-epochs'],
    weightDecay: values['weight-decay'],
  };
  return Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as UserOverrides;
}

/** A tune file's overrides with the flags given on top (a flag wins over the file). */
export function mergeOverrides(fromFile: UserOverrides, values: FlagValues<typeof TRAIN_FLAGS>): UserOverrides {
  return { ...fromFile, ...flagOverrides(values) };
}

/** "lr 0.000412, warmupEpochs 1.5" for the line that says what a tune file set. */
function describeOverrides(o: UserOverrides): string {
  const parts = Object.entries(o).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** What a `kestrel tune` file asks the run for. */
export interface TunedSettings {
  source: 'lr-find' | 'search';
  overrides: UserOverrides;
  train: { augment?: 'none' | 'light' | 'default' | undefined; epochs?: number | undefined };
}

/**
 * Reads the file `kestrel tune` wrote: tune.json (the LR range test's or the search winner's
 * overrides, epochs and augmentation), or the LR range test's lr-find.json (its chosen LR).
 * Throws CLI_BAD_FILE (rule CLI_OVERRIDES_UNREADABLE or CLI_OVERRIDES_INVALID) otherwise.
 */
export async function readOverridesFile(path: string): Promise<TunedSettings> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw flagError(CMD, 'CLI_OVERRIDES_UNREADABLE', { path, detail }, 'CLI_BAD_FILE');
  }
  const tune = TuneOverridesFileSchema.safeParse(raw);
  if (tune.success) return { source: tune.data.source, overrides: tune.data.overrides, train: tune.data.train };
  const lrFind = LrFindResultSchema.safeParse(raw);
  if (lrFind.success) return { source: 'lr-find', overrides: { lr: lrFind.data.overrides.lr }, train: {} };
  const issue = tune.error.issues[0];
  const detail = issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'not a tune file';
  throw flagError(CMD, 'CLI_OVERRIDES_INVALID', { path, detail }, 'CLI_BAD_FILE');
}

/** The recommended input size for the dataset at `data` on this machine (the app's Plan step's figure). */
async function recommendedImgsz(data: string): Promise<number> {
  const [{ probeHardware }, { importDataset }, { summarizeDataset }] = await Promise.all([
    import('../../engine/hardware/index'),
    import('../../engine/data/import/index'),
    import('../../engine/data/summary'),
  ]);
  const [hw, ds] = await Promise.all([probeHardware(), importDataset(resolve(data))]);
  return recommendModel(hw, summarizeDataset(ds)).imgsz;
}
