import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { halveLayout } from '../engine/train/fitness';
import { KestrelError } from '../shared/errors';
import type { EventPayload } from '../shared/ipc-contract';
import { reason, type Reason } from '../shared/reason';
import type { TrainingEvent } from '../shared/schemas/events';
import type { ActiveRun } from '../shared/schemas/ipc/runs';
import { FromWorkerSchema, type TrainJob } from '../shared/schemas/ipc/worker';
import type { ChildExit, ChildHandle, ForkFn } from './fork';
import { RUN_FILES } from './runs';

/** How the supervisor reports to the window (main: webContents.send; the test bridge: a socket). */
export interface SupervisorSink {
  training(payload: EventPayload<'evt:training'>): void;
  runState(payload: EventPayload<'evt:run-state'>): void;
}

/** Tuning of the supervisor (tests shorten it). */
export interface SupervisorOptions {
  /** Restarts after out-of-memory deaths of one run before the supervisor gives up (default 3). */
  maxOomRestarts?: number;
}

/** A per-device batch and its gradient accumulation (what an OOM recovery changes). */
export interface BatchLayout {
  perDeviceBatch: number;
  accumulation: number;
}

/** How long a stopping run may take to save its checkpoint before it is killed. */
const STOP_GRACE_MS = 60_000;
/** Batch-end events kept for redrawing charts after a reload; older ones are thinned. */
const MAX_BATCH_EVENTS = 400;
const DEFAULT_MAX_OOM_RESTARTS = 3;

interface Active {
  runId: string;
  runDir: string;
  startedAt: string;
  state: ActiveRun['state'];
  /** The job the current process runs (rewritten on each restart). */
  job: TrainJob;
  /** The current training process (null only while the first one is being started). */
  child: ChildHandle | null;
  events: TrainingEvent[];
  batchEvents: number;
  /** The current process sent `done` with ok. */
  done: boolean;
  /** The current process's last error event (an OUT_OF_MEMORY one marks a memory death). */
  lastError: Extract<TrainingEvent, { type: 'error' }> | null;
  /** Layout from the plan event of the current process (a fresh run's starting layout). */
  planLayout: BatchLayout | null;
  /** Layout the process runs at, when known better than the plan: the job's, or an in-process recovery's. */
  layout: BatchLayout | null;
  oomRestarts: number;
  /** The supervisor itself killed the process (stop grace ran out, app quitting): never restart. */
  killedByUs: boolean;
  killTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * Whether a training process died for lack of memory: Electron or Node named it so ('oom', which
 * fork.ts also reports for V8's heap abort), it was killed from outside without a word (the Linux
 * OOM killer sends SIGKILL), or its last words were an OUT_OF_MEMORY error it could not recover
 * from in-process (a WebAssembly heap that cannot grow again).
 */
export function diedOfMemory(exit: ChildExit, lastError: { error: { code: string } } | null): boolean {
  if (exit.code === 0) return false;
  if (exit.cause === 'oom' || exit.cause === 'SIGKILL' || exit.cause === 'killed') return true;
  return lastError?.error.code === 'OUT_OF_MEMORY';
}

/** What the supervisor does after an out-of-memory death: restart at a smaller batch, or give up and say why. */
export type OomDecision = { restart: true; from: BatchLayout; to: BatchLayout } | { restart: false; reason: Reason };

/**
 * The decision after an out-of-memory death, as a pure function: half the per-device batch and
 * twice the accumulation (same effective batch, so the planned LR stays right), unless the batch
 * is already 1 or the run has been restarted `maxRestarts` times already.
 */
export function decideOomRestart(from: BatchLayout, restartsSoFar: number, maxRestarts: number, cause: string): OomDecision {
  const to = halveLayout(from);
  if (!to) return { restart: false, reason: reason('APP_OOM_AT_BATCH_ONE', { cause }) };
  if (restartsSoFar >= maxRestarts) {
    return { restart: false, reason: reason('APP_OOM_GAVE_UP', { times: restartsSoFar + 1, cause, batch: from.perDeviceBatch }) };
  }
  return { restart: true, from, to };
}

/**
 * Runs at most one training process at a time and watches it: relays its events, notices
 * when it exits or dies (crash, out of memory) and says whether the run can resume.
 * Heavy work never runs in main: a native crash or an OOM abort kills only the child.
 * When the process dies out of memory, the supervisor restarts it from the last checkpoint
 * with half the per-device batch and twice the accumulation, and says so in a `recovered` event.
 */
export class TrainingSupervisor {
  private active: Active | null = null;
  private readonly maxOomRestarts: number;

  constructor(
    private readonly fork: ForkFn,
    private readonly entry: string,
    private readonly sink: SupervisorSink,
    opts: SupervisorOptions = {},
  ) {
    this.maxOomRestarts = opts.maxOomRestarts ?? DEFAULT_MAX_OOM_RESTARTS;
  }

