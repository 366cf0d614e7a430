// `kestrel tune`: the LR range test (--lr-find) or the small automatic search (--trials N | --budget 30m).
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { BackendId } from '../../shared/schemas/hardware';
import type { UserOverrides } from '../../shared/schemas/user-choice';
import type { ModelScale } from '../../shared/schemas/model';
import type { TuneOverridesFile } from '../../shared/schemas/tune';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, type CliIO } from '../io';
import { parseFlags, runWithFlags, type FlagDefs, type FlagValues } from '../flags';

const HELP = `Usage: kestrel tune --lr-find --data PATH [options]
       kestrel tune --trials N | --budget 30m --data PATH [options]

Off by default: tuning runs only when asked. Both modes train on this machine, in this process.

LR range test (--lr-find): a few hundred optimizer steps of the planned run with the LR rising
exponentially, the smoothed loss per step, stopped when the loss diverges; the LR chosen from
the curve and why. Writes lr-find.json and tune.json to <out>/<name>/.
  --steps N              optimizer steps (default 200)
  --lr-min X, --lr-max X the LR range (default 1e-6 to 0.1)

Search (--trials N and/or --budget DURATION): short trials over the LR (log-uniform around the
planned LR), the augmentation strength, the warmup (0-3 epochs) and the weight decay (0.1x-10x
the planned), by successive halving: every trial runs the first rung, the best 1/eta continue
to the next. Each trial is a run folder <out>/<name>/trial-XX; the state is saved after every
rung, so running the same command again continues a killed search. The winner is written as
tune.json (plan overrides and the train command): \`kestrel train --overrides tune.json\`.
  --trials N             trials to start (with a budget: at most N)
  --budget DURATION      time budget, e.g. 30m, 2h (without --trials: ASHA until it ends)
  --epochs N             epochs of the last rung, the full run (default 9)
  --rungs N              rungs (default 3: 1, 3, 9 epochs at eta 3)
  --eta N                1/eta of each rung continues (default 3)

Common options:
  --data PATH            the dataset (data.yaml, YOLO or VOC folder, COCO .json)
  --model n|s|m          model scale (default n)
  --imgsz N              input size, a multiple of 32 (default 320)
  --batch N, --accumulate N, --optimizer sgd|adamw   plan overrides kept in every step or trial
  --seed N               seed (default 0)
  --name NAME            folder name (default <dataset>-lr-find or <dataset>-tune)
  --out DIR              where it goes (default runs)
  --workers N            data loader threads
  --backend ID           tfjs-node-gpu, tfjs-node, webgpu, wasm or cpu
  --calibrate MODE       auto|off|force: measure memory before a trial's plan (default auto)
  --json                 print the result as JSON
  -h, --help             this help

Exit codes: 0 done, 1 the tune failed, 2 bad flags or dataset.`;

/** Errors that mean "the input given is not usable": exit 2, like a bad flag. */
const BAD_INPUT = new Set(['DS_NOT_FOUND', 'DS_FORMAT_UNKNOWN', 'DS_YAML_UNREADABLE', 'DS_COCO_UNREADABLE', 'DS_NO_USABLE_IMAGES', 'TUNE_STATE_MISMATCH', 'TUNE_NO_VAL_IMAGES', 'TUNE_NO_TRAIN_IMAGES', 'TUNE_TOO_FEW_STEPS']);

/** The most a budget may be: two days. */
const MAX_BUDGET_SECONDS = 48 * 3600;

function usageError(code: string, params: Record<string, string | number> = {}): KestrelError {
  return new KestrelError(code.startsWith('CLI_') ? code : 'CLI_BAD_FLAG', `${reason(code, params).message} See \`kestrel tune --help\`.`, { rule: code, ...params });
}

/** A time budget ("30m", "2h", "90s", "1.5h") in seconds; throws CLI_BAD_FLAG (TUNE_BAD_BUDGET) otherwise. */
export function parseBudget(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$/i.exec(raw);
  if (!m) throw usageError('TUNE_BAD_BUDGET', { value: raw });
  const unit = (m[2] ?? 'm').toLowerCase();
  const s = Number(m[1]) * (unit === 'h' ? 3600 : unit === 's' ? 1 : 60);
  if (!(s > 0) || s > MAX_BUDGET_SECONDS) throw usageError('TUNE_BAD_BUDGET', { value: raw });
  return s;
}

