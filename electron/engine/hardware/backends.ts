import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { BackendAvailability, GpuInfo } from '../../shared/schemas/hardware';
import { reason } from '../../shared/reason';
import type { NativePackageName, NativePackageState, WebgpuProbe } from './types';

/** The wasm32 heap ceiling: the wasm backend can never hold more than 4 GiB. */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;

/** File-system calls inspectNativePackage needs; tests pass fakes. */
export interface PackageFs {
  /** Resolves a module specifier to a file path; throws when it is not installed. */
  resolve: (specifier: string) => string;
  exists: (path: string) => boolean;
  readdir: (path: string) => string[];
}

const defaultFs: PackageFs = {
  resolve: (s) => createRequire(import.meta.url).resolve(s),
  exists: (p) => existsSync(p),
  readdir: (p) => {
    try {
      return readdirSync(p);
    } catch {
      return [];
    }
  },
};

function packageDir(name: NativePackageName, fs: PackageFs): string | null {
  try {
    return dirname(fs.resolve(`@tensorflow/${name}/package.json`));
  } catch {
    // A package whose "exports" hides package.json: walk up from its main file.
    try {
      const main = fs.resolve(`@tensorflow/${name}`);
      const marker = `@tensorflow${sep}${name}${sep}`;
      const at = main.lastIndexOf(marker);
      return at < 0 ? null : main.slice(0, at + marker.length - 1);
    } catch {
      return null;
    }
  }
}

const LIBTENSORFLOW = /^(lib)?tensorflow(_framework)?([.-].*)?\.(so(\.\d+)*|dll|dylib)$/i;

/**
 * Looks at an optional native TF.js package on disk without loading it (loading would
 * initialise TensorFlow and CUDA: seconds, and a crash risk). Its install downloads
 * libtensorflow into deps/lib and builds lib/napi-v*\/tfjs_binding.node; either can be missing.
 */
export function inspectNativePackage(name: NativePackageName, fs: PackageFs = defaultFs): NativePackageState {
  const dir = packageDir(name, fs);
  if (dir === null) return { installed: false };
  let binding: string | null = null;
  let libtensorflow: string | null = null;
  const libDir = join(dir, 'lib');
  for (const napi of fs.readdir(libDir).filter((d) => /^napi-v\d+$/.test(d)).sort().reverse()) {
    const candidate = join(libDir, napi, 'tfjs_binding.node');
    if (binding === null && fs.exists(candidate)) binding = candidate;
    // Windows installs copy tensorflow.dll next to the binding.
    const dll = fs.readdir(join(libDir, napi)).find((f) => LIBTENSORFLOW.test(f));
    if (libtensorflow === null && dll) libtensorflow = join(libDir, napi, dll);
  }
  const depsLib = join(dir, 'deps', 'lib');
  const lib = fs.readdir(depsLib).find((f) => LIBTENSORFLOW.test(f));
  if (libtensorflow === null && lib) libtensorflow = join(depsLib, lib);
  return { installed: true, dir, binding, libtensorflow };
}

// From wasm-feature-detect, the module tfjs-backend-wasm itself validates: one SIMD instruction.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

/** Whether this runtime's WebAssembly has SIMD (validating a tiny module; nothing runs). */
export function detectWasmSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function nativeProblem(name: NativePackageName, state: NativePackageState): BackendAvailability['reason'] | null {
  if (!state.installed) return reason('HW_BACKEND_NOT_INSTALLED', { package: `@tensorflow/${name}` });
  const missing = [state.binding === null ? 'lib/napi-v*/tfjs_binding.node' : null, state.libtensorflow === null ? 'libtensorflow' : null].filter((m) => m !== null);
  if (missing.length) return reason('HW_BACKEND_NO_BINDING', { package: `@tensorflow/${name}`, missing: missing.join(', ') });
  return null;
}

/**
 * The webgpu entry of the backend list: available only with a hardware adapter (a software one
 * is listed, with its adapter, as unavailable: it never trains unless forced).
 */
export function webgpuAvailability(p: WebgpuProbe): BackendAvailability {
  if (!p.ok) return { id: 'webgpu', available: false, reason: p.reason };
  const adapter = { name: p.name, vendor: p.vendor, software: p.software, maxBufferSize: p.maxBufferSize, maxStorageBufferBindingSize: p.maxStorageBufferBindingSize };
  return {
    id: 'webgpu',
    available: !p.software,
    memoryLimitBytes: p.maxBufferSize,
    adapter,
    reason: p.software ? reason('BACKEND_WEBGPU_SOFTWARE', { adapter: p.name }) : reason('BACKEND_WEBGPU_READY', { adapter: p.name, maxBufferMiB: Math.round(p.maxBufferSize / 2 ** 20) }),
  };
}

/**
 * Which TF.js backends can load here and why not, best first. Pure: the package states
 * come from inspectNativePackage, SIMD from detectWasmSimd. tfjs disables wasm threads in
 * Node (tfjs issue 3830), so threads is 1 whatever the CPU has.
 */
export function detectBackendAvailability(input: {
  gpus: readonly GpuInfo[];
  packages: Record<NativePackageName, NativePackageState>;
  wasmSimd: boolean;
  /** The WebGPU probe's answer; without one the list has no webgpu entry (not probed). */
  webgpu?: WebgpuProbe | undefined;
}): BackendAvailability[] {
  const cuda = input.gpus.filter((g) => g.cudaCapable);
  const gpuProblem =
    nativeProblem('tfjs-node-gpu', input.packages['tfjs-node-gpu']) ??
    (cuda.length === 0 ? reason('HW_BACKEND_NO_CUDA_GPU', { package: '@tensorflow/tfjs-node-gpu' }) : null);
  const nodeProblem = nativeProblem('tfjs-node', input.packages['tfjs-node']);
  const drivers = [...new Set(cuda.map((g) => g.driver).filter((d) => d !== null))];
  const webgpu = input.webgpu ? [webgpuAvailability(input.webgpu)] : [];
  return [
    {
      id: 'tfjs-node-gpu',
      available: gpuProblem === null,
      reason: gpuProblem ?? reason('HW_BACKEND_GPU_READY', { count: cuda.length, driver: drivers.join(', ') || 'unknown' }),
    },
    { id: 'tfjs-node', available: nodeProblem === null, reason: nodeProblem ?? reason('HW_BACKEND_NODE_READY') },
    ...webgpu,
    {
      id: 'wasm',
      available: true,
      simd: input.wasmSimd,
      threads: 1,
      memoryLimitBytes: WASM_MEMORY_LIMIT_BYTES,
      reason: reason(input.wasmSimd ? 'HW_BACKEND_WASM_SIMD' : 'HW_BACKEND_WASM_NO_SIMD'),
    },
    { id: 'cpu', available: true, reason: reason('HW_BACKEND_CPU_READY') },
  ];
}
