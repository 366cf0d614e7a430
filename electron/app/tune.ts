/**
 * The Plan step's LR range test: one at a time, in a process of its own (the engine's
 * lr-find-entry, under Electron's utilityProcess in the app), never beside a training run; its
 * steps kept for the renderer to poll, its file (lr-find.json) under the user-data folder, and
 * the chart of it in the answer. The window's "Use this LR" sets the LR override with it.
 */
import { join } from 'node:path';
import { nodeFork, type ForkFn } from '../engine/train/fork';
import { lrFindChart, runLrFindProcess } from '../engine/tune/lr-find-process';
import { KestrelError } from '../shared/errors';
import type { Handlers } from '../shared/ipc-contract';
import { reason } from '../shared/reason';
import type { LrFindAppRequest, LrFindProgress } from '../shared/schemas/ipc/tune';
import type { LrFindPoint, LrFindRequest, LrFindResult } from '../shared/schemas/tune';
import { LR_FIND_DEFAULTS } from '../engine/tune/lr-choice';
import { newRunId } from './runs';

/** The folder of the app's LR range tests, inside the user-data folder (not among the runs). */
export const LR_FIND_DIR = 'lr-find';

/** A test that runs: its length, the steps so far and how to stop it. */
interface ActiveTest {
  steps: number;
  points: LrFindPoint[];
  stop: AbortController;
}

/** How the service starts the test's process: the app's fork and its built entry; tests: Node's fork, a stand-in entry. */
export interface LrFindServiceOptions {
  fork?: ForkFn;
  /** The test process's entry (default: the engine's lr-find-entry.ts, run through tsx). */
  entry?: string;
}

/** At most one LR range test at a time, its progress readable while it runs. */
export class LrFindService {
  private active: ActiveTest | null = null;

  constructor(private readonly opts: LrFindServiceOptions = {}) {}

  /** Whether a test runs now. */
  get running(): boolean {
    return this.active !== null;
  }

  /** Runs one test to its end (or its stop); APP_LR_FIND_BUSY while another runs. */
  async run(request: LrFindRequest): Promise<LrFindResult> {
    if (this.active) throw new KestrelError('APP_LR_FIND_BUSY', reason('APP_LR_FIND_BUSY').message);
    const a: ActiveTest = { steps: request.steps ?? LR_FIND_DEFAULTS.steps, points: [], stop: new AbortController() };
    this.active = a;
    try {
      return await runLrFindProcess(request, {
        signal: a.stop.signal,
        onPoint: (p) => void a.points.push(p),
        fork: this.opts.fork ?? nodeFork,
        ...(this.opts.entry ? { entry: this.opts.entry } : {}),
      });
    } finally {
      this.active = null;
    }
  }

  /** The running test's length and its steps so far. */
  progress(): LrFindProgress {
    const a = this.active;
    return a ? { running: true, steps: a.steps, points: [...a.points] } : { running: false, steps: 0, points: [] };
  }

  /** Asks the running test to stop (it still chooses from the steps so far); false when none runs. */
  stop(): boolean {
    if (!this.active) return false;
    this.active.stop.abort();
    return true;
  }
}

/** What the handlers of the test need from the app. */
export interface LrFindDeps {
  service: LrFindService;
  /** The user-data folder (the tests' files go under it). */
  userDataDir: string;
  /** The dataset path checked as one the user picked (APP_DATASET_NOT_PICKED otherwise). */
  picked(path: string): string;
  /** The run that trains now, if any: the test would compete with it for the processor. */
  trainingRunId(): string | null;
}

/** The request the test process takes, for an app request: its file goes to a folder of its own under `userDataDir/lr-find`. */
export function lrFindRequestFor(req: LrFindAppRequest, userDataDir: string, now = new Date()): LrFindRequest {
  return {
    datasetPath: req.datasetPath,
    model: req.model,
    epochs: req.epochs,
    overrides: req.overrides ?? {},
    runDir: join(userDataDir, LR_FIND_DIR, newRunId(req.model.scale, req.model.imgsz, now)),
    ...(req.steps !== undefined ? { steps: req.steps } : {}),
  };
}

/** The handlers of tune:lrFind, tune:lrFindProgress and tune:lrFindStop. */
export function lrFindHandlers(deps: LrFindDeps): Pick<Handlers, 'tune:lrFind' | 'tune:lrFindProgress' | 'tune:lrFindStop'> {
  return {
    async 'tune:lrFind'(req) {
      deps.picked(req.datasetPath);
      const runId = deps.trainingRunId();
      if (runId !== null) throw new KestrelError('APP_LR_FIND_TRAINING', reason('APP_LR_FIND_TRAINING', { runId }).message, { runId });
      const request = lrFindRequestFor(req, deps.userDataDir);
      const result = await deps.service.run(request);
      return { file: join(request.runDir, 'lr-find.json'), result, chart: lrFindChart(result) };
    },
    async 'tune:lrFindProgress'() {
      return deps.service.progress();
    },
    async 'tune:lrFindStop'() {
      return { stopping: deps.service.stop() };
    },
  };
}
