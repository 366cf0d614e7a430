import { app, utilityProcess } from 'electron';
import type { ChildExit, ForkFn } from '../app/fork';

/**
 * Fork with Electron's utilityProcess: a Node process Electron supervises, whose crash or
 * out-of-memory death main hears about through `child-process-gone` with the real reason.
 */
export const utilityFork: ForkFn = (entry, args, opts) => {
  const child = utilityProcess.fork(entry, args, {
    serviceName: opts.name,
    stdio: 'inherit',
    env: { ...process.env, ...opts.env },
  });
  let goneReason: string | null = null;
  const onGone = (_e: unknown, details: Electron.Details) => {
    if (details.type === 'Utility' && details.name === opts.name) goneReason = details.reason;
  };
  app.on('child-process-gone', onGone);
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (msg) => child.postMessage(msg),
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
