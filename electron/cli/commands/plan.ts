import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { HardwareProfileSchema, type HardwareProfile } from '../../shared/schemas/hardware';
import { DEFAULT_EPOCHS, DEFAULT_SCALE, FALLBACK_IMGSZ } from '../../shared/defaults';
import type { PlanOverrides, TrainingPlan } from '../../shared/schemas/plan';
import type { DatasetSummary } from '../../shared/schemas/dataset';
import { lrAt, planTraining } from '../../engine/plan/index';
import { recommendModel } from '../../engine/plan/recommend';
import { EXIT_OK, type CliIO } from '../io';
import { runWithFlags, type FlagDefs, type FlagValues } from '../flags';
import { checkEffectiveBatch, flagRange } from '../options';

/**
 * What `kestrel plan` assumes when no dataset or model is named: the run defaults `kestrel train`
 * and the app use (shared/defaults.ts), and a dataset of this size.
 */
export const PLAN_CLI_DEFAULTS = { model: DEFAULT_SCALE, imgsz: FALLBACK_IMGSZ, epochs: DEFAULT_EPOCHS, trainImages: 1000, classes: 6 };

const HELP = `Usage: kestrel plan [options]

Plans a training run for this machine (or for a saved hardware profile) and explains
every choice: device, memory budget, batch, accumulation, optimizer, LR and schedule. Memory
is planned from this machine's stored calibrations where one matches (as \`kestrel train\`
plans; KESTREL_CALIBRATIONS names the file), else from the estimate.

Options:
  --data PATH            plan for this dataset (its images, classes and the input size
                         recommended for it, as \`kestrel train\` and the app do)
  --model n|s|m          model scale (default ${PLAN_CLI_DEFAULTS.model})
  --imgsz N              input size in pixels, a multiple of 32, ${flagRange('imgsz')} (default: recommended
                         for --data, else ${PLAN_CLI_DEFAULTS.imgsz})
  --classes N            number of classes (default: the dataset's, else ${PLAN_CLI_DEFAULTS.classes})
  --train-images N       training images (default: the dataset's, else ${PLAN_CLI_DEFAULTS.trainImages} assumed)
  --epochs N             epochs (default ${PLAN_CLI_DEFAULTS.epochs})
  --optimizer sgd|adamw  optimizer (default: by run length)
  --batch N              per-device batch, ${flagRange('batch')}
  --accumulate N         gradient accumulation steps, ${flagRange('accumulate')}
  --effective-batch N    wanted effective batch, ${flagRange('effective-batch')}
  --lr X                 peak learning rate, ${flagRange('lr')}
  --warmup-epochs X      warmup in epochs, ${flagRange('warmup-epochs')} (default: the planner's rule)
  --weight-decay X       weight decay, ${flagRange('weight-decay')} (default: scaled by the effective batch)
  --devices N            data-parallel devices to plan for, ${flagRange('devices')} (default 1)
  --memory-fraction X    share of free device memory to use, 0-1 (GPU 0.8, CPU 0.5)
  --norm batch|group     normalisation (default: GroupNorm only when the batch is below 4)
  --device cpu|gpu       force the CPU or a GPU
  --hardware FILE.json   plan for a saved hardware profile (\`kestrel hardware --json\`)
  --json                 print the plan as JSON
  -h, --help             this help`;

/** The summary of the dataset at `path` (the app's Plan step reads the same); CLI_BAD_FILE when it does not exist. */
async function summarizeDatasetAt(path: string): Promise<DatasetSummary> {
  if (!(await stat(path).then(() => true, () => false))) throw new KestrelError('CLI_BAD_FILE', `The dataset ${path} does not exist. Check the path.`);
  const [{ importDataset }, { summarizeDataset }] = await Promise.all([import('../../engine/data/import/index'), import('../../engine/data/summary')]);
  return summarizeDataset(await importDataset(resolve(path)));
}

/** Reads a HardwareProfile JSON file (as `kestrel hardware --json` writes it). */
async function readHardwareFile(file: string): Promise<HardwareProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KestrelError('CLI_BAD_FILE', `Cannot read the hardware file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Check the path.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KestrelError('CLI_BAD_FILE', `The hardware file ${file} is not valid JSON (${(err as Error).message}). Save it again with \`kestrel hardware --json > ${file}\`.`);
  }
  const parsed = HardwareProfileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new KestrelError('CLI_BAD_FILE', `The hardware file ${file} is not a Kestrel hardware profile (${first}). Save one with \`kestrel hardware --json > ${file}\`.`);
  }
  return parsed.data;
}

