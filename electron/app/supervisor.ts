import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { KestrelError } from '../shared/errors';
import type { EventPayload } from '../shared/ipc-contract';
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

/** How long a stopping run may take to save its checkpoint before it is killed. */
const STOP_GRACE_MS = 60_000;
/** Batch-end events kept for redrawing charts after a reload; older ones are thinned. */
const MAX_BATCH_EVENTS = 400;

interface Active {
  runId: string;
  runDir: string;
  startedAt: string;
  state: ActiveRun['state'];
  child: ChildHandle;
  events: TrainingEvent[];
  batchEvents: number;
  done: boolean;
  killTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * Runs at most one training process at a time and watches it: relays its events, notices
 * when it exits or dies (crash, out of memory) and says whether the run can resume.
 * Heavy work never runs in main: a native crash or an OOM abort kills only the child.
 */
export class TrainingSupervisor {
  private active: Active | null = null;

  constructor(
    private readonly fork: ForkFn,
    private readonly entry: string,
    private readonly sink: SupervisorSink,
  ) {}

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
    const jobFile = join(job.runDir, RUN_FILES.job);
    await writeJsonAtomic(jobFile, job);
    const child = this.fork(this.entry, ['--job', jobFile], { name: `kestrel-train-${runId}` });
    const a: Active = {
      runId,
      runDir: job.runDir,
      startedAt: new Date().toISOString(),
      state: 'starting',
      child,
      events: [],
      batchEvents: 0,
      done: false,
      killTimer: null,
    };
    this.active = a;
    child.onMessage((msg) => this.onMessage(a, msg));
    child.onExit((exit) => void this.onExit(a, exit));
    this.sink.runState({ runId, state: 'running', exitCode: null, cause: null, resumable: false, message: null });
  }

  /** Asks the run to save a checkpoint and stop; kills it if it does not within the grace time. */
  stop(runId: string): boolean {
    const a = this.active;
    if (!a || a.runId !== runId) return false;
    if (a.state === 'stopping') return true;
    a.state = 'stopping';
    a.child.postMessage({ type: 'stop' });
    a.killTimer = setTimeout(() => a.child.kill(), STOP_GRACE_MS);
    a.killTimer.unref?.();
    return true;
  }

  /** Kills the process now (app quitting). Training saves checkpoints as it goes; resume picks up. */
  dispose(): void {
    if (this.active) {
      if (this.active.killTimer) clearTimeout(this.active.killTimer);
      this.active.child.kill();
    }
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
    this.remember(a, ev);
    this.sink.training({ runId: a.runId, event: ev });
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

  private async onExit(a: Active, exit: ChildExit): Promise<void> {
    if (a.killTimer) clearTimeout(a.killTimer);
    if (this.active === a) this.active = null;
    const ended = a.events.some((e) => e.type === 'train-end');
    const clean = exit.code === 0 && (a.done || ended);
    const resumable = !ended && (await hasCheckpoint(a.runDir));
    let message: string | null = null;
    if (!clean) {
      message =
        exit.cause === 'oom'
          ? 'The training process ran out of memory and was stopped.'
          : `The training process stopped unexpectedly (exit code ${exit.code ?? 'none'}${exit.cause ? `, ${exit.cause}` : ''}).`;
      message += resumable ? ' Resume continues from the last checkpoint.' : ' No checkpoint was saved yet: start the run again.';
    }
    this.sink.runState({ runId: a.runId, state: clean ? 'exited' : 'crashed', exitCode: exit.code, cause: exit.cause, resumable, message });
  }
}

async function hasCheckpoint(runDir: string): Promise<boolean> {
  try {
    await stat(join(runDir, RUN_FILES.last));
    return true;
  } catch (_err) {
    return false;
  }
}
