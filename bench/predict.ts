// `npm run bench -- predict [--imgsz 640] [--images 8] [--scale n] [--threads 1] [--big 4000x3000] [--no-onnx]`
// Images/s of `predict` end to end (decode, letterbox, forward, decode + NMS, label files) with
// TF.js (wasm) and, where onnxruntime-node loads, with ONNX Runtime (`--runtime onnx`): at the
// model's input size on 1280x960 photos, and tiled (640 px tiles, 20% overlap, plus the whole
// image) on one large photo. Weights are freshly initialised (the speed does not depend on
// them). Prints a table and writes bench/results/predict.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { initBackend } from '../electron/engine/backend/index';
import { createDetector } from '../electron/engine/model/detector';
import { saveDetector } from '../electron/engine/model/persist';
import { predict, type PredictOptions } from '../electron/engine/predict/predict';

const { values } = parseArgs({
  options: {
    imgsz: { type: 'string', default: '640' },
    images: { type: 'string', default: '8' },
    scale: { type: 'string', default: 'n' },
    threads: { type: 'string', default: '1' },
    big: { type: 'string', default: '4000x3000' },
    'no-onnx': { type: 'boolean', default: false },
  },
});
const imgsz = Number(values.imgsz);
const nImages = Number(values.images);
const scale = values.scale as 'n' | 's' | 'm';
const threads = Number(values.threads);
const [bigW, bigH] = values.big!.split('x').map(Number) as [number, number];
const classNames = ['scratch', 'dent', 'crack', 'spot', 'hole', '划痕'];

/** A photo-like JPEG: grey steel gradient, noise, a few bright and dark marks. */
async function photo(file: string, w: number, h: number, seed: number): Promise<void> {
  const px = new Uint8Array(w * h * 3);
  let s = seed;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const v = 110 + ((x + y) % 97) / 4 + ((s >>> 24) % 16);
      px.fill(v, (y * w + x) * 3, (y * w + x) * 3 + 3);
    }
  }
  for (let k = 0; k < 6; k++) {
    const x0 = (seed * 97 + k * 211) % (w - 40);
    const y0 = (seed * 53 + k * 157) % (h - 40);
    for (let y = y0; y < y0 + 12 + k * 4; y++) for (let x = x0; x < x0 + 12 + k * 4; x++) px.fill(k % 2 ? 250 : 20, (y * w + x) * 3, (y * w + x) * 3 + 3);
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
}

interface Row {
  runtime: string;
  case: string;
  images: number;
  seconds: number;
  imagesPerSec: number;
  inputsPerImage: number;
}
const rows: Row[] = [];

const root = await mkdtemp(join(tmpdir(), 'kestrel-bench-predict-'));
try {
  const backend = await initBackend({ force: 'wasm', threads });
  const runDir = join(root, 'run');
  const det = createDetector({ scale, imgsz, numClasses: classNames.length, norm: 'batch' }, { seed: 1 });
  await saveDetector(det, join(runDir, 'weights', 'best'), { classNames });
  det.dispose();
  const photos = join(root, 'photos');
  await mkdir(photos);
  for (let i = 0; i < nImages; i++) await photo(join(photos, `p${i}.jpg`), 1280, 960, i + 1);
  const bigFile = join(root, 'big.jpg');
  await photo(bigFile, bigW, bigH, 99);
  const warm = join(root, 'warm.jpg');
  await photo(warm, 320, 240, 7);

  const measure = async (runtime: string, name: string, run: (o: PredictOptions) => Promise<{ summary: { images: number; seconds: number } ; images: { tiles: number }[] }>, o: PredictOptions): Promise<void> => {
    await run({ ...o, source: warm, tile: { kind: 'off' } }); // warm-up: kernels, allocations
    const res = await run(o);
    const tiles = res.images[0]?.tiles ?? 0;
    rows.push({
      runtime,
      case: name,
      images: res.summary.images,
      seconds: res.summary.seconds,
      imagesPerSec: res.summary.images / res.summary.seconds,
      inputsPerImage: tiles > 0 ? tiles + (o.fullImage === false ? 0 : 1) : 1,
    });
    console.error(`${runtime} ${name}: ${(res.summary.images / res.summary.seconds).toFixed(3)} images/s`);
  };
  const base: PredictOptions = { weights: runDir, conf: 0.25, out: join(root, 'out') };
  const whole = { ...base, source: photos };
  const tiled: PredictOptions = { ...base, source: bigFile, tile: { kind: 'size', size: imgsz }, overlap: 0.2 };
  const wholeName = `${nImages} photos 1280x960 at ${imgsz} px`;
  const tiledName = `${bigW}x${bigH}, ${imgsz} px tiles, 20% overlap + whole`;

  await measure(`tfjs-${backend.id}`, wholeName, (o) => predict(o), whole);
  await measure(`tfjs-${backend.id}`, tiledName, (o) => predict(o), tiled);

  if (!values['no-onnx']) {
    // predict's own ONNX Runtime path: the weights exported in memory, run on onnxruntime-node
    const ort = (o: PredictOptions) => predict({ ...o, runtime: 'onnx', threads });
    try {
      await measure('onnxruntime-node', wholeName, ort, whole);
      await measure('onnxruntime-node', tiledName, ort, tiled);
    } catch (err) {
      const detail = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      console.error(`onnxruntime-node rows skipped: ${detail}`);
      rows.push({ runtime: 'onnxruntime-node', case: `unavailable: ${detail}`, images: 0, seconds: 0, imagesPerSec: 0, inputsPerImage: 0 });
    }
  }

  console.log(`predict, YOLOv8${scale} ${classNames.length} classes, ${threads} thread(s), ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'})`);
  console.table(rows.map((r) => ({ runtime: r.runtime, case: r.case, 'images/s': r.imagesPerSec.toFixed(3), 's/image': r.images ? (r.seconds / r.images).toFixed(2) : '-', 'inputs/image': r.inputsPerImage })));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/predict.json',
    JSON.stringify({ scale, imgsz, threads, cores: cpus().length, classes: classNames.length, rows, date: new Date().toISOString() }, null, 2) + '\n',
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
