// A stored memory calibration far heavier than the planner's estimate (620 MiB per image at
// 64 px: at most 6 images fit in 4 GiB), for the tests that check every planner (the app's Plan
// step, `kestrel plan`, `kestrel train`) plans from it.
import { STEP_MEMORY_VERSION } from '../../electron/engine/plan/constants';
import type { MemoryCalibration, TrainingPlan } from '../../electron/shared/schemas/plan';

const MiB = 1024 ** 2;

/** The calibration for scale n at 64 px on the CPU, keyed to `plan`'s norm, backend and optimizer. */
export function heavyCalibrationFor(plan: Pick<TrainingPlan, 'norm' | 'backend' | 'optimizer'>): MemoryCalibration {
  return {
    key: { scale: 'n', imgsz: 64, norm: plan.norm, backend: plan.backend, device: 'cpu', optimizer: plan.optimizer, engine: STEP_MEMORY_VERSION },
    fixedBytes: 64 * MiB,
    perImageBytes: 620 * MiB,
    measuredAt: '2026-01-02T03:04:05.000Z',
    points: [
      { batch: 1, peakBytes: 684 * MiB },
      { batch: 2, peakBytes: 1304 * MiB },
    ],
  };
}