/** What the flags ask for, checked. */
export interface TuneArgs {
  mode: 'lr-find' | 'search';
  data: string;
  model: { scale: ModelScale; imgsz: number };
  dir: string;
  json: boolean;
  seed: number;
  overrides: UserOverrides;
  workers: number | undefined;
  backend: BackendId | undefined;
  calibrate: 'auto' | 'off' | 'force' | undefined;
  lrFind: { steps: number | undefined; lrMin: number | undefined; lrMax: number | undefined };
  search: { maxTrials: number | null; budgetSeconds: number | null; epochs: number | undefined; rungs: number | undefined; eta: number | undefined };
}

/** `kestrel tune`'s flags: the planner's numbers within the one table of limits, the search's own ranges. */
export const TUNE_FLAGS = {
  'lr-find': { type: 'boolean' },
  trials: { type: 'number', range: { min: 1, max: 1000, int: true } },
  budget: { type: 'string' },
  data: { type: 'string' },
  model: { type: 'choice', choices: ['n', 's', 'm'] },
  imgsz: { type: 'number', limit: 'imgsz' },
  steps: { type: 'number', range: { min: 8, max: 10_000, int: true } },
  'lr-min': { type: 'number', range: { min: 1e-8, max: 1, int: false } },
  'lr-max': { type: 'number', range: { min: 1e-8, max: 1, int: false } },
  epochs: { type: 'number', limit: 'epochs' },
  rungs: { type: 'number', range: { min: 1, max: 6, int: true } },
  eta: { type: 'number', range: { min: 2, max: 10, int: true } },
  batch: { type: 'number', limit: 'batch' },
  accumulate: { type: 'number', limit: 'accumulate' },
  optimizer: { type: 'choice', choices: ['sgd', 'adamw'] },
  seed: { type: 'number', limit: 'seed' },
  name: { type: 'string' },
  out: { type: 'string' },
  workers: { type: 'number', limit: 'workers' },
  backend: { type: 'choice', choices: ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] },
  calibrate: { type: 'choice', choices: ['auto', 'off', 'force'] },
  json: { type: 'boolean' },
} as const satisfies FlagDefs;

const SPEC = { command: 'tune', help: HELP, flags: TUNE_FLAGS, helpOnError: true };

/** Parses and checks the flags (throws KestrelError CLI_* with a sentence); null for --help. */
export function parseTuneArgs(argv: string[]): TuneArgs | null {
  const parsed = parseFlags(argv, SPEC);
  return parsed === null ? null : tuneArgs(parsed.values);
}

/** What the parsed flags ask for, with the checks across flags (one mode, a dataset, a rising LR range). */
function tuneArgs(v: FlagValues<typeof TUNE_FLAGS>): TuneArgs {
  const search = v.trials !== undefined || v.budget !== undefined;
  if (v['lr-find'] && search) throw usageError('TUNE_MODE_BOTH');
  if (!v['lr-find'] && !search) throw usageError('TUNE_MODE_MISSING');
  if (!v.data) throw usageError('TUNE_NO_DATA');
  const scale: ModelScale = v.model ?? 'n';
  const imgsz = v.imgsz ?? 320;
  const lrMin = v['lr-min'];
  const lrMax = v['lr-max'];
  if ((lrMin ?? 1e-6) >= (lrMax ?? 0.1)) throw usageError('TUNE_BAD_LR_RANGE', { lrMin: lrMin ?? 1e-6, lrMax: lrMax ?? 0.1 });
  const { batch, optimizer } = v;
  const accumulation = v.accumulate;
  const overrides: UserOverrides = { ...(batch ? { batch } : {}), ...(accumulation ? { accumulation } : {}), ...(optimizer ? { optimizer } : {}) };
  const mode = v['lr-find'] ? 'lr-find' : 'search';
  // The dataset folder's name (the folder of a data.yaml or COCO .json).
  const full = resolve(v.data);
  const folder = basename(/\.(ya?ml|json)$/i.test(full) ? dirname(full) : full);
  const name = v.name ?? `${folder}-${mode === 'lr-find' ? 'lr-find' : 'tune'}`;
  return {
    mode,
    data: v.data,
    model: { scale, imgsz },
    dir: join(v.out ?? 'runs', name),
    json: v.json,
    seed: v.seed ?? 0,
    overrides,
    workers: v.workers,
    backend: v.backend,
    calibrate: v.calibrate,
    lrFind: { steps: v.steps, lrMin, lrMax },
    search: {
      maxTrials: v.trials ?? null,
      budgetSeconds: v.budget === undefined ? null : parseBudget(v.budget),
      epochs: v.epochs,
      rungs: v.rungs,
      eta: v.eta,
    },
  };
}

