/**
 * The recovery policy of a training run, as pure decisions: whether a dead training process
 * died for lack of memory, whether and how to restart it (the process runner), and what an
 * out-of-memory error or a streak of non-finite losses inside the process leads to (the
 * in-process loop). No I/O: the callers gather the facts and act on the answer.
 */
import { reason, type Reason } from '../../shared/reason';
import type { BatchLayout } from '../../shared/schemas/events';
import type { CheckpointPosition } from '../runs/train-state';
import type { ChildExit } from './fork';

/** Restarts allowed before the runner gives up. */
export interface RestartPolicy {
  /** After out-of-memory deaths (each halves the batch). */
  maxOomRestarts: number;
  /** After plain crashes (same layout, from the last checkpoint); the app does not restart them. */
  maxCrashRestarts: number;
}

/** The default policy: memory deaths are retried at half the batch, plain crashes are reported. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxOomRestarts: 3, maxCrashRestarts: 0 };

/** Most NaN recoveries (each halves the LR) before a run gives up. */
export const MAX_NAN_RECOVERIES = 3;

/**
 * On what grounds a death was taken for an out-of-memory one: the runtime said so ('oom', also
 * V8's heap abort), the process was killed from outside without a word (assumed to be the
 * Linux OOM killer: SIGKILL, Electron's 'killed', a shell's exit 137), or its last words were an
 * OUT_OF_MEMORY error it could not recover from in-process.
 */
export type MemoryBasis = 'reported' | 'killed-assumed-oom' | 'oom-error';

/** Why a process died, as far as the exit and its last error tell. */
export function memoryDeathBasis(exit: ChildExit, lastErrorCode: string | null): MemoryBasis | null {
  if (exit.code === 0) return null;
  if (exit.cause === 'oom') return 'reported';
  if (exit.cause === 'SIGKILL' || exit.cause === 'killed' || exit.code === 137) return 'killed-assumed-oom';
  return lastErrorCode === 'OUT_OF_MEMORY' ? 'oom-error' : null;
}

/** Whether a training process died for lack of memory (see {@link memoryDeathBasis}). */
export function diedOfMemory(exit: ChildExit, lastError: { error: { code: string } } | null): boolean {
  return memoryDeathBasis(exit, lastError?.error.code ?? null) !== null;
}

/** Micro-batch layout after an out-of-memory error: half the batch, twice the accumulation (null: cannot halve). */
export function halveLayout(l: BatchLayout): BatchLayout | null {
  if (l.perDeviceBatch <= 1) return null;
  const perDeviceBatch = Math.floor(l.perDeviceBatch / 2);
  // An odd batch halves to floor(b/2); accumulation grows so the effective batch stays at least as large.
  const accumulation = Math.ceil((l.perDeviceBatch * l.accumulation) / perDeviceBatch);
  return { perDeviceBatch, accumulation };
}

/** What the runner does after an out-of-memory death: restart at a smaller batch, or give up and say why. */
export type OomDecision = { restart: true; from: BatchLayout; to: BatchLayout } | { restart: false; reason: Reason };

/**
 * The decision after an out-of-memory death: half the per-device batch and twice the
 * accumulation (same effective batch, so the planned LR stays right), unless the batch is
 * already 1 or the run has been restarted `maxRestarts` times already.
 */
export function decideOomRestart(from: BatchLayout, restartsSoFar: number, maxRestarts: number, cause: string): OomDecision {
  const to = halveLayout(from);
  if (!to) return { restart: false, reason: reason('APP_OOM_AT_BATCH_ONE', { cause }) };
  if (restartsSoFar >= maxRestarts) {
    return { restart: false, reason: reason('APP_OOM_GAVE_UP', { times: restartsSoFar + 1, cause, batch: from.perDeviceBatch }) };
  }
  return { restart: true, from, to };
}

/** Everything the runner knows when a training process has exited. */
export interface ExitFacts {
  exit: ChildExit;
  /** The process sent `done` with ok. */
  done: boolean;
  /** The run reached train-end (completed, stopped or early-stopped). */
  ended: boolean;
  /** The process said it failed (`done` with ok false): an error it reported, not a crash. */
  reportedFailure: boolean;
  /** The process sent at least one training event: otherwise it failed to start, which no restart mends. */
  started: boolean;
  /** The runner asked it to stop or killed it itself: never restarted. */
  intended: boolean;
  /** Code of the process's last error event. */
  lastErrorCode: string | null;
  /** The layout the process was told to run at (its job, or an in-process recovery it announced). */
  layout: BatchLayout | null;
  /** The layout of the process's plan event (a fresh run's starting layout). */
  planLayout: BatchLayout | null;
  /** The last checkpoint, or null when none was saved yet. */
  checkpoint: CheckpointPosition | null;
  oomRestarts: number;
  crashRestarts: number;
  runDir: string;
}

/** The TRAIN_START_FAILED reason of a process that exited before its first message (its last stderr line, when kept). */
export function startFailure(exit: ChildExit): Reason {
  const last = exit.stderrTail?.trim().split('\n').slice(-1)[0]?.trim();
  return reason('TRAIN_START_FAILED', { code: exit.code ?? 'none', cause: exit.cause ?? 'none', detail: last ? `: ${last.slice(0, 300)}` : '' });
}

/** The recovered event a restart announces (what the runner emits before starting again). */
export interface RestartNotice {
  kind: 'oom' | 'crash';
  /** For a memory restart: on what grounds the death was taken for a memory one. */
  basis?: MemoryBasis;
  reason: Reason;
  from?: BatchLayout;
  to?: BatchLayout;
  resumeEpoch: number;
}

