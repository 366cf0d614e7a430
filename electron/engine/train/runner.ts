/**
 * The training process runner: the one piece of code that starts, watches and restarts the
 * training process, for the app's supervisor and the CLI alike. It writes the run's config.json
 * (once, when it starts the run), forks the trainer (electron/worker/trainer-entry.ts) through a
 * ForkFn with `--run <dir> --process <this process's options>`, relays its events, asks it to
 * stop (and kills it when it does not in time), and when it dies asks recovery.ts what to do:
 * restart it from the last checkpoint (after an out-of-memory death at half the batch), or end
 * with the reason it failed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { reason, type Reason } from '../../shared/reason';
import { TrainingEventSchema, type BatchLayout, type TrainingEvent } from '../../shared/schemas/events';
import { FromWorkerSchema } from '../../shared/schemas/ipc/worker';
import type { TrainConfigInput } from '../../shared/schemas/train-config';
import { readCheckpointPosition } from '../runs/train-state';
import { rethrowFsError } from '../runs/fs-errors';
import { acquireRunLock } from '../runs/lock';
import { appendJsonLine, runPaths, type RunPaths } from '../runs/run-dir';
import { nodeFork, type ChildExit, type ChildHandle, type ForkFn } from './fork';
import { decideAfterExit, DEFAULT_RESTART_POLICY, type RestartPolicy } from './recovery';
import { splitConfig, writeRunConfigOnce, type ProcessOptions } from './run-config';
import { STEP_HOST_ARG, type StepHostLink } from './step-host';

/** The training process's entry file (KESTREL_TRAINER_ENTRY overrides it, e.g. in a bundled app). */
export function trainerEntry(): string {
  return process.env.KESTREL_TRAINER_ENTRY ?? fileURLToPath(new URL('../../worker/trainer-entry.ts', import.meta.url));
}

/** How long a stopping run may take to save its checkpoint before it is killed. */
const STOP_GRACE_MS = 60_000;

/** How a run supervised by the runner. */
export interface RunnerOptions {
  /** How to start processes (default: Node's child_process). */
  fork?: ForkFn;
  /** The trainer's entry (default {@link trainerEntry}). */
  entry?: string;
  /** The process's name (Electron's service name). */
  name?: string;
  /** Every training event: the process's, and the runner's own `recovered` events. */
  onEvent?: (event: TrainingEvent) => void;
  policy?: Partial<RestartPolicy>;
  /**
   * Train through this step host (the app's hidden WebGPU renderer): each process is started
   * with STEP_HOST_ARG and handed a new port to the host as it starts.
   */
  stepHost?: StepHostLink;
}

/** How a supervised run ended. */
export interface RunnerEnd {
  /** Exit code 0 after train-end or a `done` with ok. */
  clean: boolean;
  /** The last process sent `done` with ok. */
  ok: boolean;
  /** The last process said it failed (`done` with ok false): its error event already says why. */
  reportedFailure: boolean;
  exit: ChildExit;
  /** A checkpoint exists and the run did not reach its end. */
  resumable: boolean;
  /** Why it failed (null when clean). */
  reason: Reason | null;
}

/**
 * One training run in child processes, restarted by the recovery policy until it ends.
 * Start it with {@link TrainingRunner.start}; `finished` resolves once no process is left.
 */
