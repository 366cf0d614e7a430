/**
 * How fast this PC trains a plan: measured (the images/s of an earlier run with the same
 * backend and model scale, in its results.json, scaled by input pixels) or, before any run,
 * a rough estimate from the network's GFLOPs and the backend. The Plan step turns it into
 * "about 1 h 50 min on this PC".
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainingPlan } from '../shared/schemas/plan';
import type { HardwareProfile } from '../shared/schemas/hardware';
import type { PlanSpeed } from '../shared/schemas/ipc/plan';

/** The fields of a results.json the speed needs. */
interface RunSpeed {
  runId: string;
  imagesPerSec: number;
  backend: string;
  scale: string;
  imgsz: number;
  at: string;
}

function runSpeedOf(runId: string, raw: unknown): RunSpeed | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as { imagesPerSec?: unknown; plan?: { backend?: unknown; modelSpec?: { scale?: unknown; imgsz?: unknown } }; finishedAt?: unknown };
  const ips = r.imagesPerSec;
  const backend = r.plan?.backend;
  const scale = r.plan?.modelSpec?.scale;
  const imgsz = r.plan?.modelSpec?.imgsz;
  if (typeof ips !== 'number' || !(ips > 0) || typeof backend !== 'string' || typeof scale !== 'string' || typeof imgsz !== 'number' || imgsz <= 0) return null;
  return { runId, imagesPerSec: ips, backend, scale, imgsz, at: typeof r.finishedAt === 'string' ? r.finishedAt : '' };
}

/**
 * The measured speed for `plan`: the run with the same backend and scale nearest in input
 * size (the newest among equals), its images/s scaled by (its size / the plan's size)^2,
 * since the work per image grows with the pixels. Null when no earlier run matches.
 */
export function pickMeasured(runs: readonly RunSpeed[], plan: Pick<TrainingPlan, 'backend'> & { modelSpec: { scale: string; imgsz: number } }): PlanSpeed | null {
  const same = runs.filter((r) => r.backend === plan.backend && r.scale === plan.modelSpec.scale);
  if (same.length === 0) return null;
  const target = plan.modelSpec.imgsz;
  const best = [...same].sort((a, b) => Math.abs(a.imgsz - target) - Math.abs(b.imgsz - target) || b.at.localeCompare(a.at))[0]!;
  const ratio = (best.imgsz / target) ** 2;
  return { imagesPerSec: best.imagesPerSec * ratio, source: 'measured', fromRun: best.runId };
}

/** GFLOP/s a backend sustains in training per CPU core (CPU backends) or in all (GPU); rough on purpose. */
const GFLOPS_PER_CORE: Record<string, number> = { 'tfjs-node': 6, wasm: 2.5, webgpu: 40, cpu: 0.3 };
const GPU_GFLOPS = 1500;
/** A training step costs about three forward passes (forward, backward for inputs and weights). */
const TRAIN_PASSES = 3;

/** A rough speed before any run on this PC: the network's GFLOPs against what the backend sustains. */
export function estimateSpeed(plan: Pick<TrainingPlan, 'backend' | 'device'> & { figures: { gflopsPerImage: number } }, hw: Pick<HardwareProfile, 'cpu'>): PlanSpeed {
  const rate = plan.device.kind === 'gpu' ? GPU_GFLOPS : (GFLOPS_PER_CORE[plan.backend] ?? 2.5) * Math.max(1, hw.cpu.cores);
  const perImage = Math.max(1e-3, plan.figures.gflopsPerImage * TRAIN_PASSES);
  return { imagesPerSec: rate / perImage, source: 'estimate', fromRun: null };
}

/** Speeds of the finished runs under `runsDir` (folders without a readable results.json are skipped). */
export async function readRunSpeeds(runsDir: string): Promise<RunSpeed[]> {
  let names: string[];
  try {
    names = (await readdir(runsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (_err) {
    return [];
  }
  const out = await Promise.all(
    names.slice(0, 200).map(async (n) => {
      try {
        return runSpeedOf(n, JSON.parse(await readFile(join(runsDir, n, 'results.json'), 'utf8')));
      } catch (_err) {
        return null;
      }
    }),
  );
  return out.filter((r) => r !== null);
}

/** The speed the Plan step quotes: measured where an earlier run matches, else the estimate. */
export async function planSpeed(runsDir: string, plan: TrainingPlan, hw: HardwareProfile): Promise<PlanSpeed> {
  return pickMeasured(await readRunSpeeds(runsDir), plan) ?? estimateSpeed(plan, hw);
}
