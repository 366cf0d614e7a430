// `npm run bench -- loader [--quick] [--imgsz 224] [--batch 16] [--workers N] [--images N] [--trainer-ips N]`
// Images per second the loader delivers for NEU-DET (decode + letterbox + augmentation, in
// worker threads), with and without augmentation and mosaic, cold and warm RAM cache, plus
// peak RSS. The consumer does nothing, so this is the loader's ceiling; compare it with what
// the trainer consumes (--trainer-ips, or bench/results/train.json when it exists).
// Prints a table and writes bench/results/loader.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { importDataset } from '../electron/engine/data/import/index';
import { defaultAugmentOptions, type AugmentOptions } from '../electron/engine/data/augment/options';
import { createLoader } from '../electron/engine/data/loader/index';
import type { CacheMode } from '../electron/engine/data/cache';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    imgsz: { type: 'string', default: '224' },
    batch: { type: 'string', default: '16' },
    workers: { type: 'string' },
    images: { type: 'string' },
    'trainer-ips': { type: 'string' },
  },
});
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const neuDir = resolve(repoRoot, '..', 'shared', 'datasets', 'neu-det');
const imgsz = Number(values.imgsz);
const batchSize = Number(values.batch);
const workers = values.workers !== undefined ? Number(values.workers) : Math.min(4, Math.max(1, availableParallelism() - 1));

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 25);

const t0 = performance.now();
const ds = await importDataset(neuDir);
const importSeconds = (performance.now() - t0) / 1000;
const all = [...ds.splits.train, ...ds.splits.val, ...ds.splits.test];
const count = Math.min(all.length, Number(values.images ?? (values.quick ? 320 : all.length)));
// Every k-th image, so a quick run still spans all six classes.
const step = all.length / count;
const records = Array.from({ length: count }, (_, i) => all[Math.floor(i * step)]!);

interface Row {
  case: string;
  cache: CacheMode;
  pass: 'cold' | 'warm';
  images: number;
  seconds: number;
  imagesPerSec: number;
}
const rows: Row[] = [];

async function runCase(name: string, augment: AugmentOptions | null, cache: CacheMode, passes: ('cold' | 'warm')[]): Promise<void> {
  const cacheDir = join(tmpdir(), `kestrel-bench-loader-${process.pid}`);
  const loader = createLoader({ records, imgsz, batchSize, augment, seed: 1, shuffle: true, workers, cache, cacheDir });
  try {
    for (const [epoch, pass] of passes.entries()) {
      const start = performance.now();
      let n = 0;
      for await (const b of loader.epoch(epoch)) n += b.size;
      const seconds = (performance.now() - start) / 1000;
      rows.push({ case: name, cache, pass, images: n, seconds, imagesPerSec: n / seconds });
    }
  } finally {
    await loader.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const noMosaic = defaultAugmentOptions({ mosaic: 0 });
const full = defaultAugmentOptions();
await runCase('letterbox only (val)', null, 'none', ['cold']);
await runCase('letterbox only (val)', null, 'ram', ['cold', 'warm']);
await runCase('augment, no mosaic', noMosaic, 'ram', ['cold', 'warm']);
await runCase('augment + mosaic', full, 'ram', ['cold', 'warm']);
if (!values.quick) await runCase('augment + mosaic', full, 'disk', ['cold', 'warm']);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

// The trainer figure to compare with: given, or from the training benchmark when present.
let trainer: { imagesPerSec: number; source: string } | null = null;
if (values['trainer-ips'] !== undefined) trainer = { imagesPerSec: Number(values['trainer-ips']), source: '--trainer-ips' };
else {
  for (const f of ['train.json', 'trainer.json']) {
    const p = join(repoRoot, 'bench', 'results', f);
    if (!existsSync(p)) continue;
    const j = JSON.parse(readFileSync(p, 'utf8')) as { imagesPerSec?: number; rows?: Array<{ scale: string; imgsz: number; steadyImagesPerSec?: number; imagesPerSec: number }> };
    if (typeof j.imagesPerSec === 'number') trainer = { imagesPerSec: j.imagesPerSec, source: `bench/results/${f}` };
    // The training benchmark's table: the fastest trainer at this input size is the hungriest.
    const rows = (j.rows ?? []).filter((r) => r.imgsz === imgsz);
    if (rows.length) {
      const best = rows.reduce((a, b) => ((b.steadyImagesPerSec ?? b.imagesPerSec) > (a.steadyImagesPerSec ?? a.imagesPerSec) ? b : a));
      trainer = { imagesPerSec: best.steadyImagesPerSec ?? best.imagesPerSec, source: `bench/results/${f}, scale ${best.scale} at ${best.imgsz} px` };
    }
  }
}

const pad = (s: string, n: number): string => s.padEnd(n);
console.log(`\nLoader, NEU-DET ${records.length} images at ${imgsz} px, batch ${batchSize}, ${workers} worker thread(s), ${cpus().length} CPU(s)`);
console.log(`(import of ${all.length} images took ${importSeconds.toFixed(1)} s)\n`);
console.log(`${pad('case', 24)} ${pad('cache', 6)} ${pad('pass', 5)} ${'images/s'.padStart(9)} ${'seconds'.padStart(8)}`);
for (const r of rows) console.log(`${pad(r.case, 24)} ${pad(r.cache, 6)} ${pad(r.pass, 5)} ${r.imagesPerSec.toFixed(1).padStart(9)} ${r.seconds.toFixed(2).padStart(8)}`);
console.log(`\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
const slowestTrain = Math.min(...rows.filter((r) => r.case !== 'letterbox only (val)' && r.pass === 'warm').map((r) => r.imagesPerSec));
if (trainer) {
  const ratio = slowestTrain / trainer.imagesPerSec;
  console.log(`trainer consumes ${trainer.imagesPerSec.toFixed(1)} images/s (${trainer.source}); slowest warm training loader case delivers ${ratio.toFixed(1)}x that (${ratio >= 3 ? 'meets' : 'BELOW'} the 3x target)`);
} else {
  console.log('no trainer figure yet (pass --trainer-ips N or run the training benchmark) to check the 3x target');
}

const out = join(repoRoot, 'bench', 'results', 'loader.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      dataset: 'neu-det',
      images: records.length,
      imgsz,
      batchSize,
      workers,
      cpus: cpus().length,
      quick: values.quick,
      importSeconds,
      rows,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      trainer,
      slowestWarmTrainingImagesPerSec: slowestTrain,
      ratioToTrainer: trainer ? slowestTrain / trainer.imagesPerSec : null,
    },
    null,
    2,
  ),
);
console.log(`wrote ${out}`);
