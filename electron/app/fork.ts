import { fork as cpFork } from 'node:child_process';

/** How a training process ended: exit code, and a cause when it did not exit on its own. */
export interface ChildExit {
  code: number | null;
  /** 'oom', 'crashed', 'killed', a signal name, ... (null for a normal exit). */
  cause: string | null;
}

/** A running child process, the same whether it is an Electron utilityProcess or a Node fork. */
export interface ChildHandle {
  readonly pid: number | undefined;
  postMessage(msg: unknown): void;
  onMessage(listener: (msg: unknown) => void): void;
  onExit(listener: (exit: ChildExit) => void): void;
  /** Ends the process at once (the stop message is the polite way). */
  kill(): void;
}

/** Starts a process running `entry` with `args`; main uses utilityProcess, the CLI and tests Node. */
export type ForkFn = (entry: string, args: string[], opts: { name: string; env?: Record<string, string> }) => ChildHandle;

/**
 * Fork with Node's child_process: for the CLI, tests and the browser-test bridge.
 * A `.ts` entry runs through tsx, as everything else does outside the bundle.
 */
export const nodeFork: ForkFn = (entry, args, opts) => {
  const child = cpFork(entry, args, {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (msg) => {
      if (child.connected) child.send(msg as object);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) =>
      child.on('exit', (code, signal) => {
        // Node reports a V8 heap exhaustion as an abort (SIGABRT / 134): call it what it is.
        const oom = signal === 'SIGABRT' || code === 134;
        listener({ code, cause: oom ? 'oom' : signal ?? (code === 0 ? null : 'crashed') });
      }),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
};