/** What the runner does after a process exited. */
export type ExitDecision =
  | { action: 'end'; clean: true }
  | { action: 'end'; clean: false; memory: boolean; reason: Reason }
  | { action: 'restart'; resume: boolean; layout: BatchLayout | null; notice: RestartNotice };

/** The cause a reason names: the runtime's, else the last error's code, else the exit code. */
function causeText(f: ExitFacts): string {
  return f.exit.cause ?? f.lastErrorCode ?? `exit code ${f.exit.code ?? 'none'}`;
}

/**
 * The runner's decision after a training process exited: a clean end; a restart after an
 * out-of-memory death (half the batch, from the checkpoint or, before any, from the start) or,
 * where the policy allows, after a plain crash of a process that had started (same layout,
 * from the checkpoint); or the end of the run with the reason it failed.
 */
export function decideAfterExit(f: ExitFacts, policy: RestartPolicy): ExitDecision {
  if (f.exit.code === 0 && (f.done || f.ended)) return { action: 'end', clean: true };
  const basis = memoryDeathBasis(f.exit, f.lastErrorCode);
  const memory = basis !== null;
  const cause = causeText(f);
  const crashed = (): ExitDecision => ({
    action: 'end',
    clean: false,
    memory,
    reason: memory
      ? reason(basis === 'killed-assumed-oom' ? 'APP_CRASHED_KILLED' : 'APP_CRASHED_OOM', { cause: f.exit.cause ?? 'none', basis: basis! })
      : reason('APP_CRASHED', { code: f.exit.code ?? 'none', cause: f.exit.cause ?? 'none' }),
  });
  if (f.ended || f.intended) return crashed();
  // An exit before the first message is a start-up failure (a missing module, a bad install):
  // no restart mends it, whatever the exit looked like.
  if (!f.started || f.exit.cause === 'launch-failed') return { action: 'end', clean: false, memory: false, reason: startFailure(f.exit) };
  const resumeEpoch = f.checkpoint?.epoch ?? 0;
  const resume = f.checkpoint !== null;
  if (memory) {
    const from = f.layout ?? f.checkpoint?.layout ?? f.planLayout;
    if (!from) return crashed();
    const d = decideOomRestart(from, f.oomRestarts, policy.maxOomRestarts, cause);
    if (!d.restart) return { action: 'end', clean: false, memory, reason: d.reason };
    const { to } = d;
    const params = {
      cause,
      basis: basis!,
      fromBatch: from.perDeviceBatch,
      fromAccumulation: from.accumulation,
      batch: to.perDeviceBatch,
      accumulation: to.accumulation,
      effective: to.perDeviceBatch * to.accumulation,
      epoch: resumeEpoch + 1,
    };
    // A kill without a word is only assumed to be a memory death: the sentence says so.
    const killed = basis === 'killed-assumed-oom';
    const code = resume ? (killed ? 'APP_RECOVERED_KILLED_RESTART' : 'APP_RECOVERED_OOM_RESTART') : killed ? 'APP_RECOVERED_KILLED_RESTART_FRESH' : 'APP_RECOVERED_OOM_RESTART_FRESH';
    return { action: 'restart', resume, layout: { ...to }, notice: { kind: 'oom', basis: basis!, reason: reason(code, params), from: { ...from }, to: { ...to }, resumeEpoch } };
  }
  // A process that reported its own failure would only fail again.
  if (f.reportedFailure) return crashed();
  if (f.crashRestarts >= policy.maxCrashRestarts) {
    if (f.crashRestarts === 0) return crashed();
    return { action: 'end', clean: false, memory, reason: reason('TRAIN_CRASH_GAVE_UP', { times: f.crashRestarts + 1, cause, runDir: f.runDir }) };
  }
  const notice: RestartNotice = { kind: 'crash', reason: reason('TRAIN_CRASH_RECOVERED', { cause, resumeStep: f.checkpoint?.step ?? 0 }), resumeEpoch };
  return { action: 'restart', resume, layout: f.layout, notice };
}

/** What the in-process loop does after an out-of-memory error: go on at a smaller layout, or fail with a reason. */
export type InProcessOomDecision = { to: BatchLayout; reason: Reason } | { to: null; code: 'TRAIN_OOM_AT_BATCH_ONE'; reason: Reason };

/** The in-process loop's decision after an OUT_OF_MEMORY error at `from` (half the batch, from the last checkpoint). */
export function decideInProcessOom(from: BatchLayout, detail: string): InProcessOomDecision {
  const to = halveLayout(from);
  if (!to) return { to: null, code: 'TRAIN_OOM_AT_BATCH_ONE', reason: reason('TRAIN_OOM_AT_BATCH_ONE', { detail }) };
  const params = { fromBatch: from.perDeviceBatch, detail, toBatch: to.perDeviceBatch, toAccumulation: to.accumulation, effectiveBatch: to.perDeviceBatch * to.accumulation };
  return { to, reason: reason('TRAIN_OOM_RECOVERED', params) };
}

/** What the in-process loop does after a streak of non-finite losses: the LR factor to go on with, or give up. */
export type NanDecision = { lrFactor: number } | { lrFactor: null; code: 'TRAIN_NAN_GAVE_UP'; reason: Reason };

/** Halves the LR factor for a NaN recovery, unless the run has recovered `MAX_NAN_RECOVERIES` times already. */
export function decideNanRecovery(recoveriesSoFar: number, lrFactor: number): NanDecision {
  if (recoveriesSoFar >= MAX_NAN_RECOVERIES) {
    return { lrFactor: null, code: 'TRAIN_NAN_GAVE_UP', reason: reason('TRAIN_NAN_GAVE_UP', { times: MAX_NAN_RECOVERIES }) };
  }
  return { lrFactor: lrFactor * 0.5 };
}
