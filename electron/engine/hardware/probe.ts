import { cpus, freemem, release, totalmem } from 'node:os';
import type { HardwareProfile } from '../../shared/schemas/hardware';
import { detectWasmSimd, inspectNativePackage } from './backends';
import { DEFAULT_NVIDIA_SMI_TIMEOUT_MS, firstLine, runNvidiaSmi } from './nvidia-smi';
import { buildHardwareProfile } from './profile';
import type { NativePackageName, NativePackageState, NodeOsFacts, RawHardware, RunCommand, SystemInfoSource, WebgpuProbe } from './types';
import { reason } from '../../shared/reason';

/** Options of probeHardware; everything is injectable so tests can replay any machine. */
export interface ProbeOptions {
  /** Runs nvidia-smi (default: child_process.execFile). */
  runCommand?: RunCommand;
  /** The systeminformation module or a fake with the same four calls. */
  si?: SystemInfoSource;
  /** Deadline of the nvidia-smi call in ms (default 8000). */
  timeoutMs?: number;
  /** Deadline of each systeminformation call in ms (default 20000; Windows' PowerShell queries are slow). */
  inventoryTimeoutMs?: number;
  /** Environment used to find nvidia-smi on Windows (default process.env). */
  env?: Record<string, string | undefined>;
  /** Node platform name to interpret the figures for (default process.platform). */
  platform?: string;
  /** Looks at an optional native TF.js package (default: inspectNativePackage on this install). */
  inspectPackage?: (name: NativePackageName) => NativePackageState;
  /** Overrides WebAssembly SIMD detection. */
  wasmSimd?: boolean;
  /** Clock for probedAt. */
  now?: () => Date;
  /**
   * Looks for a WebGPU adapter (Dawn), or false to skip. Default: {@link probeWebgpu} in plain
   * Node when the real systeminformation is used (not in Electron's main process, where Dawn is
   * not loaded, and not with a fake `si`: tests replay machines); KESTREL_PROBE_WEBGPU=0 skips it.
   */
  webgpu?: false | (() => Promise<WebgpuProbe>);
}

/** Deadline of the WebGPU adapter probe. */
export const WEBGPU_PROBE_TIMEOUT_MS = 10000;

/** Loads Dawn and asks for the adapter TF.js would use (no device is created). Never throws. */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  const { probeWebgpuAdapter, adapterName, WebgpuUnavailable } = await import('../backend/webgpu');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const f = await Promise.race([
      probeWebgpuAdapter(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${WEBGPU_PROBE_TIMEOUT_MS / 1000} s`)), WEBGPU_PROBE_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, name: adapterName(f), vendor: f.vendor, software: f.software, maxBufferSize: f.maxBufferSize, maxStorageBufferBindingSize: f.maxStorageBufferBindingSize };
  } catch (err) {
    if (err instanceof WebgpuUnavailable) return { ok: false, reason: err.reason };
    return { ok: false, reason: reason('BACKEND_WEBGPU_NO_ADAPTER', { detail: firstLine(err instanceof Error ? err.message : String(err)) }) };
  } finally {
    clearTimeout(timer);
  }
}

/** Default deadline of one systeminformation call. */
export const DEFAULT_INVENTORY_TIMEOUT_MS = 20000;

async function withDeadline<T>(part: string, ms: number, call: () => Promise<T>, errors: RawHardware['inventoryErrors']): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } catch (err) {
    errors.push({ part, detail: firstLine(err instanceof Error ? err.message : String(err)) });
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function nodeOsFacts(): NodeOsFacts {
  const list = cpus();
  return { cpuModel: list[0]?.model ?? 'unknown CPU', logicalCpus: list.length || 1, totalMemBytes: totalmem(), freeMemBytes: freemem(), arch: process.arch, release: release() };
}

/**
 * Gathers the raw facts of this machine (I/O only; see buildHardwareProfile for meaning).
 * nvidia-smi runs first: systeminformation's graphics() calls nvidia-smi synchronously with
 * no timeout, so when ours hung, graphics() would freeze the process, and it is skipped.
 */
export async function gatherRawHardware(opts: ProbeOptions = {}): Promise<RawHardware> {
  const platform = opts.platform ?? process.platform;
  const si: SystemInfoSource = opts.si ?? (await import('systeminformation'));
  const limit = opts.inventoryTimeoutMs ?? DEFAULT_INVENTORY_TIMEOUT_MS;
  const errors: RawHardware['inventoryErrors'] = [];
  // The WebGPU adapter (loading Dawn: about a second) is looked for while the other calls run.
  const webgpuDefault = opts.si === undefined && !process.versions.electron && process.env.KESTREL_PROBE_WEBGPU !== '0' ? probeWebgpu : false;
  const webgpuProbe = opts.webgpu ?? webgpuDefault;
  const webgpuPromise = webgpuProbe ? webgpuProbe() : Promise.resolve(undefined);
  const smiPromise = runNvidiaSmi({ runCommand: opts.runCommand, timeoutMs: opts.timeoutMs ?? DEFAULT_NVIDIA_SMI_TIMEOUT_MS, platform, env: opts.env });
  const [cpu, mem, osInfo] = await Promise.all([
    withDeadline('cpu', limit, () => si.cpu(), errors),
    withDeadline('memory', limit, () => si.mem(), errors),
    withDeadline('os', limit, () => si.osInfo(), errors),
  ]);
  const nvidiaSmi = await smiPromise;
  const graphics = nvidiaSmi.status === 'timeout' ? null : await withDeadline('graphics', limit, () => si.graphics(), errors);
  const inspect = opts.inspectPackage ?? ((name: NativePackageName) => inspectNativePackage(name));
  const webgpu = await webgpuPromise;
  return {
    platform,
    graphics,
    cpu,
    mem,
    osInfo,
    nvidiaSmi,
    packages: { 'tfjs-node-gpu': inspect('tfjs-node-gpu'), 'tfjs-node': inspect('tfjs-node') },
    wasmSimd: opts.wasmSimd ?? detectWasmSimd(),
    ...(webgpu ? { webgpu } : {}),
    inventoryErrors: errors,
    nodeOs: cpu && mem ? undefined : nodeOsFacts(),
    probedAt: (opts.now ?? (() => new Date()))().toISOString(),
  };
}

/**
 * What this machine offers for training: GPUs with their memory, CPU, RAM, OS and the
 * TF.js backends that can load. Never throws for missing, failing or hanging tools; what
 * could not be read is null with a reason in the GPU's notes or the profile's warnings.
 */
export async function probeHardware(opts: ProbeOptions = {}): Promise<HardwareProfile> {
  return buildHardwareProfile(await gatherRawHardware(opts));
}
