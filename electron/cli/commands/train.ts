// `kestrel train`: flags to a TrainConfig, the run in a supervised child process (or in-process), events printed.
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KestrelError } from '../../shared/errors';
import type { TrainingEvent } from '../../shared/schemas/events';
import { assertNever } from '../../shared/schemas/events';
import type { BackendId } from '../../shared/schemas/hardware';
import type { ModelScale } from '../../shared/schemas/model';
import { TrainingPlanSchema } from '../../shared/schemas/plan';
import type { TrainConfigInput } from '../../shared/schemas/train-config';
import { DEFAULT_EPOCHS, DEFAULT_RUNS_DIR, DEFAULT_SCALE } from '../../shared/defaults';
import { createRunDir, readRunConfig, runTrainingProcess, train } from '../../engine/index';
import { recommendModel } from '../../engine/plan/recommend';
import { ensureWritableFolder } from '../../engine/runs/fs-errors';
import { assertRunName, runNameFrom } from '../../engine/runs/names';
import { resolveParentRun } from '../../engine/runs/parent';
import { checkEffectiveBatch, parseChoiceFlag, parseNumberFlag, type NumericFlag } from '../options';
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
  --name NAME            run name (default: the dataset folder's name)
  --out DIR              where runs go (default runs)
  --batch N              per-device batch (plan override)
  --accumulate N         gradient accumulation steps (plan override)
  --lr X                 peak learning rate (plan override)
  --optimizer sgd|adamw  optimizer (plan override)
  --patience N           stop after N epochs without improvement (default 50)
  --workers N            data loader threads (default: cores - 1, 1 to 4)
  --backend ID           tfjs-node-gpu, tfjs-node, wasm or cpu (default: the best that loads)
  --seed N               seed of weights, data order and augmentation (default 0)
  --calibrate MODE       auto|off|force: measure memory before planning (default auto)
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

/** Prints training events as text: the plan, progress lines, a validation table row per epoch, warnings. */
export function createTextView(io: CliIO, opts: { progressEveryMs?: number; tty?: boolean } = {}): (e: TrainingEvent) => void {
  const every = opts.progressEveryMs ?? 10_000;
  const tty = opts.tty ?? false;
  let lastProgress = 0;
  let headerShown = false;
  let planBatch = 0;
  let predicted = 0;
  let memoryShown = false;
  const clear = () => {
    if (tty) process.stdout.write('\r\x1b[K');
  };
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
        io.out(
          `${e.resumed ? 'Resuming' : 'Training'} on ${e.backend} (${e.device}): ${e.trainImages} training and ${e.valImages} validation images, ${e.epochs} epochs of ${e.batchesPerEpoch} batches, ${e.totalSteps} optimizer steps${e.resumed ? `, from epoch ${e.startEpoch + 1}` : ''}. Run folder: ${e.runDir}`,
        );
        break;
      case 'epoch-start':
        lastProgress = Date.now();
        break;
      case 'batch-end': {
        if (!memoryShown && e.memoryBytes !== null && predicted > 0) {
          memoryShown = true;
          const diff = ((e.memoryBytes - predicted) / predicted) * 100;
          clear();
          io.out(`Memory at batch ${planBatch}: predicted ${Math.round(predicted / 2 ** 20)} MiB, measured peak ${Math.round(e.memoryBytes / 2 ** 20)} MiB (${diff >= 0 ? '+' : ''}${diff.toFixed(0)}%).`);
        }
        const line = `  epoch ${e.epoch + 1} ${String(e.batch).padStart(String(e.batches).length)}/${e.batches}  loss ${fmt(e.loss.total)} (box ${fmt(e.loss.parts['box'] ?? NaN)} cls ${fmt(e.loss.parts['cls'] ?? NaN)} dfl ${fmt(e.loss.parts['dfl'] ?? NaN)})  lr ${lrText(e.lr)}  ${e.imagesPerSec.toFixed(1)} img/s  ETA ${e.etaSeconds === null ? '?' : dur(e.etaSeconds)}`;
        if (tty) process.stdout.write('\r\x1b[K' + line);
        else if (Date.now() - lastProgress >= every) {
          lastProgress = Date.now();
          io.out(line);
        }
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
  const tty = io === processIO && process.stdout.isTTY === true && !opts.json;
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

/** A command's flag values by name. */
export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Parses a command's flags strictly (an unknown or malformed flag throws `bad`'s CLI_BAD_FLAG);
 * null when -h/--help asked for the help text, which is then printed.
 */
export function parseFlags(argv: string[], options: ParseArgsConfig['options'], io: CliIO, help: string, bad: (message: string) => KestrelError): FlagValues | null {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!values.help) return values;
  io.out(help);
  return null;
}

/** The run folder's name: --name checked as given, else made from the dataset's name. */
export function runNameOf(nameFlag: string | undefined, dataPath: string): string {
  if (nameFlag !== undefined) return assertRunName(nameFlag);
  return runNameFrom(basename(resolve(dataPath)).replace(/\.(ya?ml|json)$/i, ''), 'run');
}

/** `kestrel train`: trains with a plan made for this machine (or resumes a run). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const values = parseFlags(
    argv,
    {
      data: { type: 'string' },
      model: { type: 'string' },
      imgsz: { type: 'string' },
      epochs: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
      accumulate: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      patience: { type: 'string' },
      workers: { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      calibrate: { type: 'string' },
      resume: { type: 'string' },
      from: { type: 'string' },
      'in-process': { type: 'boolean' },
      'json-events': { type: 'boolean' },
    },
    io,
    HELP,
    bad,
  );
  if (!values) return EXIT_OK;
  const str = (k: string) => values[k] as string | undefined;
  const json = values['json-events'] === true;
  const inProcess = values['in-process'] === true;
  // Every flag is checked against the one table of limits before anything starts.
  const num = (flag: NumericFlag) => parseNumberFlag(CMD, flag, str(flag));
  const workers = num('workers');
  const backend = parseChoiceFlag<BackendId>(CMD, 'backend', str('backend'), ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
  const model = parseChoiceFlag<ModelScale>(CMD, 'model', str('model'), ['n', 's', 'm']);
  const imgszFlag = num('imgsz');
  const epochs = num('epochs') ?? DEFAULT_EPOCHS;
  const lr = num('lr');
  const optimizer = parseChoiceFlag(CMD, 'optimizer', str('optimizer'), ['sgd', 'adamw'] as const);
  const calibrate = parseChoiceFlag(CMD, 'calibrate', str('calibrate'), ['auto', 'off', 'force'] as const);
  const batch = num('batch');
  const accumulation = num('accumulate');
  checkEffectiveBatch(CMD, { batch, accumulation });
  const patience = num('patience');
  const seed = num('seed');

  if (str('resume') !== undefined) {
    if (str('from') !== undefined) throw bad('--from starts a new run from an earlier one; --resume continues a run. Give one of them.');
    const runDir = resolve(str('resume')!);
    if (!(await exists(runDir))) throw new KestrelError('CLI_BAD_FILE', `The run folder ${runDir} does not exist. Pass the folder of an earlier run, e.g. runs/<name>.`);
    const saved = await readRunConfig(runDir);
    const cfg: TrainConfigInput = { ...saved, runDir, resume: true, ...(workers !== undefined ? { workers } : {}), ...(backend ? { backend } : {}) };
    return runAndReport(cfg, io, { json, inProcess });
  }

  const data = str('data');
  if (data === undefined) throw bad('--data is required (the dataset folder, data.yaml or COCO JSON).');
  if (!(await exists(data))) throw new KestrelError('CLI_BAD_FILE', `The dataset ${data} does not exist. Check the path.`);
  const outDir = resolve(str('out') ?? DEFAULT_RUNS_DIR);
  const name = runNameOf(str('name'), data);
  // A fine-tune's parent is found and fully checked before the run folder exists: a bad --from leaves nothing behind.
  const parent = str('from') !== undefined ? await resolveParentRun(str('from')!, outDir, model !== undefined ? { scale: model } : {}) : null;
  const scale = model ?? parent?.spec.scale ?? DEFAULT_SCALE;
  // A read-only, full or file-shaped --out is said now (FS_*), before the dataset is read.
  await ensureWritableFolder(outDir);
  // Without --imgsz the run uses the size the app's Plan step recommends for this dataset.
  const imgsz = imgszFlag ?? (await recommendedImgsz(data));
  const paths = await createRunDir(outDir, name);
  const cfg: TrainConfigInput = {
    runDir: paths.dir,
    datasetPath: resolve(data),
    model: { scale, imgsz },
    epochs,
    overrides: {
      ...(batch !== undefined ? { batch } : {}),
      ...(accumulation !== undefined ? { accumulation } : {}),
      ...(lr !== undefined ? { lr } : {}),
      ...(optimizer ? { optimizer } : {}),
    },
    ...(parent ? { from: parent.weightsDir } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(backend ? { backend } : {}),
    ...(patience !== undefined ? { patience } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(calibrate ? { calibrate } : {}),
  };
  return runAndReport(cfg, io, { json, inProcess });
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
