import type { Systeminformation } from 'systeminformation';
import type { GpuInfo } from '../../shared/schemas/hardware';
import { reason, type Reason } from '../../shared/reason';
import { compareVersions, isDisplayOnly, isIntegrated, minimumCudaDriver, normaliseVendor } from './classify';
import { normalisePciBusId } from './pci';
import type { NvidiaSmiRow, NvidiaSmiStatus } from './types';

type Controller = Systeminformation.GraphicsControllerData;

/** Bytes in a MiB: nvidia-smi and systeminformation both count memory in MiB. */
export const MIB = 1024 * 1024;

/** Share of a GPU's memory held by other processes from which Kestrel warns. */
export const BUSY_GPU_SHARE = 0.5;

const gb = (bytes: number): number => Math.round((bytes / 1024 ** 3) * 10) / 10;

/** Windows' AdapterRAM is a 32-bit byte count: cards of 4 GB and more read 4095 MB (0xFFF00000) up to 4095.99. */
export function isAdapterRamCap(vramMB: number | null | undefined, platform: string): boolean {
  return platform === 'win32' && typeof vramMB === 'number' && vramMB >= 4095 && vramMB < 4096;
}

/** Model names compared loosely: drivers since R470 prefix "NVIDIA ", older ones do not. */
function nameKey(name: string | undefined): string {
  return (name ?? '').toLowerCase().replace(/^nvidia\s+/, '').replace(/\s+/g, ' ').trim();
}

function controllerBusId(c: Controller): string | null {
  return normalisePciBusId(c.busAddress) ?? normalisePciBusId(c.pciBus);
}

/**
 * Pairs systeminformation's controllers with nvidia-smi rows: by PCI bus id first (Linux
 * gives it; on Windows only when systeminformation's own nvidia-smi call worked), then,
 * for NVIDIA controllers without a bus id, by model name, then in order.
 */
function pairRows(controllers: Controller[], rows: NvidiaSmiRow[]): { byController: Map<number, NvidiaSmiRow>; unmatched: NvidiaSmiRow[] } {
  const byController = new Map<number, NvidiaSmiRow>();
  const left = new Set(rows);
  controllers.forEach((c, i) => {
    const id = controllerBusId(c);
    const row = id === null ? undefined : [...left].find((r) => r.pciBusId === id);
    if (row) {
      byController.set(i, row);
      left.delete(row);
    }
  });
  const waiting = controllers
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => !byController.has(i) && controllerBusId(c) === null && normaliseVendor(c) === 'NVIDIA');
  for (const pass of ['name', 'order'] as const) {
    for (const w of waiting) {
      if (byController.has(w.i)) continue;
      const row = [...left].find((r) => pass === 'order' || nameKey(r.name) === nameKey(w.c.name ?? w.c.model));
      if (row) {
        byController.set(w.i, row);
        left.delete(row);
      }
    }
  }
  return { byController, unmatched: [...left] };
}

function fromSmiRow(row: NvidiaSmiRow, platform: string, notes: Reason[]): Omit<GpuInfo, 'index' | 'vendor' | 'integrated' | 'notes'> {
  const total = row.totalMiB === null ? null : row.totalMiB * MIB;
  const free = row.freeMiB === null ? null : row.freeMiB * MIB;
  // total - free counts the driver's reserve too: memory Kestrel cannot have either way.
  const usedByOthers = total !== null && free !== null ? Math.max(0, total - free) : row.usedMiB === null ? null : row.usedMiB * MIB;
  if (total !== null && usedByOthers !== null && usedByOthers >= total * BUSY_GPU_SHARE) {
    notes.push(reason('HW_GPU_BUSY', { model: row.name, usedGB: gb(usedByOthers), totalGB: gb(total), freeGB: gb(free ?? total - usedByOthers) }));
  }
  const minDriver = minimumCudaDriver(platform);
  const driverOk = row.driver === null || compareVersions(row.driver, minDriver) >= 0;
  if (!driverOk) notes.push(reason('HW_DRIVER_OLD', { model: row.name, driver: row.driver ?? '', minDriver }));
  return {
    model: row.name,
    pciBusId: row.pciBusId,
    vramTotalBytes: total,
    vramFreeBytes: free,
    vramUsedByOthersBytes: usedByOthers,
    driver: row.driver,
    cudaCapable: driverOk,
    sources: { total: total === null ? 'unknown' : 'nvidia-smi', free: free === null ? 'unknown' : 'nvidia-smi' },
    nvidiaSmiIndex: row.index,
  };
}

