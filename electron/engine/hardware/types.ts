import type { Reason } from '../../shared/reason';
import type { Systeminformation } from 'systeminformation';

/** The systeminformation calls the probe uses; tests pass a fake built from fixtures. */
export interface SystemInfoSource {
  graphics(): Promise<Systeminformation.GraphicsData>;
  cpu(): Promise<Systeminformation.CpuData>;
  mem(): Promise<Systeminformation.MemData>;
  osInfo(): Promise<Systeminformation.OsData>;
}

/** What a command run returned; a failed run rejects with an Error carrying `code` (exit code or errno). */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs an executable asynchronously. Must stop the process when `signal` aborts; the probe
 * also stops waiting on its own, so a runner that ignores the signal cannot hang it.
 */
export type RunCommand = (file: string, args: readonly string[], options: { signal: AbortSignal }) => Promise<CommandOutput>;

/** How the nvidia-smi call went, before its output is parsed. */
export type NvidiaSmiRun =
  | { status: 'ok'; stdout: string }
  | { status: 'missing' }
  | { status: 'failed'; detail: string }
  | { status: 'timeout'; timeoutMs: number };

/** Status of nvidia-smi after parsing: `unreadable` when it answered with output we cannot read. */
export type NvidiaSmiStatus = NvidiaSmiRun['status'] | 'unreadable';

/** One line of `nvidia-smi --query-gpu=index,pci.bus_id,name,memory.total,memory.used,memory.free,driver_version`. */
export interface NvidiaSmiRow {
  index: number;
  /** Normalised to `dddd:bb:dd.f`, lower case (see normalisePciBusId). */
  pciBusId: string;
  name: string;
  /** MiB; null where nvidia-smi prints [N/A] or [Not Supported]. */
  totalMiB: number | null;
  usedMiB: number | null;
  freeMiB: number | null;
  driver: string | null;
}

/** Whether an optional native TF.js package is usable, from its files alone (nothing is loaded). */
export type NativePackageState =
  | { installed: false }
  | {
      installed: true;
      dir: string;
      /** Path of lib/napi-v*\/tfjs_binding.node, null when missing. */
      binding: string | null;
      /** Path of the libtensorflow shared library, null when missing. */
      libtensorflow: string | null;
    };

/** The optional native TF.js packages Kestrel looks for. */
export type NativePackageName = 'tfjs-node-gpu' | 'tfjs-node';

/** Node's own view of the machine, used where systeminformation fails. */
export interface NodeOsFacts {
  cpuModel: string;
  logicalCpus: number;
  totalMemBytes: number;
  freeMemBytes: number;
  arch: string;
  release: string;
}

/** What the WebGPU probe found: the adapter and its limits, or why there is none. */
export type WebgpuProbe =
  | { ok: true; name: string; vendor: string; software: boolean; maxBufferSize: number; maxStorageBufferBindingSize: number }
  | { ok: false; reason: Reason };

/**
 * Everything the probe gathered, unprocessed. buildHardwareProfile turns it into a
 * HardwareProfile with no I/O, so recorded fixtures replay any machine.
 */
export interface RawHardware {
  /** Node's platform name: win32, linux, darwin. */
  platform: string;
  /** null when systeminformation failed or was skipped (nvidia-smi hung). */
  graphics: Systeminformation.GraphicsData | null;
  cpu: Systeminformation.CpuData | null;
  mem: Systeminformation.MemData | null;
  osInfo: Systeminformation.OsData | null;
  nvidiaSmi: NvidiaSmiRun;
  packages: Record<NativePackageName, NativePackageState>;
  wasmSimd: boolean;
  /** The WebGPU adapter Dawn offers, when the probe looked (see ProbeOptions.webgpu). */
  webgpu?: WebgpuProbe | undefined;
  /** systeminformation parts that failed, with why. */
  inventoryErrors: { part: string; detail: string }[];
  nodeOs?: NodeOsFacts | undefined;
  probedAt: string;
}
