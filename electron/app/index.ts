import type { Handlers } from '../shared/ipc-contract';
import { realEngine, type EnginePort } from './engine';
import type { ForkFn } from '../engine/train/fork';
import { createHandlers, type AppContext } from './handlers';
import type { AppHost } from './host';
import { SettingsStore } from './settings';
import { TrainingSupervisor, type SupervisorOptions, type SupervisorSink } from './supervisor';
import { LrFindService } from './tune';

export { dispatch } from './dispatch';
export { nodeFork, type ForkFn, type ChildHandle, type ChildExit } from '../engine/train/fork';
export type { AppHost } from './host';
export type { SupervisorSink } from './supervisor';
export type { EnginePort } from './engine';
export { SettingsStore } from './settings';

/** What createApp needs: the host (dialogs, user-data folder), how to fork, where the trainer is. */
export interface AppOptions {
  host: AppHost;
  fork: ForkFn;
  /** The training process's entry: out/worker/trainer-entry.js in the app, the .ts in tests. */
  workerEntry: string;
  sink: SupervisorSink;
  engine?: EnginePort;
  /** The LR range test process's entry: out/main/lr-find-entry.js in the app; absent, the engine's .ts (tests). */
  lrFindEntry?: string;
  /** The step host a run trains through (main: the hidden WebGPU renderer when Dawn cannot load in a utilityProcess). */
  stepHost?: SupervisorOptions['stepHost'];
}

/** A wired app: every channel's handler, plus the parts main needs to reach (settings, supervisor). */
export interface KestrelAppCore {
  handlers: Handlers;
  settings: SettingsStore;
  supervisor: TrainingSupervisor;
  context: AppContext;
}

/**
 * Builds the app's handlers around the engine. Used the same way by Electron's main process
 * and by the browser-test bridge, so the tests drive the code the app ships.
 */
export async function createApp(opts: AppOptions): Promise<KestrelAppCore> {
  const settings = await SettingsStore.open(opts.host.userDataDir);
  const supervisor = new TrainingSupervisor(opts.fork, opts.workerEntry, opts.sink, opts.stepHost ? { stepHost: opts.stepHost } : {});
  const lrFind = new LrFindService({ fork: opts.fork, ...(opts.lrFindEntry ? { entry: opts.lrFindEntry } : {}) });
  const context: AppContext = { engine: opts.engine ?? realEngine, host: opts.host, settings, supervisor, lrFind };
  return { handlers: createHandlers(context), settings, supervisor, context };
}
