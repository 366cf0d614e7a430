// `npm run bench -- demo-seeds --seed N [--warmup-epochs X] [--out DIR]`: one run of `kestrel demo`'s
// recipe (its set, scale n at 64 px, batch 4, AdamW LR 0.003, 12 epochs) with a given training
// seed and, optionally, another warmup; prints one JSON line with mAP50 per epoch. The demo and
// SIMD-kernel study (bench/results/demo-study.json) ran it per seed and variant, two at a time:
//   KESTREL_WASM_THREADS=1 [KESTREL_SIMD_KERNELS=1] npm run -s bench -- demo-seeds --seed 0 [--warmup-epochs 3]
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_DEFAULTS } from '../electron/cli/commands/demo';
import { generateDemoDataset } from '../electron/engine/data/demo/index';
import { createRunDir, train } from '../electron/engine/index';
import type { TrainingEvent } from '../electron/shared/schemas/events';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '0' }, 'warmup-epochs': { type: 'string' }, out: { type: 'string' } } });
const seed = Number(values.seed);
const warmupEpochs = values['warmup-epochs'] !== undefined ? Number(values['warmup-epochs']) : DEMO_DEFAULTS.warmupEpochs;
const dataDir = join(tmpdir(), 'kestrel-demo', `seed${DEMO_DEFAULTS.seed}-n${DEMO_DEFAULTS.images}`);
if (!existsSync(join(dataDir, 'data.yaml'))) await generateDemoDataset(dataDir, { seed: DEMO_DEFAULTS.seed, images: DEMO_DEFAULTS.images });
const paths = await createRunDir(resolve(values.out ?? join(tmpdir(), 'kestrel-demo-seeds')), `demo-s${seed}-w${warmupEpochs}`);
const maps: number[] = [];
let warmupSteps: number | null = null;
await train(
  {
    runDir: paths.dir,
    datasetPath: dataDir,
    model: { scale: 'n', imgsz: DEMO_DEFAULTS.imgsz },
    epochs: DEMO_DEFAULTS.epochs,
    seed,
    overrides: { batch: DEMO_DEFAULTS.batch, accumulation: DEMO_DEFAULTS.accumulation, lr: DEMO_DEFAULTS.lr, optimizer: 'adamw', warmupEpochs },
    augment: 'light',
    patience: DEMO_DEFAULTS.epochs,
    checkpointEverySeconds: 0,
  },
  {
    onEvent: (e: TrainingEvent) => {
      if (e.type === 'epoch-end' && e.metrics) maps.push(Math.round(e.metrics.map50 * 1000) / 1000);
      if (e.type === 'plan') warmupSteps = Number((e.plan as { warmupSteps?: number }).warmupSteps ?? NaN);
    },
  },
);
console.log(JSON.stringify({ seed, warmupEpochs, warmupSteps, simd: process.env.KESTREL_SIMD_KERNELS === '1', maps, best: Math.max(...maps) }));
