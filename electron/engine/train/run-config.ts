/**
 * The one config file of a run (config.json): the run's TrainConfig, written once by whoever
 * starts the run (the process runner, or train() in-process) and read by the app, the CLI and
 * the engine alike. What differs between the processes of one run (resume, a smaller layout
 * after an out-of-memory death, injected faults, loader threads, a forced backend) is not in it:
 * the runner hands those to each process on its command line.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { TrainConfigSchema, type TrainConfig, type TrainConfigInput } from '../../shared/schemas/train-config';
import { writeJsonAtomic } from '../runs/atomic';
import { runPaths } from '../runs/run-dir';

/** How one process of a run runs, on top of the run's config (the trainer's `--process` argument). */
export const ProcessOptionsSchema = TrainConfigSchema.pick({ resume: true, layout: true, faults: true, workers: true, backend: true, threads: true }).partial();
export type ProcessOptions = z.infer<typeof ProcessOptionsSchema>;

const PROCESS_KEYS = Object.keys(ProcessOptionsSchema.shape) as Array<keyof ProcessOptions>;

/** Splits a config into the run's part (config.json) and this process's part. */
export function splitConfig(input: TrainConfigInput): { run: TrainConfig; process: ProcessOptions } {
  const process: ProcessOptions = {};
  for (const k of PROCESS_KEYS) if (input[k] !== undefined) Object.assign(process, { [k]: input[k] });
  const { faults: _faults, layout: _layout, ...settings } = input;
  const run = TrainConfigSchema.parse({ ...settings, resume: false });
  return { run, process };
}

/** Reads the config a run was started with (what a resume continues). */
export async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const file = runPaths(runDir).config;
  try {
    return TrainConfigSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new KestrelError('TRAIN_CONFIG_UNREADABLE', reason('TRAIN_CONFIG_UNREADABLE', { path: file, detail }).message, { path: file });
  }
}

/** Writes the run's config.json unless the run already has one (it is written once, by whoever starts the run). */
export async function writeRunConfigOnce(input: TrainConfigInput): Promise<void> {
  const file = runPaths(input.runDir).config;
  if (await stat(file).then(() => true, () => false)) return;
  await writeJsonAtomic(file, splitConfig(input).run);
}

/**
 * The config a process runs: the run's saved config with this process's options on top (a
 * resume continues the run as configured; only how this process runs may differ).
 */
export async function processConfig(runDir: string, opts: ProcessOptions): Promise<TrainConfig> {
  const saved = await readRunConfig(runDir);
  return TrainConfigSchema.parse({ ...saved, ...opts, runDir });
}
