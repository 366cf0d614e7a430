// Hand-built HardwareProfiles for the planner's tests, mirroring the probe's recorded fixture
// machines (test/fixtures/hardware/*), so the planner's tests do not depend on the probe; and
// memory calibrations on a measured line.
import { reason } from '../../../electron/shared/reason';
import type { BackendAvailability, BackendId, GpuInfo, HardwareProfile } from '../../../electron/shared/schemas/hardware';
import type { MemoryCalibration } from '../../../electron/shared/schemas/plan';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/** A GPU: NVIDIA discrete unless told otherwise. */
export function gpu(index: number, model: string, totalBytes: number | null, freeBytes: number | null, extra: Partial<GpuInfo> = {}): GpuInfo {
  const nvidia = !extra.integrated && /nvidia|geforce|rtx|gtx|a100|quadro|tesla/i.test(model);
  return {
    index,
    vendor: nvidia ? 'NVIDIA' : 'Intel',
    model,
    pciBusId: `0000:0${index}:00.0`,
    vramTotalBytes: totalBytes,
    vramFreeBytes: freeBytes,
    vramUsedByOthersBytes: totalBytes !== null && freeBytes !== null ? totalBytes - freeBytes : null,
    driver: nvidia ? '535.171.04' : null,
    integrated: false,
    cudaCapable: nvidia,
    sources: { total: totalBytes === null ? 'unknown' : 'nvidia-smi', free: freeBytes === null ? 'unknown' : 'nvidia-smi' },
    notes: [],
    ...extra,
  };
}

/** Backend availability: the listed ids load, the others do not. wasm reports the 4 GiB heap. */
export function backends(available: BackendId[], wasmLimit = 4 * GiB): BackendAvailability[] {
  const all: BackendId[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
  // A catalogue code that exists, with a plain message: the planner only reads `message`.
  const why = (ok: boolean) => ({ ...reason('PLAN_TRAIN_IMAGES_ASSUMED', { trainImages: 0 }), message: ok ? 'loads' : 'not installed' });
  return all.map((id) => ({
    id,
    available: available.includes(id),
    ...(id === 'wasm' ? { simd: true, threads: 1, memoryLimitBytes: wasmLimit } : {}),
    reason: why(available.includes(id)),
  }));
}

/** A whole profile. */
export function profile(gpus: GpuInfo[], avail: BackendId[], ram: { total: number; available: number }, cpuModel = 'Test CPU'): HardwareProfile {
  return {
    gpus,
    cpu: { model: cpuModel, cores: 8, threads: 16 },
    memory: { totalBytes: ram.total, availableBytes: ram.available },
    os: { platform: 'linux', distro: 'Test', release: '1', arch: 'x64' },
    backends: backends(avail),
    warnings: [],
    probedAt: '2025-01-01T00:00:00.000Z',
  };
}

const ALL: BackendId[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** The fixture machines of the hardware issue, as the planner sees them. */
export const PROFILES = {
  /** Windows, RTX 3090 24 GB, 1.7 GB held by the desktop. */
  win3090: profile([gpu(0, 'NVIDIA GeForce RTX 3090', 25769803776, 23966253056)], ALL, { total: 68638199808, available: 51093753856 }),
  /** Linux laptop: Iris Xe iGPU plus RTX 3060 Laptop 6 GB. */
  laptop3060: profile(
    [gpu(0, 'Alder Lake-P GT2 [Iris Xe Graphics]', null, null, { integrated: true }), gpu(1, 'NVIDIA GeForce RTX 3060 Laptop GPU', 6442450944, 6077546496)],
    ALL,
    { total: 16505491456, available: 11233587200 },
  ),
  /** Server with 4x A100 80 GB (and BMC graphics that is not a GPU to train on). */
  a100x4: profile(
    [0, 1, 2, 3].map((i) => gpu(i, 'NVIDIA A100-SXM4-80GB', 85899345920, 84973453312)),
    ALL,
    { total: 1081989865472, available: 1049581613056 },
  ),
  /** RTX 4090 24 GB plus RTX 3060 12 GB, tfjs-node-gpu working. */
  rtx4090and3060: profile(
    [gpu(0, 'NVIDIA GeForce RTX 4090', 25757220864, 23408410624), gpu(1, 'NVIDIA GeForce RTX 3060', 12884901888, 12438208512)],
    ALL,
    { total: 137140695040, available: 118662328320 },
  ),
  /** The same workstation where tfjs-node-gpu's libtensorflow download failed. */
  rtx4090NoCuda: profile(
    [gpu(0, 'NVIDIA GeForce RTX 4090', 25757220864, 23408410624), gpu(1, 'NVIDIA GeForce RTX 3060', 12884901888, 12438208512)],
    ['tfjs-node', 'wasm', 'cpu'],
    { total: 137140695040, available: 118662328320 },
  ),
  /** A VM without GPU where only the always-there backends load (like this development machine). */
  vmNoGpu: profile([], ['wasm', 'cpu'], { total: 16 * GiB, available: 14 * GiB }),
  /** Windows GTX 1080 Ti whose 4095 MB AdapterRAM figure was corrected by nvidia-smi. */
  win1080tiCapped: profile(
    [gpu(0, 'NVIDIA GeForce GTX 1080 Ti', 11811160064, 10988027904), gpu(1, 'Intel(R) UHD Graphics 630', null, null, { integrated: true })],
    ALL,
    { total: 34279043072, available: 22548451328 },
  ),
  /** The same card without nvidia-smi: only the capped 4095 MB total, free unknown, so the probe marks it untrainable. */
  win1080tiNoSmi: profile(
    [gpu(0, 'NVIDIA GeForce GTX 1080 Ti', 4095 * MiB, null, { trainable: false, sources: { total: 'systeminformation', free: 'unknown' } })],
    ['tfjs-node', 'wasm', 'cpu'],
    { total: 34279043072, available: 22548451328 },
  ),
} satisfies Record<string, HardwareProfile>;

/** n identical GPUs of `freeGiB` free each (for the multi-GPU cases). */
export function gpuBox(n: number, freeGiB: number, model = 'NVIDIA Tesla V100-SXM2-32GB'): HardwareProfile {
  return profile(
    Array.from({ length: n }, (_, i) => gpu(i, model, Math.ceil(freeGiB * 1.05 * GiB), freeGiB * GiB)),
    ALL,
    { total: 512 * GiB, available: 500 * GiB },
  );
}

/** A memory calibration measured on a straight line m(b) = fixed + perImage x b, at the given batches. */
export function measuredLine(key: MemoryCalibration['key'], fixedBytes: number, perImageBytes: number, batches: number[], measuredAt: string): MemoryCalibration {
  return { key, fixedBytes, perImageBytes, measuredAt, points: batches.map((batch) => ({ batch, peakBytes: fixedBytes + perImageBytes * batch })) };
}
