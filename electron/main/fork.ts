// Electron's side of process forking: the ForkFn (electron/engine/train/fork.ts) that main hands the app.
import { app, utilityProcess, type MessagePortMain } from 'electron';
import { childStderrSink, type ExitCause, type ForkFn } from '../engine/train/fork';

/**
 * Fork with Electron's utilityProcess: a Node process Electron supervises, whose crash or
 * out-of-memory death main hears about through `child-process-gone` with the real reason.
 */
export const utilityFork: ForkFn = (entry, args, opts) => {
  const child = utilityProcess.fork(entry, args, {
    serviceName: opts.name,
    // stderr is piped through the same sink as nodeFork's: Dawn's limit notices dropped, a quiet
    // child's last lines kept for its exit.
    stdio: opts.quiet ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const sink = childStderrSink(opts.quiet ?? false);
  child.stderr?.on('data', (d: Buffer) => sink.push(d));
  let goneReason: ExitCause | 'clean-exit' | null = null;
  const onGone = (_e: unknown, details: Electron.Details) => {
    if (details.type === 'Utility' && details.name === opts.name) goneReason = details.reason;
  };
  app.on('child-process-gone', onGone);
  return {
    get pid() {
      return child.pid;
    },
    // A step host's port goes with its message (the hidden WebGPU renderer, engine/train/step-host.ts).
    postMessage: (msg, transfer) => (transfer?.length ? child.postMessage(msg, [...transfer] as MessagePortMain[]) : child.postMessage(msg)),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) =>
      child.on('exit', (code) => {
        // child-process-gone may arrive just after exit: give it a moment to name the cause.
        setTimeout(() => {
          app.off('child-process-gone', onGone);
          const reason = goneReason === 'clean-exit' ? null : goneReason;
          sink.end();
          listener(sink.withTail({ code, cause: reason ?? (code === 0 ? null : 'crashed') }));
        }, 50);
      }),
    kill: () => {
      child.kill();
    },
  };
};
