// What Kestrel reads from a WebGPU adapter and device, wherever WebGPU comes from: Dawn in Node
// (webgpu.ts) or Chromium's own in the hidden training renderer (electron/gpu-host). No Node here.
import { recordAllocationFailure } from './limits';

/** What Kestrel knows about the WebGPU adapter it would train on. */
export interface WebgpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP): correct but slower than wasm. */
  software: boolean;
  /** Largest GPUBuffer the adapter allows, bytes. */
  maxBufferSize: number;
  /** Largest storage binding (the largest tensor a shader can read or write), bytes. */
  maxStorageBufferBindingSize: number;
}

/** The bits of adapter info Kestrel reads. */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The bits of a GPUAdapter Kestrel reads (kept local so no DOM types are needed). */
export interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

/** The bits of navigator.gpu Kestrel calls. */
export interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** Names of software (CPU-emulated) GPUs as adapters report them. */
const SOFTWARE_PATTERN = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

/** True when the adapter is a CPU implementation of WebGPU. Pure, so it is tested on reported facts. */
export function isSoftwareAdapter(info: AdapterInfoLike): boolean {
  if (info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => typeof s === 'string' && SOFTWARE_PATTERN.test(s));
}

/** A readable adapter name for reasons: description, else vendor + device (else + architecture). */
export function adapterName(f: Pick<WebgpuAdapterFacts, 'vendor' | 'device' | 'description'> & { architecture?: string }): string {
  const name = f.description || [f.vendor, f.device || f.architecture].filter(Boolean).join(' ');
  return name.trim() || 'unknown adapter';
}

/** Adapter facts from a GPUAdapter. */
export function adapterFacts(a: AdapterLike): WebgpuAdapterFacts {
  const i = a.info ?? {};
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
    software: isSoftwareAdapter({ ...i, isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter }),
    maxBufferSize: a.limits.maxBufferSize,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
  };
}

/** A GPUDevice as far as {@link watchWebgpuDevice} uses it. */
export type WatchableDevice = EventTarget & { lost?: Promise<{ reason?: string; message?: string }> };

const watched = new WeakSet<object>();

/**
 * Records the device's uncaptured errors and its loss as allocation failures (idempotent per
 * device), so the step's next check turns them into OUT_OF_MEMORY: validation errors about sizes
 * and allocation failures both mean "this batch does not fit".
 */
export function watchWebgpuDevice(device: WatchableDevice | undefined | null): void {
  if (!device || watched.has(device)) return;
  watched.add(device);
  device.addEventListener?.('uncapturederror', (ev: Event) => {
    const e = (ev as unknown as { error?: { constructor?: { name?: string }; message?: string } }).error;
    const kind = e?.constructor?.name ?? 'GPUError';
    recordAllocationFailure(`WebGPU ${kind}: ${e?.message ?? 'unknown'}`);
  });
  void device.lost?.then((info) => {
    if (info?.reason === 'destroyed') return;
    recordAllocationFailure(`WebGPU device lost: ${info?.message ?? 'unknown'}`);
  });
}