const gibs = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
const mibs = (b: number) => `${Math.round(b / 1024 ** 2).toLocaleString('en-US')} MiB`;
const num = (x: number) => x.toLocaleString('en-US');
const lrText = (x: number) => (x >= 1e-3 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

/** The readable form of a plan: a table of the decisions, then the reasons and warnings. */
export function formatPlan(plan: TrainingPlan, source: string): string {
  const s = plan.schedule;
  const normName = plan.norm === 'group' ? 'GroupNorm' : 'BatchNorm';
  const dev = plan.device.kind === 'gpu' ? `GPU ${plan.device.gpuIndex} (${plan.device.name})` : `CPU (${plan.device.name})`;
  const rows: Array<[string, string]> = [
    ['Hardware', source],
    ['Start', plan.parentRun !== undefined ? `fine-tune from ${plan.parentRun}` : plan.pretrained !== undefined ? `pretrained weights ${plan.pretrained}` : 'random weights'],
    ['Model', `YOLOv8${plan.modelSpec.scale}, ${plan.modelSpec.imgsz} px, ${plan.modelSpec.numClasses} classes, ${normName}: ${(plan.figures.params / 1e6).toFixed(2)} M parameters, ${plan.figures.gflopsPerImage} GFLOP/image`],
    ['Device', `${dev}, backend ${plan.backend}${plan.devices > 1 ? `, planned for ${plan.devices} devices` : ''}`],
    ['Memory', `budget ${gibs(plan.memory.budgetBytes)}, predicted ${gibs(plan.memory.predictedBytes)} (${plan.memory.source}: ${mibs(plan.memory.fixedBytes)} + ${mibs(plan.memory.perImageBytes)} per image; up to batch ${plan.memory.maxBatch} fits)`],
    ['Batch', `${plan.perDeviceBatch} per device x ${plan.devices} device(s) x accumulation ${plan.accumulation} = effective batch ${plan.effectiveBatch}`],
    ['Epochs', `${plan.epochs} x ${plan.stepsPerEpoch} optimizer steps (${plan.trainImages} images, ${plan.batchesPerEpoch} batches per epoch) = ${num(plan.totalSteps)} steps`],
    ['Optimizer', `${plan.optimizer === 'sgd' ? 'SGD (Nesterov)' : 'AdamW'}, LR ${lrText(plan.lr)}, ${plan.optimizer === 'sgd' ? 'momentum' : 'beta1'} ${plan.momentum}, weight decay ${plan.weightDecay}`],
    ['Schedule', `warmup ${plan.warmupSteps} steps from ~0${s.warmupBiasLr !== null ? ` (bias LR ${s.warmupBiasLr} -> LR, momentum ${s.warmupMomentum} -> ${s.momentum})` : ''}, cosine to ${lrText(s.lr * s.finalFactor)} at step ${num(s.totalSteps)}`],
    ['LR at step', [0, Math.floor(plan.warmupSteps / 2), plan.warmupSteps, Math.floor((plan.warmupSteps + plan.totalSteps) / 2), plan.totalSteps - 1].filter((v, i, a) => v < plan.totalSteps && a.indexOf(v) === i).map((st) => `${st}: ${lrText(lrAt(s, st).lr)}`).join(', ')],
    ['Regularise', `label smoothing ${plan.regularization.labelSmoothing}, CutMix ${plan.regularization.cutmix ? 'on' : 'off'}`],
  ];
  if (plan.dataParallel) {
    const dp = plan.dataParallel;
    rows.push(['All GPUs', `${dp.devices} GPUs (${dp.gpuIndices.join(', ')}): ${dp.perDeviceBatch} per GPU x accumulation ${dp.accumulation} = ${dp.effectiveBatch}${dp.syncBatchNorm ? ', SyncBatchNorm' : ''} (for a data-parallel trainer)`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['Kestrel training plan', '', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), '', 'Why:'];
  for (const r of plan.reasons) lines.push(`  - ${r.message}`);
  lines.push('', plan.warnings.length ? 'Warnings:' : 'Warnings: none');
  for (const w of plan.warnings) lines.push(`  ! ${w.message}`);
  return lines.join('\n');
}

/** `kestrel plan`'s flags: every number checked against the one table of limits before anything is probed or planned. */
export const PLAN_FLAGS = {
  model: { type: 'choice', choices: ['n', 's', 'm'] },
  imgsz: { type: 'number', limit: 'imgsz' },
  data: { type: 'string' },
  classes: { type: 'number', limit: 'classes' },
  'train-images': { type: 'number', limit: 'train-images' },
  epochs: { type: 'number', limit: 'epochs' },
  optimizer: { type: 'choice', choices: ['sgd', 'adamw'] },
  batch: { type: 'number', limit: 'batch' },
  accumulate: { type: 'number', limit: 'accumulate' },
  'effective-batch': { type: 'number', limit: 'effective-batch' },
  lr: { type: 'number', limit: 'lr' },
  'warmup-epochs': { type: 'number', limit: 'warmup-epochs' },
  'weight-decay': { type: 'number', limit: 'weight-decay' },
  devices: { type: 'number', limit: 'devices' },
  'memory-fraction': { type: 'number', limit: 'memory-fraction' },
  norm: { type: 'choice', choices: ['batch', 'group'] },
  device: { type: 'choice', choices: ['cpu', 'gpu'] },
  hardware: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies FlagDefs;

/** `kestrel plan`: plans a training run and prints it as a table with reasons, or as JSON. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'plan', help: HELP, flags: PLAN_FLAGS }, ({ values }) => planWithFlags(values, io));
}

async function planWithFlags(values: FlagValues<typeof PLAN_FLAGS>, io: CliIO): Promise<number> {
  const str = (k: 'data' | 'hardware') => values[k];
  const scale = values.model ?? PLAN_CLI_DEFAULTS.model;
  const imgszFlag = values.imgsz;
  const classesFlag = values.classes;
  const trainImagesFlag = values['train-images'];
  const overrides: PlanOverrides = {
    epochs: values.epochs,
    optimizer: values.optimizer,
    batch: values.batch,
    accumulation: values.accumulate,
    effectiveBatch: values['effective-batch'],
    lr: values.lr,
    warmupEpochs: values['warmup-epochs'],
    weightDecay: values['weight-decay'],
    devices: values.devices,
    memoryFraction: values['memory-fraction'],
    norm: values.norm,
    device: values.device,
  };
  checkEffectiveBatch('plan', overrides);
  for (const k of Object.keys(overrides) as Array<keyof PlanOverrides>) if (overrides[k] === undefined) delete overrides[k];

  const file = str('hardware');
  let hardware: HardwareProfile;
  let source: string;
  if (file !== undefined) {
    hardware = await readHardwareFile(file);
    source = `profile ${file}`;
  } else {
    // Loaded lazily: the probe pulls in systeminformation, not needed with --hardware.
    const { probeHardware } = await import('../../engine/hardware/index');
    hardware = await probeHardware();
    source = 'probed on this machine';
  }

  // With --data the plan is the one `kestrel train --data` and the app's Plan step make: the
  // dataset's images and classes, at the input size recommended for it.
  const data = str('data');
  const summary = data !== undefined ? await summarizeDatasetAt(data) : null;
  const imgsz = imgszFlag ?? (summary ? recommendModel(hardware, summary).imgsz : PLAN_CLI_DEFAULTS.imgsz);
  const classes = classesFlag ?? (summary ? Math.max(1, summary.classNames.length) : PLAN_CLI_DEFAULTS.classes);
  const trainImages = trainImagesFlag ?? summary?.trainImages ?? PLAN_CLI_DEFAULTS.trainImages;
  // This machine's measured memory lines, read as the trainer and the app's Plan step read them,
  // so the plan printed here is the one `kestrel train` makes. A --hardware profile gets them too:
  // each is keyed by network, backend, device (a GPU by name) and optimizer, and applies only
  // where all of them match.
  const { storedCalibrations } = await import('../../engine/train/calibrations');
  const stored = await storedCalibrations();
  let plan: TrainingPlan;
  try {
    plan = planTraining(hardware, { scale, imgsz, numClasses: classes }, { trainImages }, overrides, stored);
  } catch (err) {
    if (err instanceof KestrelError && err.code === 'PLAN_INVALID_OVERRIDE') throw new KestrelError('CLI_BAD_FLAG', err.message, err.details);
    throw err;
  }
  if (trainImagesFlag === undefined && !summary) plan.reasons.unshift(reason('PLAN_TRAIN_IMAGES_ASSUMED', { trainImages }));

  io.out(values.json ? JSON.stringify(plan, null, 2) : formatPlan(plan, source));
  return EXIT_OK;
}
