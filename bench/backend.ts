/**
 * `npm run bench -- backend [--quick] [--sizes 256,320] [--threads 1,2] [--batch 8] [--steps 5]`
 *
 * Training speed and memory of the detector (scale n, BatchNorm) on the wasm backend, the cpu
 * backend at a tiny size for reference, and a PyTorch reference of the same network
 * (bench/reference/yolo_train_bench.py, when /usr/bin/python3 has torch), side by side.
 *
 * One step = forward (training mode) + loss mean(box^2) + mean(cls^2) + gradients of every
 * trainable variable; no optimizer update, on both sides. Each configuration runs in its own
 * process (wasm threads are fixed per process, and peak RSS is per process).
 *
 * - images/s: batch / median seconds per step (after warm-up steps).
 * - GFLOP/s: 3 x forward FLOPs (describeModel) x images/s; backward counted as twice forward.
 * - bytes/image: slope of a least-squares line over several batch sizes, of (wasm) the peak of
 *   live tensor bytes during one step (tf.profile's peakBytes) and, for both, the process's
 *   peak RSS. The slope removes weights, runtime and code.
 * - ceilings, as wasm/torch ratios: "conv-only" if everything but the Conv2D kernels (forward and
 *   inside both gradients, XNNPACK) took no time; "SIMD-peak" if every FLOP of the step ran at
 *   this machine's measured wasm SIMD peak (f32x4 multiply + add, per thread, times threads).
 * - top kernels: one profiled wasm step, time per kernel name. Composite kernels
 *   (Conv2DBackpropInput/Filter, written as convs on wasm) include their inner Conv2D and
 *   Transpose, which are also listed on their own.
 *
 * Prints a table and writes bench/results/backend.json.
 *
 * `npm run bench -- backend --step [--imgsz 224] [--batch 16] [--threads 1,2] [--norms batch,group] [--steps 2]`
 * profiles instead ONE real training step on wasm (6 classes, random boxes): forward, the real
 * loss with its assigner (and the assigner alone), backward and an SGD update, each timed, plus
 * the exclusive time of every kernel by phase (a kernel called inside another, like the convs
 * inside Conv2DBackpropFilter, counts once, under "outer>inner"). Writes
 * bench/results/backend-step.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelSpec } from '../electron/shared/schemas/model';

const SELF = fileURLToPath(import.meta.url);
const NUM_CLASSES = 4;

interface ChildArgs {
  backend: 'wasm' | 'cpu' | 'webgpu';
  /** webgpu: tfjs's own Conv2DBackpropFilter instead of Kestrel's (KESTREL_WEBGPU_STOCK_KERNELS=1). */
  stockKernels?: boolean;
  threads: number;
  imgsz: number;
  batch: number;
  steps: number;
  warmup: number;
  profile: boolean;
}

interface ChildResult {
  secondsPerStep: number;
  /** Seconds of one profiled step spent in Conv2D kernels (forward and inside both gradients). */
  convSecondsPerStep: number;
  /** wasm: this thread's f32x4 multiply+add peak, GFLOP/s (measureWasmSimdPeak). */
  simdPeakGflopsPerThread?: number;
  peakTensorBytes: number;
  maxRssBytes: number;
  threads: number;
  topKernels?: Array<{ name: string; ms: number; share: number }>;
}

