/**
 * The trainer's side of the step host (host.ts): typed requests over a MessagePort, answered in
 * order. A host error with a KestrelError code (OUT_OF_MEMORY...) is thrown as that KestrelError,
 * so the trainer's recovery treats a GPU out-of-memory in the renderer as one in its own process.
 * No Node here: the trainer (a Node or Electron utility process) and tests use it alike.
 */
import { KestrelError } from '../shared/errors';
import { reason } from '../shared/reason';
import { listen, type HostError, type HostRequest, type HostResponse, type HostResults, type ListenablePort } from './protocol';

type Payload<K extends keyof HostResults> = Omit<Extract<HostRequest, { op: K }>, 'id' | 'op'>;

/** A client of one host. */
export interface StepClient {
  request<K extends keyof HostResults>(op: K, payload: Payload<K>, opts?: { timeoutMs?: number }): Promise<HostResults[K]>;
  /** Rejects every pending request and every later one (the host's window closed or crashed). */
  fail(reason: Error): void;
}

/**
 * A client on `port`. `timeoutMs` (default none) bounds each request: a step on a software GPU
 * takes seconds, a big one on a real GPU well under one, a lost renderer forever.
 */
export function createStepClient(port: ListenablePort, opts: { timeoutMs?: number } = {}): StepClient {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  listen(port, (data) => {
    const res = data as HostResponse;
    if (typeof res !== 'object' || res === null || typeof res.id !== 'number') return;
    const p = pending.get(res.id);
    if (!p) return;
    pending.delete(res.id);
    if (p.timer) clearTimeout(p.timer);
    if (res.ok) p.resolve(res.result);
    else p.reject(hostError(res.error));
  });
  let failed: Error | null = null;
  return {
    request(op, payload, o = {}) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      const timeoutMs = o.timeoutMs ?? opts.timeoutMs;
      return new Promise((resolve, reject) => {
        const entry: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> } = {
          resolve: resolve as (v: unknown) => void,
          reject,
        };
        if (timeoutMs !== undefined) {
          entry.timer = setTimeout(() => {
            pending.delete(id);
            const params = { op, seconds: Math.round(timeoutMs / 1000) };
            reject(new KestrelError('GPU_HOST_TIMEOUT', reason('GPU_HOST_TIMEOUT', params).message, { ...params, timeoutMs }));
          }, timeoutMs);
        }
        pending.set(id, entry);
        port.postMessage({ ...payload, op, id });
      });
    },
    fail(why) {
      failed ??= why;
      for (const [id, p] of pending) {
        pending.delete(id);
        if (p.timer) clearTimeout(p.timer);
        p.reject(why);
      }
    },
  };
}

/** A host's error as the trainer throws it: its code, and for the host's own failures the catalogue's sentence around its detail. */
function hostError(e: HostError): KestrelError {
  const own = e.code === 'GPU_HOST_FAILED' || e.code === 'GPU_HOST_NO_WEBGPU';
  return new KestrelError(e.code, own ? reason(e.code, { detail: e.message }).message : e.message, e.details);
}