export class TrainingRunner {
  /** Resolves with how the run ended. */
  readonly finished: Promise<RunnerEnd>;
  private resolveFinished!: (end: RunnerEnd) => void;
  private readonly paths: RunPaths;
  private readonly policy: RestartPolicy;
  private child: ChildHandle | null = null;
  private done: boolean | null = null;
  private started = false;
  private ended = false;
  private lastErrorCode: string | null = null;
  private planLayout: BatchLayout | null = null;
  private layout: BatchLayout | null;
  private oomRestarts = 0;
  private crashRestarts = 0;
  private stopping = false;
  private killedByUs = false;
  private killTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    private job: TrainConfigInput,
    private readonly opts: RunnerOptions,
  ) {
    this.paths = runPaths(job.runDir);
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
    this.layout = job.layout ?? null;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /**
   * Starts the first training process of a run (rejects when it cannot): a fresh run's config
   * is written to its config.json first; a resumed one continues at the layout its last
   * recovery chose.
   */
  static async start(job: TrainConfigInput, opts: RunnerOptions = {}): Promise<TrainingRunner> {
    const runner = new TrainingRunner(job, opts);
    await mkdir(runner.paths.dir, { recursive: true }).catch((err: unknown) => rethrowFsError(err, { path: runner.paths.dir, op: 'mkdir' }));
    // The runner is the run's one writer while it lives (its training processes write under its
    // lock): a second app window or CLI on the same run gets RUN_LOCKED before anything starts.
    const lock = await acquireRunLock(runner.paths.dir);
    void runner.finished.then(() => lock.release());
    try {
      if (lock.notice) {
        const ev: TrainingEvent = { type: 'warning', t: Date.now(), reason: lock.notice };
        opts.onEvent?.(ev);
        await appendJsonLine(runner.paths.events, ev).catch(() => undefined);
      }
      if (!job.resume) await writeRunConfigOnce(job);
      else runner.layout ??= await lastRecoveredLayout(runner.paths.events);
      await runner.launch(job);
    } catch (err) {
      await lock.release();
      throw err;
    }
    return runner;
  }

  /** Asks the run to save a checkpoint and stop; kills it if it does not within `graceMs`. */
  stop(graceMs = STOP_GRACE_MS): void {
    if (this.stopping) return;
    this.stopping = true;
    this.child?.postMessage({ type: 'stop' });
    this.killTimer = setTimeout(() => this.kill(), graceMs);
    this.killTimer.unref?.();
  }

  /** Kills the process now and restarts nothing (app quitting; checkpoints are saved as training goes). */
  kill(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killedByUs = true;
    this.child?.kill();
  }

  /** Forks a training process on the run's config with this process's options, wiring its messages and exit. */
  private async launch(job: TrainConfigInput): Promise<void> {
    const options: ProcessOptions = { ...splitConfig(job).process, ...(this.layout ? { layout: this.layout } : {}) };
    const fork = this.opts.fork ?? nodeFork;
    // KESTREL_RESTARTS tells the trainer it is a restart (its crash fault injection fires only on the first run).
    const restarts = this.oomRestarts + this.crashRestarts;
    const args = ['--run', this.paths.dir, '--process', JSON.stringify(options), ...(this.opts.stepHost ? [STEP_HOST_ARG] : [])];
    const child = fork(this.opts.entry ?? trainerEntry(), args, { name: this.opts.name ?? 'kestrel-train', env: { KESTREL_RESTARTS: String(restarts) } });
    this.job = job;
    this.child = child;
    this.done = null;
    this.started = false;
    this.lastErrorCode = null;
    this.planLayout = null;
    // Stop pressed while the process was being started: it must still hear it.
    if (this.stopping) child.postMessage({ type: 'stop' });
    child.onMessage((msg) => {
      if (this.child === child) this.onMessage(msg);
    });
    child.onExit((exit) => void this.onExit(child, exit));
    // A port that cannot be handed over leaves the process waiting for one: it ends with
    // GPU_HOST_NO_PORT (an error event the run reports), so nothing is thrown here.
    try {
      this.opts.stepHost?.connect(child);
    } catch (_err) {
      // Said by the process, as above.
    }
  }

  private onMessage(raw: unknown): void {
    const msg = FromWorkerSchema.safeParse(raw);
    if (!msg.success) return; // Not ours (or a newer worker): ignore rather than crash the parent.
    if (msg.data.type === 'done') {
      this.done = msg.data.ok;
      return;
    }
    const ev = msg.data.event;
    this.started = true;
    if (ev.type === 'train-end') this.ended = true;
    if (ev.type === 'error') this.lastErrorCode = ev.error.code;
    if (ev.type === 'plan') this.planLayout = layoutOf(ev.plan);
    // The process halved its batch itself: a later restart continues from there (a resume too:
    // the recovery is in events.jsonl).
    if (ev.type === 'recovered' && ev.to) this.layout = { ...ev.to };
    this.opts.onEvent?.(ev);
  }

  private async onExit(child: ChildHandle, exit: ChildExit): Promise<void> {
    if (this.child !== child) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    const checkpoint = await readCheckpointPosition(this.paths.last);
    const decision = decideAfterExit(
      {
        exit,
        done: this.done === true,
        ended: this.ended,
        reportedFailure: this.done === false,
        started: this.started,
        intended: this.stopping || this.killedByUs,
        lastErrorCode: this.lastErrorCode,
        layout: this.layout,
        planLayout: this.planLayout,
        checkpoint,
        oomRestarts: this.oomRestarts,
        crashRestarts: this.crashRestarts,
        runDir: this.paths.dir,
      },
      this.policy,
    );
    const end = (clean: boolean, reason: Reason | null) =>
      this.resolveFinished({ clean, ok: this.done === true, reportedFailure: this.done === false, exit, resumable: !this.ended && checkpoint !== null, reason });
    if (decision.action === 'end') return end(decision.clean, decision.clean ? null : decision.reason);
    const { notice } = decision;
    if (notice.kind === 'oom') this.oomRestarts += 1;
    else this.crashRestarts += 1;
    if (decision.layout) this.layout = { ...decision.layout };
    const ev: TrainingEvent = { type: 'recovered', t: Date.now(), ...notice };
    this.opts.onEvent?.(ev);
    // events.jsonl is the run's history: the recovery belongs there too (the child is gone, so no interleaving).
    await appendJsonLine(this.paths.events, ev).catch(() => undefined);
    try {
      await this.launch({ ...this.job, resume: decision.resume });
    } catch (err) {
      end(false, reason('APP_CRASHED', { code: exit.code ?? 'none', cause: err instanceof Error ? err.message : String(err) }));
    }
  }
}

