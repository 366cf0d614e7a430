/**
 * Process forking: one typed wrapper for every child Kestrel starts (the training process, the
 * memory probe, test stand-ins), the same whether Electron's utilityProcess (electron/main/fork.ts)
 * or Node's child_process runs it, with a typed cause of death the recovery policy reads.
 */
import { fork as cpFork } from 'node:child_process';
import { createDawnNoticeFilter } from '../backend/dawn-noise';

/**
 * Why a child went away when it did not exit on its own: Electron's child-process-gone reasons
 * ('oom', 'crashed', 'killed', 'launch-failed', ...), 'oom' for V8's heap abort under Node, a
 * signal name from Node, or 'crashed' for a non-zero exit without a better name.
 */
export type ExitCause =
  | 'oom'
  | 'crashed'
  | 'killed'
  | 'abnormal-exit'
  | 'launch-failed'
  | 'integrity-failure'
  | 'memory-eviction'
  | NodeJS.Signals;

/** How a child process ended: exit code, and a cause when it did not exit on its own. */
export interface ChildExit {
  code: number | null;
  /** Null for a normal exit (code 0). */
  cause: ExitCause | null;
  /** The last lines the child wrote to stderr, when the fork was asked to capture them. */
  stderrTail?: string;
}

/** A running child process, the same whether it is an Electron utilityProcess or a Node fork. */
export interface ChildHandle {
  readonly pid: number | undefined;
  /**
   * Sends a message; `transfer` hands over MessagePorts with it (Electron's utilityProcess only:
   * a step host's port, step-host.ts). Node's child_process cannot carry ports and throws.
   */
  postMessage(msg: unknown, transfer?: readonly unknown[]): void;
  onMessage(listener: (msg: unknown) => void): void;
  onExit(listener: (exit: ChildExit) => void): void;
  /** Ends the process at once (the stop message is the polite way). */
  kill(): void;
}

/** How to start a child. */
export interface ForkOptions {
  /** A name for the process (Electron's service name). */
  name: string;
  env?: Record<string, string>;
  /** Keep the child's stdout and stderr out of ours, keeping stderr's last lines for the exit. */
  quiet?: boolean;
}

/** Starts a process running `entry` with `args`; main uses utilityProcess, the CLI, engine and tests Node. */
export type ForkFn = (entry: string, args: string[], opts: ForkOptions) => ChildHandle;

/** Keeps at most this many characters of a quiet child's stderr. */
const STDERR_TAIL = 2000;

/** The cause of a Node child's exit: V8's heap abort (SIGABRT / 134) is called what it is. */
export function nodeExitCause(code: number | null, signal: NodeJS.Signals | null): ExitCause | null {
  if (signal === 'SIGABRT' || code === 134) return 'oom';
  if (signal) return signal;
  return code === 0 ? null : 'crashed';
}

/**
 * The execArgv that loads tsx in a child running a `.ts` entry. tsx is resolved from this file
 * (import.meta.resolve), not from the working folder, so `node <checkout>/bin/kestrel.mjs train`
 * works from any folder.
 */
export function tsxExecArgv(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

/**
 * Where a child's piped stderr goes: ours, or (quiet) a kept tail of its last lines for the exit.
 * Dawn's two limit notices (dawn-noise.ts) are dropped: Dawn writes them from native code
 * whenever a WebGPU instance finds a Vulkan adapter, and no process can silence them in itself.
 * Every other line, errors included, passes unchanged and in order, so the last line a quiet
 * child's exit reports (recovery.ts startFailure) is its own last word, never a notice.
 * Both forks (Node's here, Electron's utilityProcess in main/fork.ts) use it.
 */
export function childStderrSink(quiet: boolean, write: (text: string) => void = (text) => void process.stderr.write(text)) {
  let tail = '';
  const filter = createDawnNoticeFilter(quiet ? (text) => (tail = (tail + text).slice(-STDERR_TAIL)) : write);
  return {
    push: (chunk: string | Uint8Array) => filter.push(chunk),
    /** Passes on (or keeps) a last line without its newline; later output still flows. */
    end: () => filter.end(),
    /** The exit with the kept tail added, for a quiet child that wrote any. */
    withTail: (exit: ChildExit): ChildExit => (quiet && tail ? { ...exit, stderrTail: tail } : exit),
  };
}

/**
 * Fork with Node's child_process: for the CLI, the memory probe, tests and the browser-test
 * bridge. A `.ts` entry runs through tsx, as everything else does outside the bundle.
 * A failure to start (a missing entry) ends as an exit with cause 'launch-failed'.
 */
export const nodeFork: ForkFn = (entry, args, opts) => {
  const child = cpFork(entry, args, {
    execArgv: entry.endsWith('.ts') ? tsxExecArgv() : [],
    env: { ...process.env, ...opts.env },
    // stderr is always piped: it reaches ours (or the quiet child's kept tail) through the filter.
    stdio: opts.quiet ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const sink = childStderrSink(opts.quiet ?? false);
  child.stderr?.on('data', (d: Buffer) => sink.push(d));
  const exitListeners: Array<(exit: ChildExit) => void> = [];
  let ended = false;
  const end = (exit: ChildExit) => {
    if (ended) return;
    ended = true;
    sink.end();
    const full = sink.withTail(exit);
    for (const l of exitListeners) l(full);
  };
  // Only a child that never got a pid failed to start; later errors (a failed send) end nothing.
  child.on('error', () => {
    if (child.pid === undefined) end({ code: null, cause: 'launch-failed' });
  });
  child.on('exit', (code, signal) => end({ code, cause: nodeExitCause(code, signal) }));
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (msg, transfer) => {
      if (transfer && transfer.length > 0) throw new Error("Node's child_process cannot hand a MessagePort to a child (Electron's utilityProcess can).");
      if (child.connected) child.send(msg as object);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => {
      exitListeners.push(listener);
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
};