function gpuFromController(c: Controller, row: NvidiaSmiRow | undefined, platform: string, smiStatus: NvidiaSmiStatus): Omit<GpuInfo, 'index'> {
  const vendor = normaliseVendor(c);
  const model = (c.name ?? '').trim() || c.model.trim() || 'unknown display adapter';
  const notes: Reason[] = [];
  const base = {
    vendor,
    model,
    pciBusId: controllerBusId(c),
    vramTotalBytes: null as number | null,
    vramFreeBytes: null as number | null,
    vramUsedByOthersBytes: null as number | null,
    driver: c.driverVersion ?? null,
    integrated: false,
    cudaCapable: false,
    sources: { total: 'unknown', free: 'unknown' } as GpuInfo['sources'],
    nvidiaSmiIndex: null as number | null,
  };
  if (isIntegrated(c, platform)) {
    notes.push(reason('HW_GPU_INTEGRATED', { model }));
    return { ...base, integrated: true, notes };
  }
  if (isDisplayOnly(c)) {
    notes.push(reason('HW_GPU_DISPLAY_ONLY', { model }));
    return { ...base, notes };
  }
  if (vendor !== 'NVIDIA') {
    notes.push(reason('HW_GPU_NOT_NVIDIA', { model }));
    const vram = typeof c.vram === 'number' && c.vram > 0 && !isAdapterRamCap(c.vram, platform) ? Math.round(c.vram) * MIB : null;
    return { ...base, vramTotalBytes: vram, sources: { total: vram === null ? 'unknown' : 'systeminformation', free: 'unknown' }, notes };
  }
  if (row) {
    const smi = fromSmiRow(row, platform, notes);
    // On Windows systeminformation's figure claims to be the card's memory; say when it was wrong.
    if (platform === 'win32' && typeof c.vram === 'number' && row.totalMiB !== null && Math.abs(c.vram - row.totalMiB) > row.totalMiB * 0.05) {
      notes.unshift(reason('HW_VRAM_CORRECTED', { model: smi.model, reportedMB: Math.round(c.vram), smiMB: row.totalMiB }));
    }
    return { ...base, ...smi, vendor, notes };
  }
  // NVIDIA without a row of ours: systeminformation's own nvidia-smi call may still have worked.
  if (typeof c.memoryTotal === 'number' && c.memoryTotal > 0) {
    const total = c.memoryTotal * MIB;
    // systeminformation drops zero figures, so a missing memoryFree is unknown, not 0.
    const free = typeof c.memoryFree === 'number' ? c.memoryFree * MIB : null;
    return {
      ...base,
      vramTotalBytes: total,
      vramFreeBytes: free,
      vramUsedByOthersBytes: free === null ? null : Math.max(0, total - free),
      cudaCapable: true,
      sources: { total: 'systeminformation', free: free === null ? 'unknown' : 'systeminformation' },
      notes,
    };
  }
  notes.push(reason('HW_GPU_NO_DRIVER', { model, smiStatus: smiStatus === 'ok' ? 'no-row' : smiStatus }));
  if (isAdapterRamCap(c.vram, platform)) {
    notes.unshift(reason('HW_VRAM_CAPPED', { model, reportedMB: Math.floor(c.vram ?? 0) }));
    return { ...base, notes };
  }
  if (platform === 'win32' && typeof c.vram === 'number' && c.vram > 0) {
    return { ...base, vramTotalBytes: Math.round(c.vram) * MIB, sources: { total: 'systeminformation', free: 'unknown' }, notes };
  }
  // lspci's largest memory region is the BAR window (often 256 MB), not the card's memory.
  if (typeof c.vram === 'number' && c.vram > 0) notes.unshift(reason('HW_VRAM_UNKNOWN_LINUX', { model, barMB: c.vram }));
  return { ...base, notes };
}

/**
 * Merges systeminformation's controllers with nvidia-smi's rows into the profile's GPU
 * list. Pure. nvidia-smi is trusted for NVIDIA memory and driver; systeminformation for
 * what else is there. GPUs only nvidia-smi saw (a container without lspci) are kept.
 */
export function mergeGpuInventory(
  graphics: Pick<Systeminformation.GraphicsData, 'controllers'> | null,
  smiRows: NvidiaSmiRow[],
  platform: string,
  smiStatus: NvidiaSmiStatus = 'ok',
): GpuInfo[] {
  const controllers = graphics?.controllers ?? [];
  const { byController, unmatched } = pairRows(controllers, smiRows);
  const list: Omit<GpuInfo, 'index'>[] = controllers.map((c, i) => gpuFromController(c, byController.get(i), platform, smiStatus));
  for (const row of [...unmatched].sort((a, b) => a.index - b.index)) {
    const notes: Reason[] = [reason('HW_GPU_SMI_ONLY', { model: row.name, pciBusId: row.pciBusId })];
    list.push({ ...fromSmiRow(row, platform, notes), vendor: 'NVIDIA', integrated: false, notes });
  }
  return list.map((g, index) => {
    const trainable = g.cudaCapable && g.vramTotalBytes !== null && g.vramFreeBytes !== null;
    return { index, ...g, trainable };
  });
}
