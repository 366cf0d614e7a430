// The model scale and input size recommended for this machine and dataset (the app's Plan step, `kestrel train` and `kestrel plan` without --imgsz).
import { reason, type Reason } from '../../shared/reason';
import type { DatasetSummary } from '../../shared/schemas/dataset';
import type { HardwareProfile } from '../../shared/schemas/hardware';
import type { ModelScale } from '../../shared/schemas/model';

/** Input sizes the wizard offers. */
export const INPUT_SIZES = [224, 320, 416, 512, 640] as const;
/** Objects smaller than this many pixels at the input size are hard to detect. */
const MIN_OBJECT_PX = 8;

/** A suggested model scale and input size, with the reasons in plain words. */
export interface Recommendation {
  scale: ModelScale;
  imgsz: number;
  reasons: Reason[];
}

/** True when training would run on a CUDA GPU (tfjs-node-gpu loads and a CUDA GPU exists). */
export function gpuTrains(hw: HardwareProfile): boolean {
  const gpuBackend = hw.backends.some((b) => b.id === 'tfjs-node-gpu' && b.available);
  return gpuBackend && hw.gpus.some((g) => g.cudaCapable && !g.integrated);
}

/**
 * Recommends a model scale and input size from the machine and the dataset: the smallest input
 * at which most small objects stay above ~8 px (never above the images' own size), and the
 * scale the device can train in reasonable time.
 */
export function recommendModel(hw: HardwareProfile, ds: DatasetSummary): Recommendation {
  const reasons: Reason[] = [];
  const longSide = Math.max(ds.typicalWidth, ds.typicalHeight);
  const nativeCap = Math.max(INPUT_SIZES[0], Math.ceil(longSide / 32) * 32);
  const small = ds.boxRelSize.p10 > 0 ? ds.boxRelSize.p10 : ds.boxRelSize.p50;
  let imgsz: number = INPUT_SIZES.find((s) => small * s >= MIN_OBJECT_PX) ?? 640;
  const gpu = gpuTrains(hw);
  const cpuCap = 416;
  if (imgsz > nativeCap) {
    imgsz = INPUT_SIZES.filter((s) => s <= nativeCap).pop() ?? INPUT_SIZES[0];
    reasons.push(reason('APP_REC_IMGSZ_NATIVE', { imgsz, side: Math.round(longSide) }));
  } else if (!gpu && imgsz > cpuCap) {
    imgsz = cpuCap;
    reasons.push(reason('APP_REC_IMGSZ_CPU', { imgsz, px: Math.round(small * cpuCap * 10) / 10 }));
  } else {
    reasons.push(reason('APP_REC_IMGSZ_OBJECTS', { imgsz, px: Math.round(small * imgsz * 10) / 10, min: MIN_OBJECT_PX }));
  }
  let scale: ModelScale = 'n';
  if (gpu) {
    const free = Math.max(...hw.gpus.filter((g) => g.cudaCapable && !g.integrated).map((g) => g.vramFreeBytes ?? 0));
    const gib = Math.round((free / 2 ** 30) * 10) / 10;
    scale = free >= 16 * 2 ** 30 && ds.trainImages >= 2000 ? 'm' : free >= 6 * 2 ** 30 ? 's' : 'n';
    reasons.push(reason('APP_REC_SCALE_GPU', { scale, gib, images: ds.trainImages }));
  } else {
    reasons.push(reason('APP_REC_SCALE_CPU', { scale }));
  }
  return { scale, imgsz, reasons };
}
