import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { BackendId, GpuInfo, HardwareProfile } from '../../shared/schemas/hardware';
import type { PlanDevice, PlanOverrides } from '../../shared/schemas/plan';
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
