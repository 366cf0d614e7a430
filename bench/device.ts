/**
 * `npm run bench -- device [--quick] [--no-torch] [--no-wasm]`: the GPU machine check of issue 13.
 *
 * One run, each configuration in its own process (a WebGPU device and wasm threads are per
 * process), printing a table and writing bench/results/device.json:
 * - webgpu training images/s for scales n and s at 320 and 640 px at the planner's batch
 *   (planTraining on this machine's probed hardware; the adapter's binding limit caps it), and
 *   the planner's predicted memory against the measured GPU memory (TF.js's webgpu buffer pool
 *   after the timed steps: every GPU buffer the step allocated, freed ones kept for reuse; and
 *   nvidia-smi's figure for this process when it lists it);
 * - the wasm path (scale n, 320 px, batch 8) at 1, 2, 4, 8 and 16 threads, up to the cores;
 * - PyTorch CUDA with the same network (bench/reference/yolo_train_bench.py's Net on the GPU),
 *   same scale, size and batch, when `python3 -c "import torch"` works and CUDA is available;
 *   otherwise the table says why it is missing.
 * One step = forward (training mode) + mean(box^2) + mean(cls^2) + every gradient, as in
 * `npm run bench -- backend`; no optimizer update on either side.
 *
 * --quick: the same path on a software GPU (lavapipe/SwiftShader: the software Vulkan driver is
 * used when VK_ICD_FILENAMES is unset), at 64 px, scale n, batch <= 2, one timed step, wasm at 1
 * thread: it shows the script works, not speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelSpec } from '../electron/shared/schemas/model';

const SELF = fileURLToPath(import.meta.url);
const NUM_CLASSES = 4;

interface ChildArgs {
  backend: 'webgpu' | 'wasm';
  scale: 'n' | 's';
  imgsz: number;
  batch: number;
  threads: number;
  warmup: number;
  steps: number;
}

interface ChildResult {
  imagesPerSecond: number;
  secondsPerStep: number;
  /** webgpu: bytes of every GPU buffer TF.js holds after the steps (live + pooled). */
  gpuAllocatedBytes?: number;
  /** Engine-level peak of live tensor bytes during one step (tf.profile). */
  peakTensorBytes: number;
  /** nvidia-smi's used memory for this process, when it lists it. */
  nvidiaSmiBytes?: number;
  adapter?: string;
  threads: number;
}

const spec = (a: { scale: 'n' | 's'; imgsz: number }): ModelSpec => ({ scale: a.scale, imgsz: a.imgsz, numClasses: NUM_CLASSES, norm: 'batch' });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function nvidiaSmiBytesOf(pid: number): number | undefined {
  const r = spawnSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  for (const line of r.stdout.split('\n')) {
    const [p, mib] = line.split(',').map((x) => x.trim());
    if (Number(p) === pid && Number.isFinite(Number(mib))) return Number(mib) * 2 ** 20;
  }
  return undefined;
}

/** Runs in the child: one configuration, one RESULT line. */
async function child(a: ChildArgs): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('../electron/engine/backend/index');
  const { createDetector } = await import('../electron/engine/model/index');
  const report = await initBackend({ force: a.backend, threads: a.threads });
  const det = createDetector(spec(a), { seed: 1 });
  const { weights, norms, biases } = det.trainableVariables();
  const vars = [...weights, ...norms, ...biases];
  const images = tf.randomUniform([a.batch, a.imgsz, a.imgsz, 3]) as import('@tensorflow/tfjs-core').Tensor4D;
  const step = async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const o = det.forward(images, true);
        return tf.add(tf.mean(tf.square(o.box)), tf.mean(tf.square(o.cls))) as import('@tensorflow/tfjs-core').Scalar;
      }, vars);
      return tf.addN([value, ...Object.values(grads).map((g) => tf.sum(g))]);
    });
    await loss.data();
    loss.dispose();
  };
  const times: number[] = [];
  for (let i = 0; i < a.warmup + a.steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= a.warmup) times.push((performance.now() - t0) / 1000);
  }
  const prof = await tf.profile(() => step());
  const mem = tf.memory() as { numBytesAllocatedInGPU?: number };
  const sps = median(times);
  const res: ChildResult = {
    imagesPerSecond: a.batch / sps,
    secondsPerStep: sps,
    peakTensorBytes: prof.peakBytes,
    threads: report.threads,
    ...(mem.numBytesAllocatedInGPU !== undefined ? { gpuAllocatedBytes: mem.numBytesAllocatedInGPU } : {}),
    ...(report.adapter ? { adapter: report.adapter.description || report.adapter.vendor } : {}),
  };
  const smi = a.backend === 'webgpu' ? nvidiaSmiBytesOf(process.pid) : undefined;
  if (smi !== undefined) res.nvidiaSmiBytes = smi;
  process.stdout.write(`RESULT ${JSON.stringify(res)}\n`);
  process.exit(0);
}

