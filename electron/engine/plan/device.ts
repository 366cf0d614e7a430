import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { BackendId, GpuInfo, HardwareProfile } from '../../shared/schemas/hardware';
import type { PlanDevice, PlanOverrides } from '../../shared/schemas/plan';
import type { ModelSpec } from '../../shared/schemas/model';
import { allConvs, resolveArchitecture } from '../model/arch';
import { RULES } from './constants';
import { gib } from './format';

/** A CUDA GPU Kestrel could train on, with the memory the budget is taken from. */
export interface TrainableGpu {
  gpu: GpuInfo;
  /** Free bytes, or the total where free is unknown. */
  freeBytes: number;
  freeKnown: boolean;
}

/** The device and backend the local engine trains on, its per-device memory budget, and why. */
export interface DeviceChoice {
  device: PlanDevice;
  backend: BackendId;
  /** Memory budget of one device. */
  budgetBytes: number;
  /** Every trainable CUDA GPU, most free memory first (empty on a CPU plan). */
  gpus: TrainableGpu[];
  reasons: Reason[];
  /**
   * webgpu: the adapter's maxStorageBufferBindingSize, the largest tensor a shader can bind; the
   * plan's batch must keep {@link largestTensorBytesPerImage} x batch under it ({@link webgpuBatchCap}).
   */
  maxTensorBytes?: number;
}

const CPU_LADDER: BackendId[] = ['tfjs-node', 'wasm', 'cpu'];

/** CUDA GPUs with known memory, most free first; integrated GPUs and unknown-memory cards are passed over with a reason. */
export function trainableGpus(hw: HardwareProfile, reasons: Reason[]): TrainableGpu[] {
  const out: TrainableGpu[] = [];
  for (const gpu of hw.gpus) {
    if (gpu.integrated) {
      reasons.push(reason('PLAN_GPU_INTEGRATED', { index: gpu.index, name: gpu.model }));
      continue;
    }
    if (!gpu.cudaCapable) continue;
    const free = gpu.vramFreeBytes ?? gpu.vramTotalBytes;
    // The probe marks a CUDA card untrainable when its memory figures are not trustworthy.
    if (gpu.trainable === false || free === null || free <= 0) {
      reasons.push(reason('PLAN_GPU_MEMORY_UNKNOWN', { index: gpu.index, name: gpu.model }));
      continue;
    }
    out.push({ gpu, freeBytes: free, freeKnown: gpu.vramFreeBytes !== null });
  }
  // Most free memory first; the lower index wins a tie so the choice is stable.
  return out.sort((a, b) => b.freeBytes - a.freeBytes || a.gpu.index - b.gpu.index);
}

/** The best CPU backend that loads: tfjs-node (native), then wasm, then the pure-JS cpu. */
function cpuBackend(hw: HardwareProfile): { id: BackendId; passedOver: Reason[] } {
  const passedOver: Reason[] = [];
  for (const id of CPU_LADDER) {
    const b = hw.backends.find((x) => x.id === id);
    if (b?.available) return { id, passedOver };
    passedOver.push(reason('PLAN_BACKEND_PASSED_OVER', { backend: id, why: b ? b.reason.message : 'not probed' }));
  }
  // The pure-JS backend ships with Kestrel; a profile that says otherwise is stale.
  return { id: 'cpu', passedOver };
}

/**
 * Bytes per image of the largest single tensor a webgpu training step binds: the im2col matrix of
 * a convolution's filter gradient (kh x kw x cIn x outH x outW floats; webgpu runs that conv as
 * im2col + matmul), or a conv's input or output, whichever is largest over the network.
 */
export function largestTensorBytesPerImage(spec: ModelSpec): number {
  const arch = resolveArchitecture(spec);
  let most = spec.imgsz * spec.imgsz * 3 * 4;
  for (const c of allConvs(arch)) {
    const inSide = c.outSide * c.s;
    most = Math.max(most, c.k * c.k * c.cIn * c.outSide * c.outSide * 4, inSide * inSide * c.cIn * 4, c.outSide * c.outSide * c.cOut * 4);
  }
  return most;
}

