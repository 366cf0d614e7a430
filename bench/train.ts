// `npm run bench -- train [--quick] [--data DIR] [--images N] [--backend ID] [--threads 1,2]`
// Training throughput end to end (loading, augmentation, forward, loss, backward, optimizer,
// EMA) and peak memory, for scales n and s at 224 and 320 px on this machine's best backend;
// validation timed apart. Prints a table and writes bench/results/train.json.
// --quick: fewer images and a fixed batch of 8 (no memory probe), for a busy machine.
// --threads: wasm threads, one process per count (threads are fixed per process); default 1,2.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemoDataset } from '../electron/engine/data/demo/index';
import { train } from '../electron/engine/train/index';
import type { BackendId } from '../electron/shared/schemas/hardware';
import type { ModelScale } from '../electron/shared/schemas/model';
import type { TrainingEvent } from '../electron/shared/schemas/events';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    data: { type: 'string' },
    images: { type: 'string' },
    backend: { type: 'string' },
    scales: { type: 'string', default: 'n,s' },
    sizes: { type: 'string', default: '224,320' },
    threads: { type: 'string', default: '1,2' },
    'child-out': { type: 'string' },
  },
});
const quick = values.quick === true;
const childOut = values['child-out'];
if (!childOut) {
  // Parent: one child process per thread count, then one table.
  const all: Row[] = [];
  let dataUsed = '';
  for (const t of values.threads!.split(',').map(Number)) {
    const out = join(tmpdir(), `kestrel-bench-train-${process.pid}-${t}.json`);
    const args = process.argv.slice(2).filter((a, i, arr) => a !== '--threads' && arr[i - 1] !== '--threads');
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args, '--threads', String(t), '--child-out', out], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, KESTREL_WASM_THREADS: String(t) },
    });
    if (r.status !== 0 || !existsSync(out)) {
      console.error(`train bench with ${t} thread(s) failed (exit ${r.status ?? r.signal})`);
      continue;
    }
    const part = JSON.parse(readFileSync(out, 'utf8')) as { data: string; rows: Row[] };
    rmSync(out, { force: true });
    dataUsed = part.data;
    all.push(...part.rows);
  }
  printAndSave(all, dataUsed);
  process.exit(0);
}
const neu = resolve('../shared/datasets/neu-det');
let data = values.data ?? (existsSync(neu) ? neu : '');
const work = mkdtempSync(join(tmpdir(), 'kestrel-bench-train-'));
if (!data) {
  data = join(work, 'demo');
  await generateDemoDataset(data, { seed: 1, images: 200, size: [200, 320] });
}
const images = Number(values.images ?? (quick ? 24 : 96));
const scales = values.scales!.split(',') as ModelScale[];
const sizes = values.sizes!.split(',').map(Number);

interface Row {
  scale: ModelScale;
  imgsz: number;
  backend: string;
  /** wasm threads (0 on other backends). */
  threads: number;
  batch: number;
  accumulation: number;
  trainImages: number;
  /** Whole epoch, first (warm-up) batch included. */
  imagesPerSec: number;
  /** From the second micro-batch on: the pace a long run keeps. */
  steadyImagesPerSec: number;
  valImages: number;
  valImagesPerSec: number;
  peakTensorBytes: number | null;
  predictedBytes: number;
  maxRssBytes: number;
}
const rows: Row[] = [];
for (const scale of scales) {
  for (const imgsz of sizes) {
    const runDir = join(work, `${scale}-${imgsz}`);
    const batchEnds: Array<{ t: number; images: number }> = [];
    const res = await train(
      {
        runDir,
        datasetPath: data,
        model: { scale, imgsz },
        epochs: 1,
        overrides: quick ? { batch: 8, accumulation: 1 } : {},
        calibrate: quick ? 'off' : 'auto',
        calibrationFile: join(work, 'calibrations.json'),
        maxTrainImages: images,
        maxValImages: Math.max(8, Math.round(images / 4)),
        checkpointEverySeconds: 0,
        ...(values.backend ? { backend: values.backend as BackendId } : {}),
      },
      {
        onEvent: (e: TrainingEvent) => {
          if (e.type === 'batch-end') batchEnds.push({ t: e.t, images: e.batch });
        },
      },
    );
    const bsz = res.layout.perDeviceBatch;
    const steady =
      batchEnds.length >= 2 ? ((batchEnds.at(-1)!.images - batchEnds[0]!.images) * bsz * 1000) / Math.max(1, batchEnds.at(-1)!.t - batchEnds[0]!.t) : res.imagesPerSec;
    const valImages = Math.max(8, Math.round(images / 4));
    rows.push({
      scale,
      imgsz,
      backend: String(res.plan.backend),
      threads: res.plan.backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 0,
      batch: res.layout.perDeviceBatch,
      accumulation: res.layout.accumulation,
      trainImages: Math.min(images, res.plan.trainImages),
      imagesPerSec: res.imagesPerSec,
      steadyImagesPerSec: Math.min(steady, images * 1000),
      valImages,
      valImagesPerSec: res.timings.valMs > 0 ? (valImages * 1000) / res.timings.valMs : 0,
      peakTensorBytes: res.memory.measuredPeakBytes,
      predictedBytes: res.memory.predictedBytes,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    });
    rmSync(runDir, { recursive: true, force: true });
  }
}
rmSync(work, { recursive: true, force: true });

writeFileSync(childOut, JSON.stringify({ data, rows }));
process.exit(0);

function printAndSave(rows: Row[], data: string): void {
  const mib = (b: number | null) => (b === null ? '-' : `${Math.round(b / 2 ** 20)}`);
  console.log(`\nTraining throughput (${quick ? 'quick' : 'full'}; data ${data}; ${cpus().length} cores)\n`);
  console.log('scale  imgsz  backend  thr  batch x acc  img/s (epoch)  img/s (steady)  val img/s  peak MiB  predicted MiB  max RSS MiB');
  for (const r of rows) {
    console.log(
      `${r.scale.padEnd(5)}  ${String(r.imgsz).padStart(5)}  ${r.backend.padEnd(7)}  ${String(r.threads).padStart(3)}  ${`${r.batch} x ${r.accumulation}`.padStart(11)}  ${r.imagesPerSec.toFixed(2).padStart(13)}  ${r.steadyImagesPerSec.toFixed(2).padStart(14)}  ${r.valImagesPerSec.toFixed(1).padStart(9)}  ${mib(r.peakTensorBytes).padStart(8)}  ${mib(r.predictedBytes).padStart(13)}  ${mib(r.maxRssBytes).padStart(11)}`,
    );
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/train.json',
    JSON.stringify({ bench: 'train', quick, data, cores: cpus().length, cpu: cpus()[0]?.model ?? null, at: new Date().toISOString(), rows }, null, 2) + '\n',
  );
  console.log('\nwrote bench/results/train.json');
}
