import type { Systeminformation } from 'systeminformation';

type Controller = Systeminformation.GraphicsControllerData;

/** A short vendor name from systeminformation's many spellings ("NVIDIA Corporation", "Advanced Micro Devices, Inc. [AMD/ATI]"). */
export function normaliseVendor(c: Pick<Controller, 'vendor' | 'model'> & { name?: string | undefined }): string {
  const text = `${c.vendor} ${c.model} ${c.name ?? ''}`;
  if (/nvidia/i.test(text)) return 'NVIDIA';
  if (/advanced micro devices|\bamd\b|\bati\b|radeon/i.test(text)) return 'AMD';
  if (/intel/i.test(text)) return 'Intel';
  if (/apple/i.test(text)) return 'Apple';
  const v = c.vendor.trim();
  return v === '' ? 'unknown' : v;
}

// Virtual-machine and server-management adapters: they drive a screen, they compute nothing.
const DISPLAY_ONLY =
  /aspeed|matrox|vmware|virtualbox|innotek|qxl|virtio|bochs|cirrus|hyper-v|basic display|basic render|remote display|parallels|\bsvga\b|standard vga|amazon\.com|citrix|xen/i;

/** A basic display adapter (VM, BMC): shown, never trained on. */
export function isDisplayOnly(c: Pick<Controller, 'vendor' | 'model'>): boolean {
  return DISPLAY_ONLY.test(`${c.vendor} ${c.model}`);
}

// Intel's discrete cards (Arc, DG1/Iris Xe MAX, Data Center GPU); every other Intel GPU is in the CPU.
const INTEL_DISCRETE = /\barc\b|\bdg[12]\b|iris xe max|data center gpu|flex \d+|max \d{4}/i;
// AMD APUs as Windows (driver names) and lspci (codenames) call them.
const AMD_INTEGRATED =
  /radeon\(tm\) graphics|radeon graphics|vega \d+ graphics|radeon vega (series|mobile)|radeon \d{3}m\b|renoir|cezanne|lucienne|barcelo|rembrandt|phoenix|raphael|picasso|raven|mendocino|van gogh|hawk point|strix|granite ridge|stoney|carrizo|kaveri|wani|dali|pollock|krackan/i;

/**
 * Whether a controller is an integrated GPU sharing system memory.
 * systeminformation's vramDynamic is only trustworthy on macOS: Windows drivers report
 * VideoMemoryType "unknown" for discrete cards too, and Linux never sets it.
 */
export function isIntegrated(c: Pick<Controller, 'vendor' | 'model' | 'vramDynamic'> & { name?: string | undefined }, platform: string): boolean {
  const vendor = normaliseVendor(c);
  const text = `${c.model} ${c.name ?? ''}`;
  if (vendor === 'Apple') return true;
  if (platform === 'darwin' && c.vramDynamic) return true;
  if (vendor === 'Intel') return !INTEL_DISCRETE.test(text);
  if (vendor === 'AMD') return AMD_INTEGRATED.test(text);
  return false;
}

/** Compares dotted driver versions ("535.104.05" vs "450.80.02"); negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The oldest NVIDIA driver CUDA 11.2 (tfjs-node-gpu 4.x) runs on, by platform. */
export function minimumCudaDriver(platform: string): string {
  return platform === 'win32' ? '452.39' : '450.80.02';
}