/** The largest batch whose largest tensor fits the adapter's binding limit (at least 1: one image must be tried). */
export function webgpuBatchCap(maxTensorBytes: number, bytesPerImage: number): number {
  return Math.max(1, Math.floor(maxTensorBytes / bytesPerImage));
}

/** Lower-case words of a GPU name, for matching the WebGPU adapter to the probed card. */
function nameWords(s: string): string[] {
  return s.toLowerCase().replace(/\(r\)|\(tm\)|nvidia|amd|intel|corporation|geforce|radeon/g, ' ').split(/[^a-z0-9]+/).filter((w) => w.length > 1);
}

/**
 * The probed GPU the WebGPU adapter runs on: the discrete card whose name shares the most words
 * with the adapter's, else the discrete card with the most memory; null when none is known.
 */
export function webgpuCard(hw: HardwareProfile, adapterName: string): GpuInfo | null {
  const words = new Set(nameWords(adapterName));
  const cards = hw.gpus.filter((g) => !g.integrated && (g.vramTotalBytes ?? 0) > 0);
  const score = (g: GpuInfo) => nameWords(g.model).filter((w) => words.has(w)).length;
  const byName = [...cards].sort((a, b) => score(b) - score(a) || (b.vramTotalBytes ?? 0) - (a.vramTotalBytes ?? 0));
  return byName[0] ?? null;
}

/** Assumed GPU memory when the probe could not read the card's (conservative: a 4 GiB card). */
export const WEBGPU_UNKNOWN_MEMORY_BYTES = 4 * 1024 ** 3;

function chooseWebgpu(hw: HardwareProfile, overrides: PlanOverrides, reasons: Reason[]): DeviceChoice | null {
  const wg = hw.backends.find((b) => b.id === 'webgpu');
  if (!wg?.available || !wg.adapter || wg.adapter.software) return null;
  const card = webgpuCard(hw, wg.adapter.name);
  const free = card ? (card.vramFreeBytes ?? card.vramTotalBytes) : null;
  const freeBytes = free ?? WEBGPU_UNKNOWN_MEMORY_BYTES;
  const fraction = overrides.memoryFraction ?? RULES.gpuMemoryFraction;
  const budgetBytes = freeBytes * fraction;
  const name = card?.model ?? wg.adapter.name;
  reasons.push(reason('PLAN_DEVICE_WEBGPU', { name, adapter: wg.adapter.name, freeGiB: gib(freeBytes) }));
  if (!card || card.vramFreeBytes === null) reasons.push(reason('PLAN_WEBGPU_FREE_ASSUMED', { name, totalGiB: gib(freeBytes) }));
  reasons.push(reason('PLAN_BUDGET_GPU', { budgetGiB: gib(budgetBytes), percent: Math.round(fraction * 100), freeGiB: gib(freeBytes), name }));
  return {
    device: { kind: 'gpu', gpuIndex: card?.index ?? 0, cudaIndex: null, name, pciBusId: card?.pciBusId ?? null },
    backend: 'webgpu',
    budgetBytes,
    gpus: [],
    reasons,
    maxTensorBytes: wg.adapter.maxStorageBufferBindingSize,
  };
}

/**
 * Chooses the training device, backend and per-device memory budget: the CUDA GPU with the
 * most free memory when tfjs-node-gpu loads, else the CPU on the best CPU backend. Budgets:
 * GPU free x memoryFraction (default 0.8); CPU the smaller of available RAM x 0.5 (or the
 * given fraction) and the wasm heap limit when wasm trains.
 */
