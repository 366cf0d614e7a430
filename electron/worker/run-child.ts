import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { reason } from '../shared/reason';
import { FromWorkerSchema } from '../shared/schemas/ipc/worker';
import type { TrainingEvent } from '../shared/schemas/events';
import { TrainConfigSchema, type TrainConfigInput } from '../shared/schemas/train-config';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { hasCheckpoint } from '../engine/runs/checkpoint';
import { appendJsonLine, runPaths } from '../engine/runs/run-dir';
import { halveLayout } from '../engine/train/fitness';

/** The training process's entry file. */
export function trainerEntry(): string {
  return process.env.KESTREL_TRAINER_ENTRY ?? fileURLToPath(new URL('./trainer-entry.ts', import.meta.url));
}

/** How one training process ended. */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process sent `done` before exiting. */
  done: boolean;
  ok: boolean;
}

/** Options of {@link runTrainingProcess}. */
export interface RunProcessOptions {
  onEvent?: (event: TrainingEvent) => void;
  /** Aborting asks the process to save a checkpoint and stop. */
  signal?: AbortSignal;
  /** Restarts after the process died (default 3). */
  maxRestarts?: number;
  env?: Record<string, string>;
}

/** Whether an exit looks like the process was killed for memory: V8's abort, or the kernel's OOM killer (SIGKILL). */
export function diedOfMemory(end: Pick<ChildEnd, 'code' | 'signal'>): boolean {
  return end.signal === 'SIGABRT' || end.signal === 'SIGKILL' || end.code === 134 || end.code === 137;
}

/** Runs one training process on a job file until it exits, relaying its events. */
export function runTrainerOnce(jobFile: string, opts: RunProcessOptions & { restarts?: number } = {}): Promise<ChildEnd> {
  const entry = trainerEntry();
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['--job', jobFile], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env: { ...process.env, ...opts.env, KESTREL_RESTARTS: String(opts.restarts ?? 0) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    let done = false;
    let ok = false;
    const onAbort = () => {
      if (child.connected) child.send({ type: 'stop' });
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    child.on('message', (raw) => {
      const msg = FromWorkerSchema.safeParse(raw);
      if (!msg.success) return;
      if (msg.data.type === 'done') {
        done = true;
        ok = msg.data.ok;
      } else {
        opts.onEvent?.(msg.data.event);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, done, ok });
    });
  });
}

/**
 * Trains in a separate process and survives its death: when the process dies (out of memory,
 * a native crash) it is restarted from the run's last checkpoint, after a memory death with the
 * per-device batch halved and the accumulation doubled (same effective batch and LR), each time
 * with a `recovered` event (also written to events.jsonl). Resolves true when the run ended
 * normally (completed, stopped or early-stopped).
 */
export async function runTrainingProcess(input: TrainConfigInput, opts: RunProcessOptions = {}): Promise<boolean> {
  let cfg = TrainConfigSchema.parse(input);
  const paths = runPaths(cfg.runDir);
  const jobFile = `${paths.dir}/job.json`;
  const maxRestarts = opts.maxRestarts ?? 3;
  for (let restarts = 0; ; restarts++) {
    await writeJsonAtomic(jobFile, cfg);
    const end = await runTrainerOnce(jobFile, { ...opts, restarts });
    if (end.done) return end.ok;
    if (opts.signal?.aborted) return false;
    const cause = end.signal ?? `exit code ${end.code}`;
    const resumable = await hasCheckpoint(paths.last);
    if (restarts >= maxRestarts) {
      const r = reason('TRAIN_CRASH_GAVE_UP', { times: restarts + 1, cause, runDir: paths.dir });
      const ev: TrainingEvent = { type: 'error', t: Date.now(), error: { code: 'TRAIN_CRASH_GAVE_UP', message: r.message }, resumable };
      opts.onEvent?.(ev);
      await appendJsonLine(paths.events, ev).catch(() => undefined);
      return false;
    }
    const state = resumable ? await readState(paths.last) : null;
    const from = cfg.layout ?? state?.layout ?? (await plannedLayout(paths.plan));
    let ev: TrainingEvent;
    if (diedOfMemory(end) && from && halveLayout(from)) {
      const to = halveLayout(from)!;
      cfg = { ...cfg, layout: to };
      ev = {
        type: 'recovered',
        t: Date.now(),
        kind: 'oom',
        reason: reason('TRAIN_CRASH_OOM_RECOVERED', { cause, fromBatch: from.perDeviceBatch, toBatch: to.perDeviceBatch, toAccumulation: to.accumulation, effectiveBatch: to.perDeviceBatch * to.accumulation }),
        from,
        to,
        resumeEpoch: state?.epoch ?? 0,
      };
    } else {
      ev = { type: 'recovered', t: Date.now(), kind: 'crash', reason: reason('TRAIN_CRASH_RECOVERED', { cause, resumeStep: state?.step ?? 0 }), resumeEpoch: state?.epoch ?? 0 };
    }
    opts.onEvent?.(ev);
    await appendJsonLine(paths.events, ev).catch(() => undefined);
    cfg = { ...cfg, resume: resumable };
  }
}

async function readState(dir: string): Promise<{ epoch: number; step: number; layout: { perDeviceBatch: number; accumulation: number } } | null> {
  try {
    return JSON.parse(await readFile(`${dir}/train-state.json`, 'utf8')) as { epoch: number; step: number; layout: { perDeviceBatch: number; accumulation: number } };
  } catch {
    return null;
  }
}

async function plannedLayout(planFile: string): Promise<{ perDeviceBatch: number; accumulation: number } | null> {
  try {
    const p = JSON.parse(await readFile(planFile, 'utf8')) as { perDeviceBatch: number; accumulation: number };
    return { perDeviceBatch: p.perDeviceBatch, accumulation: p.accumulation };
  } catch {
    return null;
  }
}