function spec(imgsz: number): ModelSpec {
  return { scale: 'n', imgsz, numClasses: NUM_CLASSES, norm: 'batch' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs in the child process: one configuration, one JSON line on stdout. */
async function child(a: ChildArgs): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('../electron/engine/backend/index');
  const { createDetector } = await import('../electron/engine/model/index');
  const { measureWasmSimdPeak } = await import('../electron/engine/backend/simd-kernels');
  const report = await initBackend({ force: a.backend, threads: a.threads });
  const simdPeak = a.backend === 'wasm' ? measureWasmSimdPeak() : undefined;
  const det = createDetector(spec(a.imgsz), { seed: 1 });
  const { weights, norms, biases } = det.trainableVariables();
  const vars = [...weights, ...norms, ...biases];
  const images = tf.randomUniform([a.batch, a.imgsz, a.imgsz, 3]) as import('@tensorflow/tfjs-core').Tensor4D;
  const step = async () => {
    const done = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const o = det.forward(images, true);
        return tf.add(tf.mean(tf.square(o.box)), tf.mean(tf.square(o.cls))) as import('@tensorflow/tfjs-core').Scalar;
      }, vars);
      // On a GPU the loss is ready before the gradients: read one value that depends on all of them.
      return a.backend === 'webgpu' ? tf.addN([value, ...Object.values(grads).map((g) => tf.sum(g))]) : tf.clone(value);
    });
    // A sync point: the step is done when its loss is on the host (await data(): dataSync fails on webgpu).
    await done.data();
    done.dispose();
  };
  const times: number[] = [];
  for (let i = 0; i < a.warmup + a.steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= a.warmup) times.push((performance.now() - t0) / 1000);
  }
  const prof = await tf.profile(step);
  const res: ChildResult = {
    secondsPerStep: times.length ? median(times) : NaN,
    convSecondsPerStep: prof.kernels.filter((k) => k.name === 'Conv2D').reduce((acc, k) => acc + Number(k.kernelTimeMs), 0) / 1000,
    ...(simdPeak !== undefined ? { simdPeakGflopsPerThread: simdPeak } : {}),
    peakTensorBytes: prof.peakBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    threads: report.threads,
  };
  if (a.profile) {
    const byName = new Map<string, number>();
    for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const total = [...byName.values()].reduce((x, y) => x + y, 0);
    res.topKernels = [...byName.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 12)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((1000 * ms) / total) / 10 }));
  }
  process.stdout.write(`RESULT ${JSON.stringify(res)}\n`);
  process.exit(0);
}

interface StepArgs {
  threads: number;
  imgsz: number;
  batch: number;
  norm: 'batch' | 'group';
  steps: number;
}

interface StepResult {
  threads: number;
  norm: string;
  imagesPerSecond: number;
  /** Median ms per phase over the timed steps. */
  phases: { forward: number; loss: number; backward: number; optimizer: number; total: number };
  /** The assigner alone on this batch (plain TS), and the one device read it needs. */
  assignerMs: number;
  downloadMs: number;
  kernels: Array<{ name: string; ms: number; calls: number }>;
}

