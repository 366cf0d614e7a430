// The training process's link to its parent, the same under Electron's utilityProcess and Node's fork.
import type { FromWorker } from '../shared/schemas/ipc/worker';

/** The link to the parent process, the same under Electron's utilityProcess and Node's fork. */
export interface ParentLink {
  /** Sends a message; resolves once it is handed to the channel. */
  post(msg: FromWorker): Promise<void>;
  /** Each message from the parent, with the MessagePorts it carried (Electron's utilityProcess only; else none). */
  onMessage(listener: (msg: unknown, ports: readonly unknown[]) => void): void;
  /** Lets the process exit once nothing else is pending. */
  close(): void;
}

interface ElectronParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports?: readonly unknown[] }) => void): void;
}

/**
 * The parent link of this process: Electron's utilityProcess gives `process.parentPort`
 * (messages arrive as events with `.data`), Node's child_process.fork gives process.send and
 * process.on('message'). Null when started without a parent (a shell): events then go nowhere.
 */
export function parentLink(proc: NodeJS.Process = process): ParentLink | null {
  const port = (proc as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      post: async (msg) => port.postMessage(msg),
      onMessage: (listener) => port.on('message', (e) => listener(e.data, e.ports ?? [])),
      close: () => undefined,
    };
  }
  if (typeof proc.send === 'function') {
    return {
      post: (msg) =>
        new Promise((resolve) => {
          if (!proc.connected) return resolve();
          proc.send!(msg, undefined, undefined, () => resolve());
        }),
      onMessage: (listener) => {
        proc.on('message', (msg: unknown) => listener(msg, []));
      },
      close: () => {
        if (proc.connected) proc.disconnect?.();
      },
    };
  }
  return null;
}
