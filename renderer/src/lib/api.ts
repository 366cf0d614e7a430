import { methodName } from '../../../electron/shared/ipc-channels';
import type { ChannelName, EventName, EventPayload, KestrelApi, Req, Res } from '../../../electron/shared/ipc-contract';

declare global {
  interface Window {
    api: KestrelApi;
  }
}

/** An error a channel answered with: a stable code and a sentence saying what to do. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The figures of the error's sentence, for saying it in the UI's language. */
    readonly params?: Record<string, string | number | boolean>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Calls a channel through window.api (the only way the renderer reaches the app) and
 * unwraps the answer: the value, or an ApiError with the channel's code and message.
 */
export async function call<C extends ChannelName>(channel: C, req: Req<C>): Promise<Res<C>> {
  const method = (window.api as unknown as Record<string, (r: unknown) => Promise<unknown>>)[methodName(channel)];
  if (!method) throw new ApiError('APP_NO_BRIDGE', 'Kestrel could not reach its back end. Restart the app.');
  const r = (await method(req)) as { ok: true; value: Res<C> } | { ok: false; error: { code: string; message: string; params?: Record<string, string | number | boolean> } };
  if (!r.ok) throw new ApiError(r.error.code, r.error.message, r.error.params);
  return r.value;
}

/** Subscribes to an event main sends; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return window.api.on(event, listener);
}