/** Runs in the child: one real training step profiled by phase and kernel. */
async function stepChild(a: StepArgs): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('../electron/engine/backend/index');
  const { createDetector } = await import('../electron/engine/model/index');
  const { anchorsFor } = await import('../electron/engine/eval/decode');
  const { computeLoss, assignTargets } = await import('../electron/engine/loss/index');
  const { createSgd } = await import('../electron/engine/train/optim');
  const { createRng } = await import('../electron/engine/data/rng');
  const report = await initBackend({ force: 'wasm', threads: a.threads });
  const nc = 6;
  const det = createDetector({ scale: 'n', imgsz: a.imgsz, numClasses: nc, norm: a.norm }, { seed: 1 });
  const anchors = anchorsFor(a.imgsz, [8, 16, 32]);
  const rng = createRng(7);
  const s = a.imgsz;
  const pixels = new Float32Array(a.batch * s * s * 3).map(() => rng.next());
  const bi: number[] = [];
  const cls: number[] = [];
  const boxes: number[] = [];
  // NEU-DET-like: 1-5 boxes per image, 16 to 165 px sides.
  for (let b = 0; b < a.batch; b++) {
    for (let k = 1 + rng.int(5); k > 0; k--) {
      const w = Math.min(s - 1, 16 + rng.int(150));
      const h = Math.min(s - 1, 16 + rng.int(150));
      const x1 = rng.int(s - w);
      const y1 = rng.int(s - h);
      bi.push(b);
      cls.push(rng.int(nc));
      boxes.push(x1, y1, x1 + w, y1 + h);
    }
  }
  const targets = { size: a.batch, batchIndex: Int32Array.from(bi), cls: Int32Array.from(cls), boxes: Float32Array.from(boxes) };
  const params = det.params();
  const opt = createSgd(params);
  const x = tf.tensor4d(pixels, [a.batch, s, s, 3]);

  // Exclusive kernel timer: wasm runs kernels synchronously, so wall time around a kernel is its cost.
  let phase = 'forward';
  const stats = new Map<string, { ms: number; calls: number }>();
  let timing = false;
  const stack: Array<{ name: string; inner: number }> = [];
  for (const k of tf.getKernelsForBackend('wasm')) {
    const orig = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!timing) return orig(args);
        const parent = stack[stack.length - 1];
        stack.push({ name: k.kernelName, inner: 0 });
        const t0 = performance.now();
        try {
          return orig(args);
        } finally {
          const dt = performance.now() - t0;
          const me = stack.pop()!;
          if (parent) parent.inner += dt;
          const key = `${phase}:${parent ? `${parent.name}>` : ''}${k.kernelName}`;
          const e = stats.get(key) ?? { ms: 0, calls: 0 };
          e.ms += dt - me.inner;
          e.calls++;
          stats.set(key, e);
        }
      },
    });
  }

  const oneStep = () => {
    let t1 = 0;
    let t2 = 0;
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      phase = 'forward';
      const raw = det.forward(x, true);
      t1 = performance.now();
      phase = 'loss';
      const l = computeLoss(raw, targets, anchors);
      t2 = performance.now();
      phase = 'backward';
      return l.total;
    }, params.map((p) => p.variable));
    const t3 = performance.now();
    phase = 'optimizer';
    const byName: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
    for (const p of params) byName[p.name] = grads[p.variable.name]!;
    opt.apply(byName, { lr: 0.01, momentum: 0.937, weightDecay: 5e-4 });
    tf.dispose([...Object.values(grads), value]);
    const t4 = performance.now();
    return { forward: t1 - t0, loss: t2 - t1, backward: t3 - t2, optimizer: t4 - t3, total: t4 - t0 };
  };
  oneStep(); // warm-up
  const runs: Array<ReturnType<typeof oneStep>> = [];
  for (let i = 0; i < a.steps; i++) runs.push(oneStep());
  timing = true;
  oneStep();
  timing = false;
  const med = (k: keyof ReturnType<typeof oneStep>) => median(runs.map((r) => r[k]));
  const phases = { forward: med('forward'), loss: med('loss'), backward: med('backward'), optimizer: med('optimizer'), total: med('total') };

  // The assigner alone, on this batch's detached predictions.
  const raw = det.forward(x, true);
  const t0 = performance.now();
  const scores = tf.tidy(() => tf.sigmoid(raw.cls)).dataSync() as Float32Array;
  const downloadMs = performance.now() - t0;
  const [, na] = raw.box.shape;
  const predBoxes = new Float32Array(a.batch * na * 4);
  for (let i = 0; i < a.batch * na; i++) {
    const k = i % na;
    const cx = anchors.points[2 * k]!;
    const cy = anchors.points[2 * k + 1]!;
    predBoxes.set([cx - 20, cy - 20, cx + 20, cy + 20], 4 * i);
  }
  const t5 = performance.now();
  assignTargets({
    batchSize: a.batch,
    numAnchors: na,
    numClasses: nc,
    predScores: scores,
    predBoxes,
    anchorPoints: anchors.points,
    gtBatchIndex: targets.batchIndex,
    gtClasses: targets.cls,
    gtBoxes: targets.boxes,
  });
  const assignerMs = performance.now() - t5;
  tf.dispose([raw.box, raw.cls]);
  const res: StepResult = {
    threads: report.threads,
    norm: a.norm,
    imagesPerSecond: (a.batch * 1000) / phases.total,
    phases,
    assignerMs,
    downloadMs,
    kernels: [...stats.entries()].sort((p, q) => q[1].ms - p[1].ms).map(([name, e]) => ({ name, ms: e.ms, calls: e.calls })),
  };
  process.stdout.write(`RESULT ${JSON.stringify(res)}\n`);
  process.exit(0);
}

