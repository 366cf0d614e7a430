/**
 * The engine's one public entry: the CLI, the training worker, the app handlers and the
 * browser-test harness call the engine through these exports.
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
export { train } from './train/index';
