// Times a short real training step of the detector on one backend: what the ladder compares
// when webgpu and a CPU backend both pass their self-test, and what the hidden WebGPU window
// (electron/gpu-host) times for the trainer's choice between it and this process's CPU: both run
// step-speed.ts's measureStepSpeed (Node-free; the page imports that file, and only types from here).
import type { BackendId } from '../../shared/schemas/hardware';
import type { StepTiming } from './choice';
import { measureStepSpeed } from './step-speed';

export { measureStepSpeed } from './step-speed';

/** What {@link timeTrainingStep} runs. */
export interface StepWorkload {
  scale: 'n' | 's';
  imgsz: number;
  batch: number;
  /** Untimed steps first (shader compilation, XNNPACK setup). */
  warmup: number;
  steps: number;
}

/** The ladder's default: scale n, 256 px, batch 4, one warm-up and two timed steps. */
export const DEFAULT_WORKLOAD: StepWorkload = { scale: 'n', imgsz: 256, batch: 4, warmup: 1, steps: 2 };

/** "scale n, 256 px, batch 4" for reasons. */
export function describeWorkload(w: StepWorkload): string {
  return `scale ${w.scale}, ${w.imgsz} px, batch ${w.batch}`;
}

/**
 * The ladder's timing of `id`, on the current TF.js backend (already set to `id`): images/s of
 * the detector's training step by {@link measureStepSpeed} (step-speed.ts, the page's timing too).
 */
export async function timeTrainingStep(id: BackendId, w: StepWorkload = DEFAULT_WORKLOAD): Promise<StepTiming> {
  // Imported here: the model layer sits above the backend.
  const { createDetector } = await import('../model/detector');
  return { id, imagesPerSecond: await measureStepSpeed(w, createDetector) };
}
