// Electron's side of process forking: the ForkFn (electron/engine/train/fork.ts) that main hands the app.
import { app, utilityProcess, type MessagePortMain } from 'electron';
import type { ChildExit, ExitCause, ForkFn } from '../engine/train/fork';

/**
 * Fork with Electron's utilityProcess: a Node process Electron supervises, whose crash or
 * out-of-memory death main hears about through `child-process-gone` with the real reason.
 */
export const utilityFork: ForkFn = (entry, args, opts) => {
  const child = utilityProcess.fork(entry, args, {
    serviceName: opts.name,
    stdio: opts.quiet ? 'ignore' : 'inherit',
    env: { ...process.env, ...opts.env },
  });
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
          const exit: ChildExit = { code, cause: reason ?? (code === 0 ? null : 'crashed') };
          listener(exit);
        }, 50);
      }),
    kill: () => {
      child.kill();
    },
  };
};
