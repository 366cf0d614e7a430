// `npm run bench -- export [--scale n|s|m] [--imgsz 640] [--nc 6] [--reps 5] [--threads 1]`
// One forward pass of the detector per image, TF.js (wasm) against the exported ONNX file on
// onnxruntime-node (CPU), same weights, same thread count; also the time to export. Prints a
// table and writes bench/results/export.json. Both runtimes' first run (warm-up) is left out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../electron/engine/backend/index';
import { createDetector } from '../electron/engine/model/detector';
import { saveDetector } from '../electron/engine/model/persist';
import { exportModel } from '../electron/engine/export/export';
import { output0Error, patternImage, tfReference } from '../test/engine/export/helpers';
import { nhwcToNchw } from '../electron/engine/export/decode-output';
import type { ModelScale } from '../electron/shared/schemas/model';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'n' },
    imgsz: { type: 'string', default: '640' },
    nc: { type: 'string', default: '6' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
  },
});
const scale = values.scale as ModelScale;
const imgsz = Number(values.imgsz);
const nc = Number(values.nc);
const reps = Number(values.reps);
const threads = Number(values.threads);

const backend = await initBackend({ force: 'wasm', threads });
const spec = { scale, imgsz, numClasses: nc, norm: 'batch' as const };
const det = createDetector(spec, { seed: 1 });
const dir = await mkdtemp(join(tmpdir(), 'kestrel-bench-export-'));
try {
  await saveDetector(det, join(dir, 'run', 'weights', 'best'), { classNames: Array.from({ length: nc }, (_, i) => `c${i}`) });
  let t0 = performance.now();
  const exported = await exportModel({ weights: join(dir, 'run') });
  const exportSeconds = (performance.now() - t0) / 1000;

  const img = patternImage(imgsz, 5);
  // TF.js: forward + reading the raw head output back (what predict needs before decoding).
  const tfOnce = async (): Promise<void> => {
    const x = tf.tensor4d(img, [1, imgsz, imgsz, 3]);
    const out = det.forward(x, false);
    await Promise.all([out.box.data(), out.cls.data()]);
    tf.dispose([x, out.box, out.cls]);
  };
  await tfOnce();
  t0 = performance.now();
  for (let i = 0; i < reps; i++) await tfOnce();
  const tfSeconds = (performance.now() - t0) / 1000 / reps;

  const session = await ort.InferenceSession.create(exported.file, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const input = new ort.Tensor('float32', nhwcToNchw(img, imgsz, imgsz), [1, 3, imgsz, imgsz]);
  let out = await session.run({ images: input });
  t0 = performance.now();
  for (let i = 0; i < reps; i++) out = await session.run({ images: input });
  const ortSeconds = (performance.now() - t0) / 1000 / reps;

  const ref = await tfReference(det, img);
  tf.dispose([ref.raw.box, ref.raw.cls]);
  const err = output0Error(out['output0']!.data as Float32Array, ref.output0, ref.output0.length / (4 + nc));
  await session.release();

  const rows = [
    { runtime: `TF.js ${backend.id}`, msPerImage: tfSeconds * 1000, imagesPerSec: 1 / tfSeconds },
    { runtime: 'onnxruntime-node (CPU)', msPerImage: ortSeconds * 1000, imagesPerSec: 1 / ortSeconds },
  ];
  console.log(`YOLOv8${scale}, ${imgsz} px, ${nc} classes, ${threads} thread(s), ${reps} reps; export took ${exportSeconds.toFixed(1)} s (${(exported.card.bytes / 1e6).toFixed(1)} MB)`);
  console.table(rows.map((r) => ({ runtime: r.runtime, 'ms/image': r.msPerImage.toFixed(1), 'images/s': r.imagesPerSec.toFixed(2) })));
  console.log(`onnxruntime / TF.js speed: ${(tfSeconds / ortSeconds).toFixed(2)}x; output0 max difference: boxes ${err.boxPixels.toExponential(2)} px (${err.box.toExponential(2)} of ${err.boxScale.toFixed(0)} px), scores ${err.score.toExponential(2)}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/export.json',
    JSON.stringify({ scale, imgsz, nc, threads, reps, exportSeconds, bytes: exported.card.bytes, rows, speedup: tfSeconds / ortSeconds, output0Error: err, date: new Date().toISOString() }, null, 2) + '\n',
  );
} finally {
  det.dispose();
  await rm(dir, { recursive: true, force: true });
}
