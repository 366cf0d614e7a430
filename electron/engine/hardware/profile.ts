import type { HardwareProfile } from '../../shared/schemas/hardware';
import { reason, type Reason } from '../../shared/reason';
import { detectBackendAvailability } from './backends';
import { mergeGpuInventory } from './gpus';
import { firstLine, parseNvidiaSmiCsv } from './nvidia-smi';
import type { NvidiaSmiRow, NvidiaSmiStatus, RawHardware } from './types';

/** nvidia-smi's rows and final status: `ok` output that yields no row at all is unreadable. */
export function interpretNvidiaSmi(run: RawHardware['nvidiaSmi']): { rows: NvidiaSmiRow[]; status: NvidiaSmiStatus; warning: Reason | null } {
  switch (run.status) {
    case 'ok': {
      const { rows, badLines } = parseNvidiaSmiCsv(run.stdout);
      if (badLines.length > 0 && rows.length === 0) {
        return { rows, status: 'unreadable', warning: reason('HW_SMI_UNREADABLE', { detail: firstLine(badLines[0] ?? '') }) };
      }
      return { rows, status: 'ok', warning: null };
    }
    case 'missing':
      return { rows: [], status: 'missing', warning: null };
    case 'failed':
      return { rows: [], status: 'failed', warning: reason('HW_SMI_FAILED', { detail: run.detail }) };
    case 'timeout':
      return { rows: [], status: 'timeout', warning: reason('HW_SMI_TIMEOUT', { seconds: Math.round(run.timeoutMs / 100) / 10 }) };
  }
}

/**
 * Turns what the probe gathered into a HardwareProfile. Pure: no I/O, no clock, so a
 * recorded fixture always gives the same profile (the planner's tests rely on that).
 */
export function buildHardwareProfile(raw: RawHardware): HardwareProfile {
  const smi = interpretNvidiaSmi(raw.nvidiaSmi);
  const gpus = mergeGpuInventory(raw.graphics, smi.rows, raw.platform, smi.status);
  const warnings: Reason[] = [];
  if (smi.warning) warnings.push(smi.warning);
  // A missing nvidia-smi only matters where there is an NVIDIA card to read.
  if (smi.status === 'missing' && gpus.some((g) => g.vendor === 'NVIDIA')) warnings.push(reason('HW_SMI_MISSING'));
  for (const e of raw.inventoryErrors) warnings.push(reason('HW_INVENTORY_FAILED', { part: e.part, detail: e.detail }));
  if (!gpus.some((g) => g.trainable)) warnings.push(reason('HW_NO_TRAINABLE_GPU'));

  const cpu = raw.cpu
    ? {
        model: `${raw.cpu.manufacturer} ${raw.cpu.brand}`.trim() || 'unknown CPU',
        cores: raw.cpu.physicalCores || raw.cpu.cores,
        threads: raw.cpu.cores || raw.cpu.physicalCores,
      }
    : { model: raw.nodeOs?.cpuModel ?? 'unknown CPU', cores: raw.nodeOs?.logicalCpus ?? 1, threads: raw.nodeOs?.logicalCpus ?? 1 };
  const memory = raw.mem
    ? { totalBytes: raw.mem.total, availableBytes: raw.mem.available || raw.mem.free }
    : { totalBytes: raw.nodeOs?.totalMemBytes ?? 0, availableBytes: raw.nodeOs?.freeMemBytes ?? 0 };
  const os = {
    platform: raw.platform,
    distro: raw.osInfo?.distro ?? 'unknown',
    release: raw.osInfo?.release ?? raw.nodeOs?.release ?? 'unknown',
    arch: raw.osInfo?.arch ?? raw.nodeOs?.arch ?? 'unknown',
  };
  return {
    gpus,
    cpu,
    memory,
    os,
    backends: detectBackendAvailability({ gpus, packages: raw.packages, wasmSimd: raw.wasmSimd, webgpu: raw.webgpu }),
    warnings,
    probedAt: raw.probedAt,
  };
}

/** Alias of buildHardwareProfile for callers replaying recorded raw outputs (fixtures, bug reports). */
export const profileFromRaw = buildHardwareProfile;