export function chooseDevice(hw: HardwareProfile, overrides: PlanOverrides): DeviceChoice {
  const reasons: Reason[] = [];
  const gpus = trainableGpus(hw, reasons);
  const gpuBackend = hw.backends.find((b) => b.id === 'tfjs-node-gpu');
  const cudaUsable = gpuBackend?.available === true && gpus.length > 0;

  if (overrides.device === 'gpu' && !cudaUsable) {
    const why = gpus.length === 0 ? 'no CUDA GPU with known memory was found' : `tfjs-node-gpu cannot load (${gpuBackend?.reason.message ?? 'not probed'})`;
    throw new KestrelError('PLAN_NO_GPU', `A GPU was asked for but ${why}. Drop --device gpu to train on the CPU, or install the NVIDIA driver and CUDA 11.2 with cuDNN 8.1 for tfjs-node-gpu.`, { why });
  }

  if (cudaUsable && overrides.device !== 'cpu') {
    const best = gpus[0]!;
    const fraction = overrides.memoryFraction ?? RULES.gpuMemoryFraction;
    const budgetBytes = best.freeBytes * fraction;
    const g = best.gpu;
    reasons.push(reason('PLAN_DEVICE_GPU', { index: g.index, name: g.model, freeGiB: gib(best.freeBytes) }));
    if (!best.freeKnown) reasons.push(reason('PLAN_GPU_FREE_ASSUMED', { index: g.index, totalGiB: gib(best.freeBytes) }));
    if (gpus.length > 1) {
      reasons.push(reason('PLAN_LOCAL_ONE_DEVICE', { count: gpus.length, index: g.index, name: g.model, freeGiB: gib(best.freeBytes) }));
    }
    reasons.push(reason('PLAN_BUDGET_GPU', { budgetGiB: gib(budgetBytes), percent: Math.round(fraction * 100), freeGiB: gib(best.freeBytes), name: g.model }));
    return { device: { kind: 'gpu', gpuIndex: g.index, cudaIndex: g.nvidiaSmiIndex ?? null, name: g.model, pciBusId: g.pciBusId }, backend: 'tfjs-node-gpu', budgetBytes, gpus, reasons };
  }

  // No CUDA: a hardware WebGPU adapter trains when the probe found one (the backend ladder then
  // confirms it by timing a step; training re-plans on the CPU if wasm measured faster).
  if (overrides.device !== 'cpu') {
    const wg = chooseWebgpu(hw, overrides, reasons);
    if (wg) return wg;
  }
  const cpu = cpuBackend(hw);
  if (overrides.device === 'cpu') reasons.push(reason('PLAN_DEVICE_CPU_CHOSEN', { backend: cpu.id }));
  else if (gpus.length > 0) reasons.push(reason('PLAN_DEVICE_CPU_NO_CUDA', { name: gpus[0]!.gpu.model, why: gpuBackend?.reason.message ?? 'not probed', backend: cpu.id }));
  else reasons.push(reason('PLAN_DEVICE_CPU_NO_GPU', { backend: cpu.id }));
  reasons.push(...cpu.passedOver);

  const fraction = overrides.memoryFraction ?? RULES.cpuMemoryFraction;
  const ramBudget = hw.memory.availableBytes * fraction;
  let budgetBytes = ramBudget;
  if (cpu.id === 'wasm') {
    const limit = hw.backends.find((b) => b.id === 'wasm')?.memoryLimitBytes ?? RULES.wasmHeapLimitBytes;
    if (limit < ramBudget) {
      budgetBytes = limit;
      reasons.push(reason('PLAN_BUDGET_WASM', { budgetGiB: gib(limit), ramGiB: gib(ramBudget) }));
    }
  }
  if (budgetBytes === ramBudget) {
    reasons.push(reason('PLAN_BUDGET_CPU', { budgetGiB: gib(budgetBytes), percent: Math.round(fraction * 100), availGiB: gib(hw.memory.availableBytes) }));
  }
  return { device: { kind: 'cpu', gpuIndex: null, cudaIndex: null, name: hw.cpu.model, pciBusId: null }, backend: cpu.id, budgetBytes, gpus: [], reasons };
}
