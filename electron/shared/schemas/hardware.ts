import { z } from 'zod';
import { ReasonSchema } from './reason';

/**
 * TF.js backends Kestrel can train on, best first (webgpu vs the CPU backends is decided by a
 * measured training step, see engine/backend).
 */
export const BackendIdSchema = z.enum(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
export type BackendId = z.infer<typeof BackendIdSchema>;

/** Where a figure came from, so the UI can say how much to trust it. */
export const FigureSourceSchema = z.enum(['nvidia-smi', 'systeminformation', 'os', 'estimate', 'unknown']);

/** One graphics adapter. Byte figures are null when unknown, never 0 for unknown. */
export const GpuInfoSchema = z.object({
  index: z.number().int(),
  vendor: z.string(),
  model: z.string(),
  pciBusId: z.string().nullable(),
  vramTotalBytes: z.number().nullable(),
  vramFreeBytes: z.number().nullable(),
  /** Memory other processes hold on this GPU (total - free, as nvidia-smi reports used). */
  vramUsedByOthersBytes: z.number().nullable(),
  driver: z.string().nullable(),
  /** Shares system memory (iGPU): never a training device. */
  integrated: z.boolean(),
  /** Can Kestrel train on it (NVIDIA with CUDA through tfjs-node-gpu)? */
  cudaCapable: z.boolean(),
  sources: z.object({ total: FigureSourceSchema, free: FigureSourceSchema }),
  notes: z.array(ReasonSchema),
  /**
   * cudaCapable and both its total and free memory are known: the planner may put training
   * on it. The probe always sets it; optional only so hand-made test profiles stay valid.
   */
  trainable: z.boolean().optional(),
  /**
   * The index nvidia-smi gives this GPU (PCI bus order; CUDA uses the same order with
   * CUDA_DEVICE_ORDER=PCI_BUS_ID): what CUDA_VISIBLE_DEVICES needs. null when not NVIDIA.
   */
  nvidiaSmiIndex: z.number().int().nullable().optional(),
});
export type GpuInfo = z.infer<typeof GpuInfoSchema>;

/** Whether a TF.js backend can load here, and why not when it cannot. */
export const BackendAvailabilitySchema = z.object({
  id: BackendIdSchema,
  available: z.boolean(),
  /** wasm only: SIMD and multi-threading support. */
  simd: z.boolean().optional(),
  threads: z.number().int().optional(),
  /** Hard ceiling of the backend's own memory, when it has one (wasm: its heap limit). */
  memoryLimitBytes: z.number().optional(),
  /** webgpu only: the adapter Dawn offers and the limits that bound the largest tensor. */
  adapter: z
    .object({
      name: z.string(),
      vendor: z.string(),
      /** A CPU implementation (lavapipe, SwiftShader): never chosen for training unless forced. */
      software: z.boolean(),
      maxBufferSize: z.number(),
      maxStorageBufferBindingSize: z.number(),
    })
    .optional(),
  reason: ReasonSchema,
});
export type BackendAvailability = z.infer<typeof BackendAvailabilitySchema>;

/** What the probe found on this machine; the planner's input. */
export const HardwareProfileSchema = z.object({
  gpus: z.array(GpuInfoSchema),
  cpu: z.object({ model: z.string(), cores: z.number().int(), threads: z.number().int() }),
  memory: z.object({ totalBytes: z.number(), availableBytes: z.number() }),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), arch: z.string() }),
  backends: z.array(BackendAvailabilitySchema),
  warnings: z.array(ReasonSchema),
  probedAt: z.string(),
});
export type HardwareProfile = z.infer<typeof HardwareProfileSchema>;
