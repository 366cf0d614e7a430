/**
 * The app's training supervisor: at most one run at a time, started, stopped and restarted
 * through the engine's one process runner (electron/engine/train/runner.ts), with what the
 * window needs on top: the run's id and state, its events so far for a renderer that reloads,
 * and the process's fate as a run-state event.
 */
import type { ForkFn } from '../engine/train/fork';
import { TrainingRunner, type RunnerEnd } from '../engine/train/runner';
import type { StepHostLink } from '../engine/train/step-host';
import { KestrelError } from '../shared/errors';
import type { EventPayload } from '../shared/ipc-contract';
import type { TrainingEvent } from '../shared/schemas/events';
import type { ActiveRun } from '../shared/schemas/ipc/runs';
import type { EndedRunState, LiveRunState, SettledRunState } from '../shared/schemas/run-state';
import type { TrainJobInput } from '../shared/schemas/ipc/worker';

/** How the supervisor reports to the window (main: webContents.send; the test bridge: a socket). */
export interface SupervisorSink {
  training(payload: EventPayload<'evt:training'>): void;
  runState(payload: EventPayload<'evt:run-state'>): void;
}

/** Tuning of the supervisor (tests shorten it), and what main injects. */
export interface SupervisorOptions {
  /** Restarts after out-of-memory deaths of one run before the supervisor gives up (default 3). */
  maxOomRestarts?: number;
  /**
   * The step host a run trains through, or null to train in the training process as usual. Main
   * injects it (the app cannot import main): the hidden WebGPU renderer where Dawn cannot load in
   * a utilityProcess (electron/main/gpu-host.ts decides). Asked once per start, before the first
   * process; every process of the run (restarts too) is connected to what it gives.
   */
  stepHost?: (job: TrainJobInput) => Promise<StepHostLink | null>;
}

/** Batch-end events kept for redrawing charts after a reload; older ones are thinned. */
const MAX_BATCH_EVENTS = 400;

interface Active {
  runId: string;
  runDir: string;
  startedAt: string;
  state: LiveRunState;
  /** train-end's status, once the run reached it. */
  ended: EndedRunState | null;
  /** The run's processes (null only while the first one is being started). */
  runner: TrainingRunner | null;
  events: TrainingEvent[];
  batchEvents: number;
}

/**
 * Runs at most one training run at a time and watches it: relays its events, and when its
 * process is gone (ended, crashed, died out of memory and not restarted) says whether the run
 * can resume. Heavy work never runs in main: a native crash or an OOM abort kills only the child.
 */
export class TrainingSupervisor {
  private active: Active | null = null;

  constructor(
    private readonly fork: ForkFn,
    private readonly entry: string,
    private readonly sink: SupervisorSink,
    private readonly opts: SupervisorOptions = {},
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
  async start(runId: string, job: TrainJobInput): Promise<void> {
    if (this.active) {
      const runId = this.active.runId;
      throw new KestrelError('APP_TRAINING_BUSY', `Run "${runId}" is still training. Stop it first, or wait until it ends.`, { runId });
    }
    const a: Active = { runId, runDir: job.runDir, startedAt: new Date().toISOString(), state: 'starting', ended: null, runner: null, events: [], batchEvents: 0 };
    this.active = a;
    try {
      const stepHost = (await this.opts.stepHost?.(job)) ?? null;
      a.runner = await TrainingRunner.start(job, {
        fork: this.fork,
        entry: this.entry,
        name: `kestrel-train-${runId}`,
        onEvent: (ev) => this.onEvent(a, ev),
        ...(this.opts.maxOomRestarts !== undefined ? { policy: { maxOomRestarts: this.opts.maxOomRestarts } } : {}),
        ...(stepHost ? { stepHost } : {}),
      });
    } catch (err) {
      this.active = null;
      throw err;
    }
    // Stop pressed while the process was being started: it must still hear it.
    if (a.state === 'stopping') a.runner.stop();
    this.sink.runState({ runId, state: 'running', exitCode: null, cause: null, resumable: false, message: null, reason: null });
    void a.runner.finished.then((end) => {
      if (this.active === a) this.active = null;
      const message = end.reason ? end.reason.message + (end.resumable ? ' Resume continues from the last checkpoint.' : ' No checkpoint was saved yet: start the run again.') : null;
      this.sink.runState({ runId, state: settledState(a, end), exitCode: end.exit.code, cause: end.exit.cause, resumable: end.resumable, message, reason: end.reason });
    });
  }

  /** Asks the run to save a checkpoint and stop; kills it if it does not within the grace time. */
  stop(runId: string): boolean {
    const a = this.active;
    if (!a || a.runId !== runId) return false;
    if (a.state === 'stopping') return true;
    a.state = 'stopping';
    a.runner?.stop();
    return true;
  }

  /** Kills the process now (app quitting). Training saves checkpoints as it goes; resume picks up. */
  dispose(): void {
    this.active?.runner?.kill();
  }

  private onEvent(a: Active, ev: TrainingEvent): void {
    if (a.state === 'starting') a.state = 'running';
    if (ev.type === 'train-end') a.ended = ev.status;
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
}

/**
 * Where a run stands once its processes are gone: how it ended (train-end's status; a clean
 * exit without one was stopped before training, or cut short), or failed (it reported an error)
 * or crashed (it died without a word, or out of memory).
 */
function settledState(a: Active, end: RunnerEnd): SettledRunState {
  if (end.clean) return a.ended ?? (a.state === 'stopping' ? 'stopped' : 'incomplete');
  return end.reportedFailure ? 'failed' : 'crashed';
}