function runStepChild(a: StepArgs, timeoutMs: number): StepResult | { error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--step-child', JSON.stringify(a)], { encoding: 'utf8', timeout: timeoutMs });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 400)}` };
  return JSON.parse(line.slice(7)) as StepResult;
}

/** `--step`: the real-step profile for each norm and thread count. */
function stepMain(v: { imgsz?: string; batch?: string; threads?: string; norms?: string; steps?: string }): void {
  const imgsz = Number(v.imgsz ?? 224);
  const batch = Number(v.batch ?? 16);
  const threadList = (v.threads ?? '1,2').split(',').map(Number);
  const norms = (v.norms ?? 'batch,group').split(',') as Array<'batch' | 'group'>;
  const steps = Number(v.steps ?? 2);
  console.log(`real training step on wasm: scale n, ${imgsz} px, batch ${batch}, 6 classes, SGD; median of ${steps} steps after a warm-up`);
  const results: StepResult[] = [];
  for (const norm of norms) {
    for (const threads of threadList) {
      const r = runStepChild({ threads, imgsz, batch, norm, steps }, 20 * 60_000);
      if (isErr(r)) {
        console.log(`  ${norm} ${threads} thread(s) failed: ${r.error}`);
        continue;
      }
      results.push(r);
    }
  }
  console.log('\nnorm   thr | img/s | forward   loss  backward  optimizer |  total ms | assigner  download');
  for (const r of results) {
    const p = r.phases;
    console.log(
      `${r.norm.padEnd(6)} ${String(r.threads).padStart(3)} | ${fmt(r.imagesPerSecond).padStart(5)} | ${fmt(p.forward, 0).padStart(7)} ${fmt(p.loss, 0).padStart(6)} ` +
        `${fmt(p.backward, 0).padStart(9)} ${fmt(p.optimizer, 0).padStart(10)} | ${fmt(p.total, 0).padStart(9)} | ${fmt(r.assignerMs, 1).padStart(8)} ${fmt(r.downloadMs, 1).padStart(9)}`,
    );
  }
  for (const r of results) {
    const total = r.kernels.reduce((x, k) => x + k.ms, 0);
    console.log(`\ntop kernels (exclusive ms, phase:kernel), ${r.norm}, ${r.threads} thread(s), ${fmt(total, 0)} ms in kernels:`);
    for (const k of r.kernels.slice(0, 15)) console.log(`  ${k.name.padEnd(42)} ${fmt(k.ms, 0).padStart(6)} ms ${String(k.calls).padStart(5)}x`);
  }
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const out = { date: new Date().toISOString(), imgsz, batch, numClasses: 6, model: 'scale n', optimizer: 'sgd', results: results.map((r) => ({ ...r, kernels: r.kernels.slice(0, 40) })) };
  writeFileSync(join(dir, 'backend-step.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwrote bench/results/backend-step.json');
}

function runChild(a: ChildArgs, timeoutMs: number): ChildResult | { error: string } {
  const env = { ...process.env, ...(a.stockKernels ? { KESTREL_WEBGPU_STOCK_KERNELS: '1' } : {}) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(a)], { encoding: 'utf8', timeout: timeoutMs, env });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const lines = (r.stderr ?? '').split('\n').filter((l) => l.trim() && !/artificially reduced/.test(l));
    return { error: `exit ${r.status ?? r.signal}: ${(lines.find((l) => /Error/.test(l)) ?? lines.slice(-3).join(' | ')).slice(0, 400)}` };
  }
  return JSON.parse(line.slice(7)) as ChildResult;
}

interface TorchResult {
  secondsPerStep: number;
  maxRssBytes: number;
  torch: string;
  threads: number;
  params: number;
}

