import { contract, type ChannelName, type Handlers, type IpcResult } from '../shared/ipc-contract';
import { toErrorInfo } from '../shared/errors';
import { formatZodIssues } from './zod-format';

/**
 * Runs one IPC request through the contract: validate the request, call the handler,
 * validate the response, and turn any failure into `{ code, message }`.
 * Main's `handle` wrapper and the browser-test bridge both go through here, so the tests
 * exercise the very checks the app makes.
 */
export async function dispatch(handlers: Handlers, channel: string, payload: unknown): Promise<IpcResult<unknown>> {
  if (!Object.hasOwn(contract, channel)) {
    return { ok: false, error: { code: 'APP_UNKNOWN_CHANNEL', message: `There is no channel named "${channel}". Update the app: its parts do not match.` } };
  }
  const ch = channel as ChannelName;
  const spec = contract[ch];
  const parsed = spec.req.safeParse(payload ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'APP_BAD_REQUEST', message: `The request to ${ch} was malformed (${formatZodIssues(parsed.error)}). This is a bug in the app; please report it.` },
    };
  }
  let value: unknown;
  try {
    const handler = handlers[ch] as (req: unknown) => Promise<unknown>;
    value = await handler(parsed.data);
  } catch (err) {
    const info = toErrorInfo(err);
    return { ok: false, error: { code: info.code, message: info.message } };
  }
  const out = spec.res.safeParse(value);
  if (!out.success) {
    return {
      ok: false,
      error: { code: 'APP_BAD_RESPONSE', message: `The answer of ${ch} did not match the contract (${formatZodIssues(out.error)}). Please report it with the run folder.` },
    };
  }
  return { ok: true, value: out.data };
}
