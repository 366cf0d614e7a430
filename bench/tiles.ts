// `npm run bench -- tiles [--mode auto|off] [--images 40] [--imgsz 192] [--samples 900] [--seed 0] [--out DIR]`
// Training on tiles of large images against whole images, at the same compute: generates the
// demo set with small defects on large images (2000x1500, 10-20 px defects; kept in
// scratch/tiles-demo), trains scale n at --imgsz with the given --mode for about --samples
// training samples (epochs = samples / samples per epoch, so both modes see the same number of
// network inputs), validates once at the end (whole images; tiled predict for a tiled run) and
// prints and writes the result to bench/results/tiles-<mode>.json. Run the two modes one after
// the other (or side by side: both then meet the same load).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateDemoDataset } from '../electron/engine/data/demo/index';
import { train } from '../electron/engine/train/index';
import { importDataset } from '../electron/engine/data/import/index';
import { tileSamples } from '../electron/engine/data/tiles';
import { planTrainTiles } from '../electron/engine/plan/tiles';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'auto' },
    images: { type: 'string', default: '40' },
    imgsz: { type: 'string', default: '192' },
    samples: { type: 'string', default: '900' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mode = values.mode === 'off' ? 'off' : 'auto';
const imgsz = Number(values.imgsz);
const images = Number(values.images);
const seed = Number(values.seed);
const dataDir = join(root, 'scratch', `tiles-demo-${images}`);
if (!existsSync(join(dataDir, 'data.yaml'))) {
  const t0 = Date.now();
  await generateDemoDataset(dataDir, { seed: 5, images, size: [2000, 2000], defectPx: [10, 20] });
  console.log(`generated ${images} images in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${dataDir}`);
}
// Samples per epoch as the run will cut them, so both modes get the same compute.
const ds = await importDataset(join(dataDir, 'data.yaml'));
const decision = planTrainTiles(mode, ds.splits.train, imgsz);
const perEpoch = decision.tiles ? tileSamples(ds.splits.train, { size: decision.tiles.size, overlap: decision.tiles.overlap, seed }).samples.length : ds.splits.train.length;
const epochs = Math.max(1, Math.round(Number(values.samples) / perEpoch));
const runDir = resolve(values.out ?? join(root, 'scratch', `tiles-run-${mode}-${Date.now()}`));
console.log(`${mode}: ${perEpoch} samples per epoch x ${epochs} epochs (${decision.reason.message})`);
const t0 = Date.now();
const result = await train({ runDir, datasetPath: join(dataDir, 'data.yaml'), model: { scale: 'n', imgsz }, epochs, seed, tiles: mode, calibrate: 'off', valEvery: epochs, patience: 1000 });
const out = {
  mode,
  imgsz,
  images,
  trainImages: ds.splits.train.length,
  valImages: ds.splits.val.length,
  valBoxes: ds.splits.val.reduce((n, r) => n + r.boxes.length, 0),
  samplesPerEpoch: perEpoch,
  epochs,
  tiles: result.plan.tiles,
  map50: result.evaluation?.map50 ?? null,
  map50_95: result.evaluation?.map50_95 ?? null,
  precision: result.evaluation?.precision ?? null,
  recall: result.evaluation?.recall ?? null,
  trainSeconds: Math.round(result.timings.trainMs / 1000),
  valSeconds: Math.round(result.timings.valMs / 1000),
  totalSeconds: Math.round((Date.now() - t0) / 1000),
  runDir,
};
console.log(JSON.stringify(out, null, 2));
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `tiles-${mode}.json`), JSON.stringify(out, null, 2) + '\n');
