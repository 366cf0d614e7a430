/**
 * How a training process is connected to a training-step host outside it (the app's hidden
 * WebGPU renderer, electron/gpu-host): main decides whether a run needs one and makes the link
 * (electron/main/index.ts), the runner starts each training process with STEP_HOST_ARG and hands
 * it a fresh port through the link, and the trainer (electron/worker/host-step.ts) trains through
 * that port. No TF.js here: main and the runner import this.
 */
import { z } from 'zod';
import type { Reason } from '../../shared/reason';
import { BackendIdSchema } from '../../shared/schemas/hardware';
import { ReasonSchema } from '../../shared/schemas/reason';
import type { ChildHandle } from './fork';

/** The trainer's command-line switch: wait for a step host's port from the parent and train through it. */
export const STEP_HOST_ARG = '--step-host';

/** The message that carries the port (as its one transferred port), with why the steps run there. */
export const StepHostMessageSchema = z.object({ type: z.literal('step-host'), reason: ReasonSchema });
export type StepHostMessage = z.infer<typeof StepHostMessageSchema>;

/** The message main sends with the port. */
export function stepHostMessage(why: Reason): StepHostMessage {
  return { type: 'step-host', reason: why };
}

/** A parent's message as a step-host message, or null when it is something else. */
export function parseStepHostMessage(raw: unknown): StepHostMessage | null {
  const m = StepHostMessageSchema.safeParse(raw);
  return m.success ? m.data : null;
}

/**
 * A step host the runner connects every training process it starts to: `connect` hands the new
 * process its end of a new channel to the host (a port per process, so a restarted process
 * starts afresh there), e.g. `child.postMessage(stepHostMessage(why), [port])`.
 */
export interface StepHostLink {
  connect(child: ChildHandle): void;
}

/**
 * Whether a run may need the hidden WebGPU renderer, from the backend forced for it (its own
 * setting, else KESTREL_BACKEND): not when another backend is forced; otherwise yes, and a
 * software adapter is acceptable only when webgpu itself was forced (as on the ladder). An
 * unknown value needs none (the trainer refuses it with BACKEND_UNKNOWN). Pure.
 */
export function stepHostWanted(forced: { job?: string | undefined; env?: string | undefined }): { allowSoftware: boolean } | null {
  const raw = forced.job ?? (forced.env?.trim() ? forced.env.trim() : undefined);
  if (raw === undefined) return { allowSoftware: false };
  const id = BackendIdSchema.safeParse(raw);
  if (!id.success || id.data !== 'webgpu') return null;
  return { allowSoftware: true };
}