function runChild(a: ChildArgs, timeoutMs: number): ChildResult | { error: string } {
  const env = { ...process.env, ...(a.backend === 'wasm' ? { KESTREL_WASM_THREADS: String(a.threads) } : {}) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(a)], { encoding: 'utf8', timeout: timeoutMs, env });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const lines = (r.stderr ?? '').split('\n').filter((l) => l.trim() && !/artificially reduced/.test(l));
    const why = lines.find((l) => /Error|error:/.test(l)) ?? lines.slice(-3).join(' | ');
    return { error: `exit ${r.status ?? r.signal}: ${why.trim().slice(0, 400)}` };
  }
  return JSON.parse(line.slice(7)) as ChildResult;
}

/** PyTorch CUDA with the reference Net: the python side, fed the resolved architecture. */
const TORCH_CUDA = `
import importlib.util, json, statistics, sys, time
import torch
spec = importlib.util.spec_from_file_location("ytb", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
arch, batch, imgsz, steps, warmup = json.load(open(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
if not torch.cuda.is_available():
    print(json.dumps({"error": "torch.cuda.is_available() is False"})); sys.exit(0)
torch.manual_seed(0)
dev = torch.device("cuda")
net = m.Net(arch, "batch").train().to(dev)
images = torch.rand(batch, 3, imgsz, imgsz, device=dev)
times = []
torch.cuda.reset_peak_memory_stats()
for i in range(warmup + steps):
    torch.cuda.synchronize(); t0 = time.perf_counter()
    net.zero_grad(set_to_none=True)
    box, cls = net(images)
    loss = box.square().mean() + cls.square().mean()
    loss.backward()
    torch.cuda.synchronize()
    if i >= warmup: times.append(time.perf_counter() - t0)
print(json.dumps({"secondsPerStep": statistics.median(times), "peakAllocatedBytes": torch.cuda.max_memory_allocated(),
                  "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}))
`;

interface TorchResult {
  secondsPerStep: number;
  peakAllocatedBytes: number;
  torch: string;
  gpu: string;
}

const PYTHON = process.env.KESTREL_PYTHON ?? 'python3';

function torchStatus(): { ok: true; version: string } | { ok: false; why: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available())'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return { ok: false, why: `${PYTHON} -c "import torch" failed (${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop() ?? 'no python3'})` };
  const [version, cuda] = r.stdout.trim().split(/\s+/);
  if (cuda !== 'True') return { ok: false, why: `PyTorch ${version} is installed but has no CUDA device` };
  return { ok: true, version: version ?? '?' };
}

function runTorch(archFile: string, batch: number, imgsz: number, steps: number, warmup: number, timeoutMs: number): TorchResult | { error: string } {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'reference', 'yolo_train_bench.py');
  const r = spawnSync(PYTHON, ['-c', TORCH_CUDA, script, archFile, String(batch), String(imgsz), String(steps), String(warmup)], { encoding: 'utf8', timeout: timeoutMs });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-300)}` };
  const parsed = JSON.parse(line) as TorchResult | { error: string };
  return parsed;
}

const isErr = (x: object): x is { error: string } => 'error' in x;
const mib = (b: number | undefined) => (b !== undefined && Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(0)}` : '-');
const fmt = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