  /** The run being watched, with its events so far (for a renderer that reloads). */
  status(): ActiveRun | null {
    const a = this.active;
    if (!a) return null;
    return { runId: a.runId, runDir: a.runDir, startedAt: a.startedAt, state: a.state, events: [...a.events] };
  }

  /** Id of the running run, or null. */
  get activeRunId(): string | null {
    return this.active?.runId ?? null;
  }

  /** Writes the job into the run folder and starts the training process on it. */
  async start(runId: string, job: TrainJob): Promise<void> {
    if (this.active) {
      throw new KestrelError('APP_TRAINING_BUSY', `Run "${this.active.runId}" is still training. Stop it first, or wait until it ends.`);
    }
    await mkdir(job.runDir, { recursive: true });
    const a: Active = {
      runId,
      runDir: job.runDir,
      startedAt: new Date().toISOString(),
      state: 'starting',
      job,
      child: null,
      events: [],
      batchEvents: 0,
      done: false,
      lastError: null,
      planLayout: null,
      layout: job.layout ?? null,
      oomRestarts: 0,
      killedByUs: false,
      killTimer: null,
    };
    this.active = a;
    try {
      await this.launch(a, job);
    } catch (err) {
      this.active = null;
      throw err;
    }
    this.sink.runState({ runId, state: 'running', exitCode: null, cause: null, resumable: false, message: null, reason: null });
  }

  /** Asks the run to save a checkpoint and stop; kills it if it does not within the grace time. */
  stop(runId: string): boolean {
    const a = this.active;
    if (!a || a.runId !== runId) return false;
    if (a.state === 'stopping') return true;
    a.state = 'stopping';
    a.child?.postMessage({ type: 'stop' });
    a.killTimer = setTimeout(() => {
      a.killedByUs = true;
      a.child?.kill();
    }, STOP_GRACE_MS);
    a.killTimer.unref?.();
    return true;
  }

  /** Kills the process now (app quitting). Training saves checkpoints as it goes; resume picks up. */
  dispose(): void {
    const a = this.active;
    if (!a) return;
    if (a.killTimer) clearTimeout(a.killTimer);
    a.killedByUs = true;
    a.child?.kill();
  }

  /** Writes the job file and forks a training process on it, wiring its messages and exit. */
  private async launch(a: Active, job: TrainJob): Promise<void> {
    const jobFile = join(job.runDir, RUN_FILES.job);
    await writeJsonAtomic(jobFile, job);
    // KESTREL_RESTARTS tells the trainer it is a restart (its crash fault injection fires only on the first run).
    const child = this.fork(this.entry, ['--job', jobFile], { name: `kestrel-train-${a.runId}`, env: { KESTREL_RESTARTS: String(a.oomRestarts) } });
    a.job = job;
    a.child = child;
    a.done = false;
    a.lastError = null;
    a.planLayout = null;
    // Stop pressed while the process was being started: it must still hear it.
    if (a.state === 'stopping') child.postMessage({ type: 'stop' });
    child.onMessage((msg) => {
      if (a.child === child) this.onMessage(a, msg);
    });
    child.onExit((exit) => void this.onExit(a, child, exit));
  }

  private onMessage(a: Active, raw: unknown): void {
    const msg = FromWorkerSchema.safeParse(raw);
    if (!msg.success) return; // Not ours (or a newer worker): ignore rather than crash main.
    if (msg.data.type === 'done') {
      a.done = msg.data.ok;
      return;
    }
    const ev = msg.data.event;
    if (a.state === 'starting') a.state = 'running';
    this.track(a, ev);
    this.remember(a, ev);
    this.sink.training({ runId: a.runId, event: ev });
  }

  /** Keeps what an OOM restart needs to know: the layout in use and the process's last error. */
  private track(a: Active, ev: TrainingEvent): void {
    if (ev.type === 'error') a.lastError = ev;
    if (ev.type === 'plan') a.planLayout = layoutOf(ev.plan);
    if (ev.type === 'recovered' && ev.to) {
      // The process halved its batch itself: a later restart (or the engineer's Resume) continues from there.
      a.layout = { ...ev.to };
      a.job = { ...a.job, layout: a.layout };
      void writeJsonAtomic(join(a.runDir, RUN_FILES.job), a.job).catch(() => undefined);
    }
  }

  private remember(a: Active, ev: TrainingEvent): void {
    a.events.push(ev);
    if (ev.type !== 'batch-end') return;
    a.batchEvents += 1;
    if (a.batchEvents <= MAX_BATCH_EVENTS) return;
    // Thin out: drop every other batch-end so the history stays bounded but spans the whole run.
    let keep = true;
    a.events = a.events.filter((e) => {
      if (e.type !== 'batch-end') return true;
      keep = !keep;
      return keep;
    });
    a.batchEvents = a.events.filter((e) => e.type === 'batch-end').length;
  }

