/**
 * The engine's one public entry for Node processes that train: the CLI's train and demo
 * commands and the worker processes (trainer, memory probe) import the engine through these
 * exports. Electron's main process does not: it must not load TF.js, so the app loads engine
 * modules one by one on first use (electron/app/engine.ts) and imports only the tfjs-free
 * process runner (./train/runner, ./train/fork) directly.
 */
export { probeHardware, buildHardwareProfile, type ProbeOptions } from './hardware/index';
export { describeModel } from './model/describe';
export { resolveArchitecture, SCALES, STRIDES, REG_MAX } from './model/arch';
export * from './eval/index';
export * from './plan/index';
export * from './data/index';
export * from './model/index';
export { computeLoss } from './loss/index';
export { initBackend, type BackendReport } from './backend/index';
export { train, type TrainOptions, type TrainResult } from './train/index';
export { processConfig, ProcessOptionsSchema, readRunConfig, splitConfig, type ProcessOptions } from './train/run-config';
export { runTrainingProcess, TrainingRunner, trainerEntry, type RunnerEnd, type RunnerOptions } from './train/runner';
export { nodeFork, type ChildExit, type ChildHandle, type ExitCause, type ForkFn } from './train/fork';
export { measureStepPeaks } from './train/memory-probe';
export { ProbeRequestSchema, runMemoryProbe, type ProbeRequest } from './train/probe-child';
export { createRunDir, runPaths, type RunPaths } from './runs/run-dir';
