import { KestrelError } from '../../../shared/errors';

/** Throws the import's cancellation error when the signal has fired. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new KestrelError('DS_IMPORT_CANCELLED', 'The dataset import was cancelled.');
}

/**
 * Maps over items with at most `limit` calls in flight, results in input order. File reads
 * and sharp's header parsing run on libuv threads, so a handful in flight keeps them busy.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  opts: { signal?: AbortSignal | undefined; onDone?: ((done: number, total: number) => void) | undefined } = {},
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      checkAbort(opts.signal);
      const i = next++;
      out[i] = await fn(items[i] as T, i);
      done++;
      opts.onDone?.(done, items.length);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
