// A stored memory calibration far heavier than the planner's estimate (620 MiB per image at
// 64 px: at most 6 images fit in 4 GiB), for the tests that check every planner (the app's Plan
// step, `kestrel plan`, `kestrel train`) plans from it.
import { elementwiseKernelsEnabled } from '../../electron/engine/backend/simd-kernels';
import { stepMemoryVersion } from '../../electron/engine/plan/constants';
import type { MemoryCalibration, TrainingPlan } from '../../electron/shared/schemas/plan';

const MiB = 1024 ** 2;

/**
 * The calibration for scale n at 64 px on the CPU, keyed to `plan`'s norm, backend and optimizer
 * and to the step this process trains with (the element-wise kernels' switch: on by default).
 */
export function heavyCalibrationFor(plan: Pick<TrainingPlan, 'norm' | 'backend' | 'optimizer'>): MemoryCalibration {
  return {
    key: { scale: 'n', imgsz: 64, norm: plan.norm, backend: plan.backend, device: 'cpu', optimizer: plan.optimizer, engine: stepMemoryVersion(elementwiseKernelsEnabled()) },
    fixedBytes: 64 * MiB,
    perImageBytes: 620 * MiB,
    measuredAt: '2026-01-02T03:04:05.000Z',
    points: [
      { batch: 1, peakBytes: 684 * MiB },
      { batch: 2, peakBytes: 1304 * MiB },
    ],
  };
}