/** `kestrel tune ...`: see HELP. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, SPEC, ({ values }) => tune(tuneArgs(values), io));
}

async function tune(args: TuneArgs, io: CliIO): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    return args.mode === 'lr-find' ? await lrFind(args, io, stop.signal) : await search(args, io, stop.signal);
  } catch (err) {
    if (err instanceof KestrelError && BAD_INPUT.has(err.code)) {
      if (args.json) io.out(JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2));
      io.err(`error ${err.code}: ${err.message}`);
      return EXIT_USAGE;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

async function lrFind(a: TuneArgs, io: CliIO, signal: AbortSignal): Promise<number> {
  const [{ runLrFind, formatLrFind, trainCommand }, { writeJsonAtomic }] = await Promise.all([import('../../engine/tune/index'), import('../../engine/runs/atomic')]);
  // A folder of its own (name-2, name-3... when taken), made only once the dataset has loaded.
  let dir = a.dir;
  for (let i = 2; existsSync(dir); i++) dir = `${a.dir}-${i}`;
  if (!a.json) io.out(`LR range test on ${a.data} (YOLOv8${a.model.scale}, ${a.model.imgsz} px); folder ${dir}`);
  const r = await runLrFind({ datasetPath: a.data, model: a.model, runDir: dir, seed: a.seed, overrides: a.overrides, signal, ...a.lrFind, workers: a.workers, backend: a.backend });
  const overrides = { ...a.overrides, lr: Number(r.choice.lr.toPrecision(3)) };
  const command = trainCommand(a.data, a.model, overrides);
  const file: TuneOverridesFile = { version: 1, source: 'lr-find', overrides, train: {}, command, reasons: r.choice.reasons };
  const written = join(dir, 'tune.json');
  await writeJsonAtomic(written, file);
  if (a.json) io.out(JSON.stringify({ ...r, runDir: dir, command }, null, 2));
  else io.out(`${formatLrFind(r)}\n\nWritten: ${join(dir, 'lr-find.json')}, ${written}\nTrain with it: ${command} (or --overrides ${written})`);
  return signal.aborted ? EXIT_FAIL : EXIT_OK;
}

async function search(a: TuneArgs, io: CliIO, signal: AbortSignal): Promise<number> {
  const { runSearch, formatSearchTable } = await import('../../engine/tune/index');
  const r = await runSearch({
    datasetPath: a.data,
    model: a.model,
    dir: a.dir,
    seed: a.seed,
    overrides: a.overrides,
    signal,
    ...a.search,
    workers: a.workers,
    backend: a.backend,
    calibrate: a.calibrate,
    onEvent: (e) => {
      if (a.json) return;
      if (e.type === 'planned') {
        io.out(`${e.resumed ? 'Continuing' : 'Starting'} the search in ${resolve(a.dir)}: rungs of ${e.settings.rungEpochs.join(' / ')} epochs, planned LR ${e.settings.plannedLr.toPrecision(3)}.`);
        for (const why of e.reasons) io.out(`  ! ${why.message}`);
      } else if (e.type === 'rung-start') {
        io.out(`  trial ${e.trial.id} -> rung ${e.rung} (${e.epochs} epochs): LR ${e.trial.params.lr.toPrecision(3)}, augment ${e.trial.params.augment}`);
      } else if (e.type === 'rung-end') {
        io.out(`  trial ${e.trial.id} rung ${e.result.rung}: fitness ${e.result.fitness.toFixed(3)}, mAP50 ${e.result.map50.toFixed(3)} (${e.result.seconds.toFixed(0)} s)`);
      }
    },
  });
  if (a.json) {
    io.out(JSON.stringify({ status: r.status, state: r.state, winner: r.winner, overridesFile: r.overridesFile, overrides: r.overrides, reasons: r.reasons }, null, 2));
  } else {
    io.out(`\n${formatSearchTable(r.state)}\n`);
    for (const why of r.reasons) io.out(`  - ${why.message}`);
    if (r.status === 'stopped') io.out('Stopped: run the same command again to continue the search.');
    if (r.overrides) {
      const augment = r.overrides.train.augment && r.overrides.train.augment !== 'default' ? ` (augmentation "${r.overrides.train.augment}" has no flag: --overrides carries it)` : '';
      io.out(`\nWritten: ${r.overridesFile}\nTrain with it: kestrel train --data ${a.data} --model ${a.model.scale} --imgsz ${a.model.imgsz} --overrides ${r.overridesFile}\n  or: ${r.overrides.command}${augment}`);
    }
  }
  return r.status === 'stopped' ? EXIT_FAIL : EXIT_OK;
}