function torchAvailable(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runTorch(archFile: string, imgsz: number, batch: number, threads: number, steps: number, warmup: number, timeoutMs: number): TorchResult | { error: string } {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'reference', 'yolo_train_bench.py');
  const args = [script, '--arch', archFile, '--batch', String(batch), '--imgsz', String(imgsz), '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: timeoutMs });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-400)}` };
  return JSON.parse(line) as TorchResult;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const isErr = (x: object): x is { error: string } => 'error' in x;
const mib = (b: number) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(0)} MiB` : '-');
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      threads: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      'mem-batches': { type: 'string' },
      'no-torch': { type: 'boolean', default: false },
      child: { type: 'string' },
      step: { type: 'boolean', default: false },
      'step-child': { type: 'string' },
      imgsz: { type: 'string' },
      norms: { type: 'string' },
    },
  });
  if (values.child) return child(JSON.parse(values.child) as ChildArgs);
  if (values['step-child']) return stepChild(JSON.parse(values['step-child']) as StepArgs);
  if (values.step) return stepMain(values);

  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? '256' : '256,320')).split(',').map(Number);
  const threadList = (values.threads ?? '1,2').split(',').map(Number);
  const batch = Number(values.batch ?? 8);
  const steps = Number(values.steps ?? (quick ? 2 : 5));
  const warmup = 1;
  const memBatches = (values['mem-batches'] ?? (quick ? '2,4' : '2,4')).split(',').map(Number);
  const timeout = 20 * 60_000;
  const { describeModel, resolveArchitecture } = await import('../electron/engine/model/index');

  const torchVersion = values['no-torch'] ? null : torchAvailable();
  const tmp = mkdtempSync(join(tmpdir(), 'kestrel-bench-'));
  const rows: Array<Record<string, unknown>> = [];
  let topKernels: ChildResult['topKernels'];
  console.log(`backend bench: scale n, batch ${batch}, sizes ${sizes.join('/')}, threads ${threadList.join('/')}, ${steps} timed steps (median)${quick ? ', quick' : ''}`);
  console.log(torchVersion ? `PyTorch reference: torch ${torchVersion}` : 'PyTorch reference: /usr/bin/python3 has no torch; skipped');

  try {
    for (const imgsz of sizes) {
      const fig = describeModel(spec(imgsz));
      const trainFlops = 3 * fig.forwardFlopsPerImage;
      const archFile = join(tmp, `arch-${imgsz}.json`);
      writeFileSync(archFile, JSON.stringify(resolveArchitecture(spec(imgsz))));
      // Memory: one process per batch size (peak RSS is per process), single thread.
      const wasmMem: Array<{ batch: number; tensor: number; rss: number }> = [];
      const torchMem: Array<{ batch: number; rss: number }> = [];
      for (const b of memBatches) {
        const r = runChild({ backend: 'wasm', threads: 1, imgsz, batch: b, steps: 0, warmup: 1, profile: false }, timeout);
        if (!isErr(r)) wasmMem.push({ batch: b, tensor: r.peakTensorBytes, rss: r.maxRssBytes });
        else console.log(`  wasm memory run b${b} failed: ${r.error}`);
        if (torchVersion) {
          const t = runTorch(archFile, imgsz, b, 1, 1, 0, timeout);
          if (!isErr(t)) torchMem.push({ batch: b, rss: t.maxRssBytes });
        }
      }
      for (const threads of threadList) {
        const w = runChild({ backend: 'wasm', threads, imgsz, batch, steps, warmup, profile: threads === threadList[0] && imgsz === sizes[0] }, timeout);
        const t = torchVersion ? runTorch(archFile, imgsz, batch, threads, steps, warmup, timeout) : null;
        const wIps = isErr(w) ? NaN : batch / w.secondsPerStep;
        const tIps = t && !isErr(t) ? batch / t.secondsPerStep : NaN;
        if (!isErr(w) && w.topKernels) topKernels = w.topKernels;
        if (!isErr(w)) {
          wasmMem.push({ batch, tensor: w.peakTensorBytes, rss: w.maxRssBytes });
        }
        if (t && !isErr(t)) torchMem.push({ batch, rss: t.maxRssBytes });
        const wm = wasmMem.filter((m, i, all) => all.findIndex((o) => o.batch === m.batch) === i);
        const tm = torchMem.filter((m, i, all) => all.findIndex((o) => o.batch === m.batch) === i);
        const wasmTensorPerImage = wm.length > 1 ? slope(wm.map((m) => m.batch), wm.map((m) => m.tensor)) : NaN;
        const wasmRssPerImage = wm.length > 1 ? slope(wm.map((m) => m.batch), wm.map((m) => m.rss)) : NaN;
        const torchRssPerImage = tm.length > 1 ? slope(tm.map((m) => m.batch), tm.map((m) => m.rss)) : NaN;
        rows.push({
          imgsz,
          batch,
          threads,
          wasmThreadsActual: isErr(w) ? null : w.threads,
          wasmImagesPerSecond: wIps,
          wasmGflops: (wIps * trainFlops) / 1e9,
          torchImagesPerSecond: tIps,
          torchGflops: (tIps * trainFlops) / 1e9,
          ratio: wIps / tIps,
          // Ceilings: the ratio wasm would reach if everything but its convolutions took no time,
          // and if it computed all of a step's FLOPs at the SIMD peak of its threads.
          wasmConvSecondsPerStep: isErr(w) ? NaN : w.convSecondsPerStep,
          convOnlyRatio: isErr(w) ? NaN : batch / w.convSecondsPerStep / tIps,
          wasmSimdPeakGflops: isErr(w) ? NaN : (w.simdPeakGflopsPerThread ?? NaN) * w.threads,
          simdPeakRatio: isErr(w) ? NaN : ((w.simdPeakGflopsPerThread ?? NaN) * w.threads * 1e9) / trainFlops / tIps,
          wasmTensorBytesPerImage: wasmTensorPerImage,
          wasmRssBytesPerImage: wasmRssPerImage,
          torchRssBytesPerImage: torchRssPerImage,
          memoryRatio: wasmRssPerImage / torchRssPerImage,
          wasmError: isErr(w) ? w.error : undefined,
          torchError: t && isErr(t) ? t.error : undefined,
        });
      }
    }
    // The cpu backend at a tiny size, for reference (pure JS: about 2 minutes per 256 px image).
    const cpuSize = 64;
    const c = runChild({ backend: 'cpu', threads: 1, imgsz: cpuSize, batch: 2, steps: 1, warmup: 0, profile: false }, timeout);
    const cpuIps = isErr(c) ? NaN : 2 / c.secondsPerStep;
    const cpuFlops = 3 * describeModel(spec(cpuSize)).forwardFlopsPerImage;
    // webgpu rows (issue 13): on whatever adapter Dawn finds (here the software Vulkan driver, so
    // correctness and relative cost only), Kestrel's filter gradient against tfjs's stock one.
    const { useSoftwareVulkanIfUnset } = await import('../electron/engine/backend/webgpu-icd');
    const { probeWebgpu } = await import('../electron/engine/hardware/probe');
    useSoftwareVulkanIfUnset();
    const adapter = await probeWebgpu();
    const gpuSize = adapter.ok && !adapter.software ? sizes[0]! : 64;
    const gpuBatch = adapter.ok && !adapter.software ? batch : 2;
    const webgpuRows = adapter.ok
      ? [false, true].map((stock) => {
          const r = runChild({ backend: 'webgpu', stockKernels: stock, threads: 1, imgsz: gpuSize, batch: gpuBatch, steps: quick ? 1 : 2, warmup: 1, profile: false }, timeout);
          return { filterGrad: stock ? 'tfjs stock (naive shader)' : "Kestrel's (as a convolution)", imgsz: gpuSize, batch: gpuBatch, imagesPerSecond: isErr(r) ? NaN : gpuBatch / r.secondsPerStep, error: isErr(r) ? r.error : undefined };
        })
      : [];

    console.log('');
    console.log('size batch thr | wasm img/s GFLOP/s | torch img/s GFLOP/s | wasm/torch | ceilings: conv-only SIMD-peak | wasm tensors/img  wasm RSS/img  torch RSS/img  RSS ratio');
    for (const r of rows) {
      const n = (k: string) => r[k] as number;
      console.log(
        `${String(r.imgsz).padStart(4)} ${String(r.batch).padStart(5)} ${String(r.threads).padStart(3)} | ` +
          `${fmt(n('wasmImagesPerSecond')).padStart(10)} ${fmt(n('wasmGflops'), 1).padStart(7)} | ` +
          `${fmt(n('torchImagesPerSecond')).padStart(11)} ${fmt(n('torchGflops'), 1).padStart(7)} | ` +
          `${fmt(n('ratio')).padStart(10)} | ${fmt(n('convOnlyRatio')).padStart(18)} ${fmt(n('simdPeakRatio')).padStart(8)} | ${mib(n('wasmTensorBytesPerImage')).padStart(16)} ${mib(n('wasmRssBytesPerImage')).padStart(13)} ` +
          `${mib(n('torchRssBytesPerImage')).padStart(14)} ${fmt(n('memoryRatio')).padStart(10)}`,
      );
      if (r.wasmError) console.log(`   wasm failed: ${String(r.wasmError)}`);
      if (r.torchError) console.log(`   torch failed: ${String(r.torchError)}`);
    }
    console.log(
      'ceilings (as wasm/torch): conv-only = batch / (seconds in Conv2D kernels per step) / torch img/s; ' +
        'SIMD-peak = (measured f32x4 multiply+add peak x threads) / (3 x forward FLOPs) / torch img/s',
    );
    const perThread = rows.map((r) => (r.wasmSimdPeakGflops as number) / (r.threads as number)).filter(Number.isFinite);
    if (perThread.length) console.log(`wasm SIMD peak: ${fmt(Math.max(...perThread), 1)} GFLOP/s per thread (f32x4 multiply + add; wasm SIMD has no FMA)`);
    console.log(`cpu backend, ${cpuSize} px, batch 2: ${fmt(cpuIps, 3)} img/s, ${fmt((cpuIps * cpuFlops) / 1e9, 2)} GFLOP/s${isErr(c) ? ` (failed: ${c.error})` : ''}`);
    if (adapter.ok) {
      const note = adapter.software ? 'software GPU: correctness and relative cost only, not GPU speed' : 'hardware GPU';
      console.log(`\nwebgpu on ${adapter.name} (${note}):`);
      for (const r of webgpuRows) console.log(`  ${r.imgsz} px, batch ${r.batch}, filter gradient ${r.filterGrad}: ${fmt(r.imagesPerSecond, 3)} img/s${r.error ? ` (failed: ${r.error})` : ''}`);
    } else {
      console.log(`\nwebgpu: not measured (${adapter.reason.message})`);
    }
    if (topKernels) {
      console.log(`\ntop kernels of one wasm step (size ${sizes[0]}, batch ${batch}, ${threadList[0]} thread):`);
      for (const k of topKernels) console.log(`  ${k.name.padEnd(28)} ${String(k.ms).padStart(7)} ms  ${k.share}%`);
    }
    const out = {
      date: new Date().toISOString(),
      quick,
      model: { scale: 'n', numClasses: NUM_CLASSES, norm: 'batch' },
      step: 'forward(training) + mean(box^2)+mean(cls^2) + gradients of all trainable variables; no optimizer update',
      flops: '3 x forward FLOPs per image (describeModel)',
      ceilings:
        'convOnlyRatio: batch / seconds in Conv2D kernels of one profiled step / torch img/s; simdPeakRatio: measured wasm f32x4 mul+add peak x threads / train FLOPs per image / torch img/s',
      memory: 'slope over batch sizes of: peak live tensor bytes during one step (tf.profile, wasm) and process peak RSS (both)',
      torch: torchVersion,
      rows,
      cpu: { imgsz: cpuSize, batch: 2, imagesPerSecond: cpuIps, gflops: (cpuIps * cpuFlops) / 1e9, error: isErr(c) ? c.error : undefined },
      webgpu: adapter.ok ? { adapter: adapter.name, software: adapter.software, rows: webgpuRows } : { unavailable: adapter.reason.message },
      topKernels,
    };
    const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'results');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'backend.json'), `${JSON.stringify(out, null, 2)}\n`);
    console.log('\nwrote bench/results/backend.json');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
