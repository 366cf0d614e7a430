/**
 * The training process: runs one job and streams its events to the parent.
 *
 * Started by the app's supervisor (Electron utilityProcess) or the CLI and tests (Node
 * child_process.fork) with `--job <file>`: a TrainJob (the app) or a full TrainConfig (CLI).
 * Parent -> here: {type:'stop'} saves a checkpoint and ends the run cleanly (SIGTERM and SIGINT
 * do the same). Here -> parent: {type:'event', event} for each training event, batch-end thinned
 * to a few per second, then {type:'done', ok} before a clean exit (0 ok, 1 failed).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ToWorkerSchema } from '../shared/schemas/ipc/worker';
import { train } from '../engine/train/index';
import { createCoalescer } from './coalesce';
import { configFromJobFile } from './trainer-entry-config';
import { parentLink } from './transport';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { job: { type: 'string' } }, strict: false });
  const jobFile = values.job;
  if (typeof jobFile !== 'string') throw new Error('Usage: trainer-entry --job <file.json>');
  const cfg = configFromJobFile(JSON.parse(await readFile(jobFile, 'utf8')));
  const link = parentLink();
  const stop = new AbortController();
  link?.onMessage((raw) => {
    const msg = ToWorkerSchema.safeParse(raw);
    if (msg.success && msg.data.type === 'stop') stop.abort();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stop.abort());
  const pending: Promise<void>[] = [];
  const coalescer = createCoalescer((event) => {
    if (link) pending.push(link.post({ type: 'event', event }));
  });
  let ok = false;
  try {
    await train(cfg, { signal: stop.signal, onEvent: (e) => coalescer.push(e) });
    ok = true;
  } catch {
    // train() already emitted the error event with its code; the exit code says it failed.
  } finally {
    coalescer.flush();
    coalescer.dispose();
  }
  await Promise.all(pending);
  await link?.post({ type: 'done', ok });
  link?.close();
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kestrel trainer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
