import type { IpcRendererEvent } from 'electron';
import { CHANNELS, EVENTS, methodName } from '../shared/ipc-channels';

/** The part of ipcRenderer the api uses (so tests can pass their own). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
}

/**
 * Builds what the preload exposes as `window.api`: one method per channel of the
 * contract (each invokes exactly its channel) and `on(event, listener)` for the events main
 * sends. Nothing else reaches the page: no ipcRenderer, no Node.
 * Imports only the channel names, because a sandboxed preload cannot load npm modules.
 */
export function buildApi(ipc: IpcRendererLike): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const channel of CHANNELS) {
    api[methodName(channel)] = (req: unknown) => ipc.invoke(channel, req ?? {});
  }
  api['on'] = (event: string, listener: (payload: unknown) => void): (() => void) => {
    if (!(EVENTS as readonly string[]).includes(event)) throw new Error(`Unknown event ${event}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipc.on(event, wrapped);
    return () => ipc.removeListener(event, wrapped);
  };
  return Object.freeze(api);
}

