// The measured choice between webgpu and the CPU backend: the pure decision, and its cache (a
// small JSON beside the memory calibrations, keyed by machine, GPU and Kestrel version).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import pkg from '../../../package.json';
import { reason, type Reason } from '../../shared/reason';
import type { BackendId } from '../../shared/schemas/hardware';

/** One backend's measured training speed. */
export interface StepTiming {
  id: BackendId;
  imagesPerSecond: number;
}

/** The measured choice for one machine + GPU + Kestrel version. */
export interface BackendChoice {
  key: string;
  winner: BackendId;
  timings: StepTiming[];
  /** What was timed, for the reasons: "scale n, 256 px, batch 4". */
  workload: string;
  measuredAt: string;
}

const ChoiceSchema = z.object({
  key: z.string(),
  winner: z.string(),
  timings: z.array(z.object({ id: z.string(), imagesPerSecond: z.number() })),
  workload: z.string(),
  measuredAt: z.string(),
});

/**
 * The fastest timed backend. A software GPU never wins (the caller does not time one unless
 * forced); a tie or an unmeasured figure (NaN, 0) keeps the CPU backend, the safe default.
 */
export function pickFastest(timings: readonly StepTiming[], fallback: BackendId): BackendId {
  let best: StepTiming | null = null;
  for (const t of timings) {
    if (!(t.imagesPerSecond > 0)) continue;
    if (best === null || t.imagesPerSecond > best.imagesPerSecond || (t.imagesPerSecond === best.imagesPerSecond && t.id === fallback)) best = t;
  }
  return best?.id ?? fallback;
}

/**
 * The reasons of a measured choice: why `winner` trains (BACKEND_CHOSEN_BY_MEASUREMENT) and why
 * `loser` does not (BACKEND_MEASURED_SLOWER), with both speeds, the workload and the day it was
 * measured (a cached choice keeps its day). Pure: the ladder and the step host's choice share it.
 */
export function measurementReasons(
  winner: BackendId,
  loser: BackendId,
  timings: readonly StepTiming[],
  measured: Pick<BackendChoice, 'workload' | 'measuredAt'>,
): { chosen: Reason; slower: Reason } {
  const speed = (id: BackendId) => (timings.find((t) => t.id === id)?.imagesPerSecond ?? 0).toFixed(2);
  const params = {
    backend: winner,
    other: loser,
    speed: speed(winner),
    otherSpeed: speed(loser),
    workload: measured.workload,
    when: measured.measuredAt.slice(0, 10),
  };
  return {
    chosen: reason('BACKEND_CHOSEN_BY_MEASUREMENT', params),
    slower: reason('BACKEND_MEASURED_SLOWER', { ...params, backend: loser, other: winner, speed: params.otherSpeed, otherSpeed: params.speed }),
  };
}

/** The cache key: this machine (host, CPU, cores), the GPU adapter and Kestrel's version. */
export function choiceKey(gpu: string, contenders: readonly BackendId[], version: string = pkg.version): string {
  const cpu = cpus()[0]?.model ?? 'cpu';
  return [hostname(), cpu, String(cpus().length), gpu, contenders.join('+'), `kestrel ${version}`].join(' | ');
}

/**
 * The cache file: KESTREL_BACKEND_CACHE, else `backend-choice.json` in the folder of the memory
 * calibrations (KESTREL_CALIBRATIONS's folder, else ~/.kestrel).
 */
export function defaultChoiceFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KESTREL_BACKEND_CACHE) return env.KESTREL_BACKEND_CACHE;
  const folder = env.KESTREL_CALIBRATIONS ? dirname(env.KESTREL_CALIBRATIONS) : join(homedir(), '.kestrel');
  return join(folder, 'backend-choice.json');
}

/** The cached choices (an unreadable or malformed file counts as empty: it is only a cache). */
export async function readChoices(file: string): Promise<BackendChoice[]> {
  try {
    const parsed = z.array(ChoiceSchema).safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? (parsed.data as BackendChoice[]) : [];
  } catch {
    return [];
  }
}

/** Stores a choice (replacing one with the same key), atomically; a failure to write is ignored. */
export async function storeChoice(file: string, choice: BackendChoice): Promise<void> {
  try {
    const all = (await readChoices(file)).filter((c) => c.key !== choice.key);
    all.push(choice);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(all.slice(-20), null, 2));
    await rename(tmp, file);
  } catch {
    // Only a cache: the next start measures again.
  }
}