  private async onExit(a: Active, child: ChildHandle, exit: ChildExit): Promise<void> {
    if (a.child !== child) return;
    if (a.killTimer) clearTimeout(a.killTimer);
    const ended = a.events.some((e) => e.type === 'train-end');
    const clean = exit.code === 0 && (a.done || ended);
    let verdict: Reason | null = null;
    if (!clean && !ended && !a.killedByUs && a.state !== 'stopping' && diedOfMemory(exit, a.lastError)) {
      const outcome = await this.recoverFromOom(a, exit);
      if (outcome === 'restarted') return;
      verdict = outcome;
    }
    if (this.active === a) this.active = null;
    const resumable = !ended && (await hasCheckpoint(a.runDir));
    let message: string | null = null;
    if (!clean) {
      const cause = exit.cause ?? 'none';
      verdict ??= diedOfMemory(exit, a.lastError) ? reason('APP_CRASHED_OOM', { cause }) : reason('APP_CRASHED', { code: exit.code ?? 'none', cause });
      message = verdict.message + (resumable ? ' Resume continues from the last checkpoint.' : ' No checkpoint was saved yet: start the run again.');
    }
    this.sink.runState({ runId: a.runId, state: clean ? 'exited' : 'crashed', exitCode: exit.code, cause: exit.cause, resumable, message, reason: verdict });
  }

  /**
   * Restarts a process that died out of memory from the last checkpoint (or from the start when
   * none was saved yet) at half the per-device batch, announcing it with a `recovered` event;
   * returns why it did not when it cannot (batch already 1, too many restarts, layout unknown).
   */
  private async recoverFromOom(a: Active, exit: ChildExit): Promise<'restarted' | Reason | null> {
    const cause = exit.cause ?? (a.lastError ? a.lastError.error.code : `exit code ${exit.code ?? 'none'}`);
    const state = await readCheckpointState(a.runDir);
    const from = a.layout ?? state?.layout ?? a.planLayout;
    if (!from) return null;
    const decision = decideOomRestart(from, a.oomRestarts, this.maxOomRestarts, cause);
    if (!decision.restart) return decision.reason;
    // The engineer may have pressed Stop while the checkpoint was read: then do not start again.
    if (a.state === 'stopping' || a.killedByUs) return null;
    const { to } = decision;
    const resumable = state !== null;
    const params = {
      cause,
      fromBatch: from.perDeviceBatch,
      fromAccumulation: from.accumulation,
      batch: to.perDeviceBatch,
      accumulation: to.accumulation,
      effective: to.perDeviceBatch * to.accumulation,
      epoch: (state?.epoch ?? 0) + 1,
    };
    const ev: TrainingEvent = {
      type: 'recovered',
      t: Date.now(),
      kind: 'oom',
      reason: reason(resumable ? 'APP_RECOVERED_OOM_RESTART' : 'APP_RECOVERED_OOM_RESTART_FRESH', params),
      from: { ...from },
      to: { ...to },
      resumeEpoch: state?.epoch ?? 0,
    };
    a.oomRestarts += 1;
    a.layout = { ...to };
    this.remember(a, ev);
    this.sink.training({ runId: a.runId, event: ev });
    // events.jsonl is the run's history: the recovery belongs there too (the child is gone, so no interleaving).
    await appendFile(join(a.runDir, RUN_FILES.events), JSON.stringify(ev) + '\n').catch(() => undefined);
    try {
      await this.launch(a, { ...a.job, resume: resumable, layout: { ...to } });
    } catch (err) {
      return reason('APP_CRASHED', { code: exit.code ?? 'none', cause: err instanceof Error ? err.message : String(err) });
    }
    return 'restarted';
  }
}

/** The per-device batch and accumulation of a plan payload, when it has them. */
function layoutOf(plan: Record<string, unknown>): BatchLayout | null {
  const b = plan['perDeviceBatch'];
  const acc = plan['accumulation'];
  if (typeof b !== 'number' || typeof acc !== 'number' || b < 1 || acc < 1) return null;
  return { perDeviceBatch: b, accumulation: acc };
}

async function hasCheckpoint(runDir: string): Promise<boolean> {
  try {
    await stat(join(runDir, RUN_FILES.last));
    return true;
  } catch (_err) {
    return false;
  }
}

/**
 * Where the last checkpoint stands (its epoch and batch layout), read from its train-state.json
 * without loading any tensors; null when there is no complete checkpoint.
 */
async function readCheckpointState(runDir: string): Promise<{ epoch: number; layout: BatchLayout | null } | null> {
  const dir = join(runDir, RUN_FILES.last);
  if (!(await hasCheckpoint(runDir))) return null;
  try {
    const raw = JSON.parse(await readFile(join(dir, 'train-state.json'), 'utf8')) as { epoch?: unknown; layout?: unknown };
    const epoch = typeof raw.epoch === 'number' && raw.epoch >= 0 ? raw.epoch : 0;
    const layout = raw.layout && typeof raw.layout === 'object' ? layoutOf(raw.layout as Record<string, unknown>) : null;
    return { epoch, layout };
  } catch (_err) {
    // A folder without a readable state (torn swap the trainer will undo): still a checkpoint to resume.
    return { epoch: 0, layout: null };
  }
}
