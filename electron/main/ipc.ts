import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNELS, type ChannelName, type EventName, type EventPayload, type Handlers, type IpcResult } from '../shared/ipc-contract';
import { dispatch } from '../app/dispatch';

/** Decides whether an IPC message comes from our own window and page. */
export type SenderCheck = (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>) => boolean;

/**
 * The one place raw ipcMain is used. Registers every channel of the contract through
 * `handle`, which refuses senders other than our window and validates with the schemas.
 */
export function bindIpc(handlers: Handlers, isTrusted: SenderCheck): () => void {
  for (const channel of CHANNELS) handle(channel, handlers, isTrusted);
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Registers one channel: sender check, request and response validation, errors as {code, message}. */
export function handle(channel: ChannelName, handlers: Handlers, isTrusted: SenderCheck): void {
  ipcMain.handle(channel, async (event, payload: unknown): Promise<IpcResult<unknown>> => {
    if (!isTrusted(event)) {
      return { ok: false, error: { code: 'APP_UNTRUSTED_SENDER', message: "A request came from a page that is not Kestrel's window and was refused." } };
    }
    return dispatch(handlers, channel, payload);
  });
}

/** Sends an event to the window, if it is still there. */
export function sendEvent<E extends EventName>(contents: WebContents | null, event: E, payload: EventPayload<E>): void {
  if (contents && !contents.isDestroyed()) contents.send(event, payload);
}
