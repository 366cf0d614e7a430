/** The hardware probe: what a machine offers for training, and the pure logic behind it. */
export { probeHardware, gatherRawHardware, probeWebgpu, DEFAULT_INVENTORY_TIMEOUT_MS, WEBGPU_PROBE_TIMEOUT_MS, type ProbeOptions } from './probe';
export { buildHardwareProfile, profileFromRaw, interpretNvidiaSmi } from './profile';
export { mergeGpuInventory, isAdapterRamCap, MIB, BUSY_GPU_SHARE } from './gpus';
export {
  parseNvidiaSmiCsv,
  runNvidiaSmi,
  defaultRunCommand,
  nvidiaSmiCandidates,
  NVIDIA_SMI_ARGS,
  DEFAULT_NVIDIA_SMI_TIMEOUT_MS,
} from './nvidia-smi';
export { normalisePciBusId } from './pci';
export { isIntegrated, isDisplayOnly, normaliseVendor } from './classify';
export { detectBackendAvailability, webgpuAvailability, detectWasmSimd, inspectNativePackage, WASM_MEMORY_LIMIT_BYTES, type PackageFs } from './backends';
export type {
  RawHardware,
  RunCommand,
  CommandOutput,
  SystemInfoSource,
  NvidiaSmiRun,
  NvidiaSmiRow,
  NvidiaSmiStatus,
  NativePackageName,
  NativePackageState,
  NodeOsFacts,
  WebgpuProbe,
} from './types';