/** The layout the run's last recovery chose, from its history (events.jsonl); null when none did. */
async function lastRecoveredLayout(eventsFile: string): Promise<BatchLayout | null> {
  const text = await readFile(eventsFile, 'utf8').catch(() => '');
  let layout: BatchLayout | null = null;
  for (const line of text.split('\n')) {
    if (!line.includes('"recovered"')) continue;
    try {
      const ev = TrainingEventSchema.safeParse(JSON.parse(line));
      if (ev.success && ev.data.type === 'recovered' && ev.data.to) layout = ev.data.to;
    } catch (_err) {
      // A torn last line: the recoveries before it still count.
    }
  }
  return layout;
}

/** The per-device batch and accumulation of a plan payload, when it has them. */
function layoutOf(plan: Record<string, unknown>): BatchLayout | null {
  const b = plan['perDeviceBatch'];
  const acc = plan['accumulation'];
  if (typeof b !== 'number' || typeof acc !== 'number' || b < 1 || acc < 1) return null;
  return { perDeviceBatch: b, accumulation: acc };
}

/**
 * Trains in child processes until the run ends, as the CLI does: the events go to `onEvent`,
 * aborting `signal` stops the run at its next checkpoint, a memory death or a crash restarts it
 * (up to three times each), and a failure the process did not report itself ends with an
 * `error` event (also written to events.jsonl). Resolves true when the run ended normally.
 */
export async function runTrainingProcess(
  job: TrainConfigInput,
  opts: { onEvent?: (event: TrainingEvent) => void; signal?: AbortSignal; fork?: ForkFn; policy?: Partial<RestartPolicy> } = {},
): Promise<boolean> {
  const runner = await TrainingRunner.start(job, {
    ...(opts.fork ? { fork: opts.fork } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    policy: { maxOomRestarts: 3, maxCrashRestarts: 3, ...opts.policy },
  });
  const onAbort = () => runner.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const end = await runner.finished;
  opts.signal?.removeEventListener('abort', onAbort);
  if (!end.clean && end.reason && !end.reportedFailure && !opts.signal?.aborted) {
    const ev: TrainingEvent = { type: 'error', t: Date.now(), error: { code: end.reason.code, message: end.reason.message }, resumable: end.resumable };
    opts.onEvent?.(ev);
    await appendJsonLine(runPaths(job.runDir).events, ev).catch(() => undefined);
  }
  return end.ok;
}
