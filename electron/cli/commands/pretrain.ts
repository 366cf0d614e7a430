// `kestrel pretrain`: makes Kestrel's pretrained starting weights from formula-driven synthetic images.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { BackendIdSchema } from '../../shared/schemas/hardware';
import { ModelScaleSchema } from '../../shared/schemas/model';
import type { TrainConfigInput } from '../../shared/schemas/train-config';
import { createRunDir } from '../../engine/index';
import { generatePretrainDataset } from '../../engine/data/pretrain/index';
import { PRETRAINED_INFO_FILE, pretrainedRoot, type PretrainedInfo } from '../../engine/model/pretrained';
import { MANIFEST_FILE, readDetectorManifest } from '../../engine/model/persist';
import { writeJsonAtomic } from '../../engine/runs/atomic';
import { runPaths } from '../../engine/runs/run-dir';
import { EXIT_OK, type CliIO } from '../io';
import { runWithFlags, type FlagDefs } from '../flags';
import { runAndReport } from './train';

/**
 * The recipe of the shipped weights: 10,000 synthetic images (5% validation), 3 epochs at 160 px
 * with the planner's batch, LR and schedule. About 35 minutes on two CPU cores for scale n.
 */
export const PRETRAIN_DEFAULTS = { images: 10_000, epochs: 3, imgsz: 160, seed: 1 } as const;

const HELP = `Usage: kestrel pretrain [--model n|s|m] [--images N] [--epochs N] [--imgsz N] [--out DIR]

Makes Kestrel's pretrained starting weights: generates formula-driven synthetic images
(procedural surfaces with lines, curves, blobs, pit clusters, crack networks, IFS fractals,
rings and textured patches; no photos, no one else's data or licence), trains a detector on
them, and writes its weights to DIR/<scale>/ with pretrained.json saying how they were made.
\`kestrel train --start pretrained\` (and the app) start new runs from them.

Options:
  --model n|s|m    model scale (default n)
  --images N       synthetic images (default ${PRETRAIN_DEFAULTS.images}; 5% validate)
  --epochs N       epochs (default ${PRETRAIN_DEFAULTS.epochs})
  --imgsz N        input size (default ${PRETRAIN_DEFAULTS.imgsz}; the weights serve every size)
  --seed N         seed of the images (default ${PRETRAIN_DEFAULTS.seed})
  --out DIR        where the weights go (default: the shipped folder, resources/pretrained)
  --runs DIR       where the training run goes (default runs)
  --data-dir DIR   where the synthetic set is written (default: a cache folder under the temp dir)
  --workers N      data loader threads (default: cores - 1, 1 to 4)
  --backend ID     tfjs-node-gpu, tfjs-node, webgpu, wasm or cpu (default: the best that loads)
  --calibrate MODE auto|off|force: measure memory before planning (default auto)
  --in-process     train in this process (default: a child process, restarted if it dies)
  --json-events    print one JSON event per line
  -h, --help       this help`;

export const PRETRAIN_FLAGS = {
  model: { type: 'choice', choices: ModelScaleSchema.options },
  images: { type: 'number', range: { min: 20, max: 1_000_000, int: true } },
  epochs: { type: 'number', limit: 'epochs' },
  imgsz: { type: 'number', range: { min: 64, max: 640, int: true, step: 32 } },
  seed: { type: 'number', limit: 'seed' },
  out: { type: 'string' },
  runs: { type: 'string' },
  'data-dir': { type: 'string' },
  workers: { type: 'number', limit: 'workers' },
  backend: { type: 'choice', choices: BackendIdSchema.options },
  calibrate: { type: 'choice', choices: ['auto', 'off', 'force'] },
  'in-process': { type: 'boolean' },
  'json-events': { type: 'boolean' },
} as const satisfies FlagDefs;

/** Copies a run's best weights (manifest and weights file) into `dest`, replacing what was there. */
async function installWeights(weightsDir: string, dest: string): Promise<void> {
  const manifest = await readDetectorManifest(weightsDir);
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  await copyFile(join(weightsDir, MANIFEST_FILE), join(dest, MANIFEST_FILE));
  await copyFile(join(weightsDir, manifest.weights.file), join(dest, manifest.weights.file));
}

/** `kestrel pretrain`: synthetic set, training run, weights installed with their description. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  return runWithFlags(argv, io, { command: 'pretrain', help: HELP, flags: PRETRAIN_FLAGS }, async ({ values }) => {
    const scale = values.model ?? 'n';
    const images = values.images ?? PRETRAIN_DEFAULTS.images;
    const epochs = values.epochs ?? PRETRAIN_DEFAULTS.epochs;
    const imgsz = values.imgsz ?? PRETRAIN_DEFAULTS.imgsz;
    const seed = values.seed ?? PRETRAIN_DEFAULTS.seed;
    const json = values['json-events'];
    const dataDir = resolve(values['data-dir'] ?? join(tmpdir(), 'kestrel-pretrain', `seed${seed}-n${images}`));
    if (!existsSync(join(dataDir, 'data.yaml'))) {
      if (!json) io.out(`Generating ${images} synthetic pretraining images in ${dataDir} ...`);
      await generatePretrainDataset(dataDir, { seed, images });
    } else if (!json) {
      io.out(`Using the synthetic pretraining set in ${dataDir}.`);
    }
    const paths = await createRunDir(resolve(values.runs ?? 'runs'), `pretrain-${scale}`);
    const cfg: TrainConfigInput = {
      runDir: paths.dir,
      datasetPath: dataDir,
      model: { scale, imgsz },
      epochs,
      start: 'scratch',
      seed: 0,
      ...(values.workers !== undefined ? { workers: values.workers } : {}),
      ...(values.backend ? { backend: values.backend } : {}),
      ...(values.calibrate ? { calibrate: values.calibrate } : {}),
    };
    const code = await runAndReport(cfg, io, { json, inProcess: values['in-process'] });
    if (code !== EXIT_OK) return code;
    const best = runPaths(paths.dir).best;
    if (!existsSync(join(best, MANIFEST_FILE))) throw new KestrelError('PRETRAIN_NO_WEIGHTS', reason('PRETRAIN_NO_WEIGHTS', { runDir: paths.dir }).message, { runDir: paths.dir });
    const results = JSON.parse(await readFile(runPaths(paths.dir).results, 'utf8')) as { best?: { map50?: number } };
    const dest = join(resolve(values.out ?? pretrainedRoot()), scale);
    await installWeights(best, dest);
    const info: PretrainedInfo = {
      name: `kestrel-synth-${scale}`,
      images,
      epochs,
      imgsz,
      command: ['kestrel pretrain', ...argv].join(' '),
      map50: results.best?.map50 ?? null,
    };
    await writeJsonAtomic(join(dest, PRETRAINED_INFO_FILE), info);
    if (!json) io.out(`Pretrained weights ${info.name} written to ${dest}: new runs of YOLOv8${scale} can start from them (kestrel train --start pretrained).`);
    return EXIT_OK;
  });
}