interface GpuRow {
  scale: 'n' | 's';
  imgsz: number;
  batch: number;
  batchNote: string;
  predictedBytes: number;
  webgpu: ChildResult | { error: string };
  torch: TorchResult | { error: string } | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, 'no-torch': { type: 'boolean', default: false }, 'no-wasm': { type: 'boolean', default: false } },
  });
  const quick = values.quick === true;
  const started = Date.now();
  const { useSoftwareVulkanIfUnset } = await import('../electron/engine/backend/webgpu-icd');
  if (quick) {
    const icd = useSoftwareVulkanIfUnset();
    if (icd) console.log(`--quick: software Vulkan driver ${icd}`);
  }
  const { probeHardware } = await import('../electron/engine/hardware/index');
  const { planTraining } = await import('../electron/engine/plan/index');
  const { largestTensorBytesPerImage, webgpuBatchCap } = await import('../electron/engine/plan/device');
  const { resolveArchitecture } = await import('../electron/engine/model/index');
  const hw = await probeHardware();
  const wg = hw.backends.find((b) => b.id === 'webgpu');
  console.log(`WebGPU: ${wg ? wg.reason.message : 'not probed'}`);
  // A software adapter is never planned for; --quick plans as if it were a GPU, to exercise the path.
  const planHw = quick && wg?.adapter ? { ...hw, backends: hw.backends.map((b) => (b.id === 'webgpu' ? { ...b, available: true, adapter: { ...b.adapter!, software: false } } : b)) } : hw;
  const torch = values['no-torch'] ? ({ ok: false, why: '--no-torch' } as const) : torchStatus();
  console.log(torch.ok ? `PyTorch CUDA reference: torch ${torch.version}` : `PyTorch CUDA reference skipped: ${torch.why}`);
  const tmp = mkdtempSync(join(tmpdir(), 'kestrel-device-'));
  const gpuRows: GpuRow[] = [];
  const configs: Array<{ scale: 'n' | 's'; imgsz: number }> = quick
    ? [{ scale: 'n', imgsz: 64 }]
    : [
        { scale: 'n', imgsz: 320 },
        { scale: 'n', imgsz: 640 },
        { scale: 's', imgsz: 320 },
        { scale: 's', imgsz: 640 },
      ];
  const steps = quick ? 1 : 5;
  const warmup = quick ? 1 : 2;
  try {
    for (const c of configs) {
      const plan = planTraining(planHw, { scale: c.scale, imgsz: c.imgsz, numClasses: NUM_CLASSES }, { trainImages: 5000 }, {});
      let batch = plan.perDeviceBatch;
      let batchNote = plan.backend === 'webgpu' ? 'plan' : `plan is ${plan.backend}`;
      const limit = planHw.backends.find((b) => b.id === 'webgpu')?.adapter?.maxStorageBufferBindingSize;
      if (limit) {
        const cap = webgpuBatchCap(limit, largestTensorBytesPerImage(spec(c)));
        if (cap < batch) {
          batch = cap;
          batchNote += `, binding cap ${cap}`;
        }
      }
      if (quick && batch > 2) {
        batch = 2;
        batchNote += ', quick: 2';
      }
      // The planner's line at the batch run (its optimizer state included; the bench step has none).
      const predictedBytes = plan.memory.fixedBytes + plan.memory.perImageBytes * batch;
      // Without an adapter the webgpu child can only fail: say why once instead.
      const webgpu = wg?.adapter ? runChild({ backend: 'webgpu', ...c, batch, threads: 1, warmup, steps }, quick ? 480_000 : 150_000) : { error: `webgpu unavailable: ${wg?.reason.message ?? 'not probed'}` };
      let t: GpuRow['torch'] = null;
      if (torch.ok) {
        const archFile = join(tmp, `arch-${c.scale}-${c.imgsz}.json`);
        writeFileSync(archFile, JSON.stringify(resolveArchitecture(spec(c))));
        t = runTorch(archFile, batch, c.imgsz, steps, warmup, 240_000);
      }
      const row: GpuRow = { ...c, batch, batchNote, predictedBytes, webgpu, torch: t };
      gpuRows.push(row);
      console.log(`  webgpu ${c.scale} ${c.imgsz}px batch ${batch}: ${isErr(webgpu) ? webgpu.error : `${fmt(webgpu.imagesPerSecond)} img/s`}`);
    }
    const cores = availableParallelism();
    const threadList = quick ? [1] : [1, 2, 4, 8, 16].filter((t) => t <= cores);
    const wasmCfg = quick ? { scale: 'n' as const, imgsz: 64, batch: 2 } : { scale: 'n' as const, imgsz: 320, batch: 8 };
    const wasmRows: Array<{ threads: number; result: ChildResult | { error: string } }> = [];
    if (!values['no-wasm']) {
      for (const threads of threadList) {
        const result = runChild({ backend: 'wasm', ...wasmCfg, threads, warmup: 1, steps: quick ? 1 : 2 }, 300_000);
        wasmRows.push({ threads, result });
        console.log(`  wasm ${threads} thread(s): ${isErr(result) ? result.error : `${fmt(result.imagesPerSecond)} img/s`}`);
      }
    }
    const wasmBest = Math.max(0, ...wasmRows.map((w) => (isErr(w.result) ? 0 : w.result.imagesPerSecond)));

    console.log(`\n${quick ? 'QUICK (software GPU: correctness of the script only, not speed)\n' : ''}`);
    console.log('| scale | px | batch | webgpu img/s | PyTorch CUDA img/s | webgpu / PyTorch | webgpu / best wasm (n 320) | predicted MiB | webgpu buffers MiB | nvidia-smi MiB | PyTorch peak MiB |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of gpuRows) {
      const w = isErr(r.webgpu) ? undefined : r.webgpu;
      const t = r.torch && !isErr(r.torch) ? r.torch : undefined;
      const tIps = t ? r.batch / t.secondsPerStep : undefined;
      console.log(
        `| ${r.scale} | ${r.imgsz} | ${r.batch} (${r.batchNote}) | ${w ? fmt(w.imagesPerSecond) : `error: ${(r.webgpu as { error: string }).error.slice(0, 80)}`} | ${tIps !== undefined ? fmt(tIps) : r.torch && isErr(r.torch) ? `error` : 'n/a'} | ${w && tIps ? fmt(w.imagesPerSecond / tIps) : '-'} | ${w && wasmBest ? fmt(w.imagesPerSecond / wasmBest, 1) : '-'} | ${mib(r.predictedBytes)} | ${mib(w?.gpuAllocatedBytes)} | ${mib(w?.nvidiaSmiBytes)} | ${mib(t?.peakAllocatedBytes)} |`,
      );
    }
    console.log(`\n| wasm threads (scale n, ${wasmCfg.imgsz} px, batch ${wasmCfg.batch}) | img/s |\n|---|---|`);
    for (const w of wasmRows) console.log(`| ${w.threads} | ${isErr(w.result) ? `error: ${w.result.error.slice(0, 80)}` : fmt(w.result.imagesPerSecond)} |`);
    if (!torch.ok) console.log(`\nPyTorch CUDA: not run (${torch.why}).`);
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`\nTotal ${seconds} s.`);
    mkdirSync('bench/results', { recursive: true });
    const out = quick ? 'bench/results/device-quick.json' : 'bench/results/device.json';
    writeFileSync(
      out,
      JSON.stringify({ quick, seconds, webgpu: wg ?? null, torch, cores, gpuRows, wasm: { config: wasmCfg, rows: wasmRows }, hardware: { gpus: hw.gpus, cpu: hw.cpu } }, null, 2),
    );
    console.log(`Wrote ${out}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(JSON.parse(process.argv[childAt + 1]!) as ChildArgs);
else await main();
