// One IPC request through the contract: validate, call the handler, validate the answer, errors as reasons.
import { contract, type ChannelName, type Handlers, type IpcError, type IpcResult } from '../shared/ipc-contract';
import { toErrorInfo } from '../shared/errors';
import type { ReasonParam } from '../shared/reason';
import { formatZodIssues } from './zod-format';

/**
 * An error as a reason that crosses IPC: its code, the figures a translation fills in (the
 * plain values among a KestrelError's details), and the English sentence.
 */
export function ipcError(code: string, message: string, details?: Record<string, unknown>): IpcError {
  const params: Record<string, ReasonParam> = {};
  for (const [k, v] of Object.entries(details ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = v;
  }
  return Object.keys(params).length > 0 ? { code, message, params } : { code, message };
}

/**
 * Runs one IPC request through the contract: validate the request, call the handler,
 * validate the response, and turn any failure into a reason `{ code, params, message }`.
 * Main's `handle` wrapper and the browser-test bridge both go through here, so the tests
 * exercise the very checks the app makes.
 */
export async function dispatch(handlers: Handlers, channel: string, payload: unknown): Promise<IpcResult<unknown>> {
  if (!Object.hasOwn(contract, channel)) {
    return { ok: false, error: ipcError('APP_UNKNOWN_CHANNEL', `There is no channel named "${channel}". Update the app: its parts do not match.`, { channel }) };
  }
  const ch = channel as ChannelName;
  const spec = contract[ch];
  const parsed = spec.req.safeParse(payload ?? {});
  if (!parsed.success) {
    const issues = formatZodIssues(parsed.error);
    return { ok: false, error: ipcError('APP_BAD_REQUEST', `The request to ${ch} was malformed (${issues}). This is a bug in the app; please report it.`, { channel: ch, issues }) };
  }
  let value: unknown;
  try {
    const handler = handlers[ch] as (req: unknown) => Promise<unknown>;
    value = await handler(parsed.data);
  } catch (err) {
    const info = toErrorInfo(err);
    return { ok: false, error: ipcError(info.code, info.message, info.details) };
  }
  const out = spec.res.safeParse(value);
  if (!out.success) {
    const issues = formatZodIssues(out.error);
    return { ok: false, error: ipcError('APP_BAD_RESPONSE', `The answer of ${ch} did not match the contract (${issues}). Please report it with the run folder.`, { channel: ch, issues }) };
  }
  return { ok: true, value: out.data };
}
