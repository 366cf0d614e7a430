/**
 * The training process: runs one training job and streams its events to the parent.
 *
 * Started by the process runner (electron/engine/train/runner.ts; Electron's utilityProcess in
 * the app, Node's child_process.fork in the CLI and tests) with `--run <runDir> --process <json>`:
 * the run's config.json with this process's options on top (resume, layout, faults, ...). A
 * `--job <file>` holding a whole config (a TrainConfig, or the app's TrainJob) also works.
 * Parent -> here: {type:'stop'} saves a checkpoint and ends the run cleanly (SIGTERM and SIGINT
 * do the same). With `--step-host` (the app's hidden WebGPU renderer), the parent's
 * {type:'step-host'} message carries a MessagePort the training steps run through (host-step.ts). Here -> parent: {type:'event', event} for each training event, batch-end thinned
 * to a few per second, then {type:'done', ok} before a clean exit (0 ok, 1 failed).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ToWorkerSchema } from '../shared/schemas/ipc/worker';
import type { TrainConfig } from '../shared/schemas/train-config';
import { processConfig, ProcessOptionsSchema, train } from '../engine/index';
import { createCoalescer } from './coalesce';
import { configFromJobFile } from './trainer-entry-config';
import { stepHostFromParent } from './host-step';
import { parentLink } from './transport';

/** The command line: the run (or job file), and whether the steps run on the parent's step host. */
function args() {
  return parseArgs({ options: { job: { type: 'string' }, run: { type: 'string' }, process: { type: 'string' }, 'step-host': { type: 'boolean' } }, strict: false }).values;
}

/** The config this process trains, from its command line. */
async function configFromArgs(): Promise<TrainConfig> {
  const values = args();
  if (typeof values.run === 'string') {
    const opts = ProcessOptionsSchema.parse(JSON.parse(typeof values.process === 'string' ? values.process : '{}'));
    return processConfig(values.run, opts);
  }
  if (typeof values.job === 'string') return configFromJobFile(JSON.parse(await readFile(values.job, 'utf8')));
  throw new Error('Usage: trainer-entry --run <runDir> [--process <json>] | --job <file.json>');
}

async function main(): Promise<number> {
  const link = parentLink();
  // Listening at once: the parent hands the step host's port as the process starts.
  const stepHost = args()['step-host'] === true && link ? stepHostFromParent(link) : undefined;
  const cfg = await configFromArgs();
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
    await train(cfg, { signal: stop.signal, onEvent: (e) => coalescer.push(e), ...(stepHost ? { stepHost } : {}) });
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
