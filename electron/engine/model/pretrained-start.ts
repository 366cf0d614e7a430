/**
 * A new run's starting weights, found and decided once for everyone who plans one: the training
 * process (engine/train/index.ts) and the app's Plan step (app/engine.ts) ask the same question
 * here, so the plan the Plan step shows starts where the run will. What ships is
 * ./pretrained.ts findPretrained; the decision is ../plan/start.ts decideStart.
 */
import type { ModelScale } from '../../shared/schemas/model';
import type { StartMode } from '../../shared/schemas/train-config';
import { decideStart } from '../plan/start';
import { findPretrained, pretrainedRoot, type PretrainedInfo } from './pretrained';

/** Kestrel's pretrained weights of one scale: their folder and description. */
export interface ShippedPretrained {
  dir: string;
  info: PretrainedInfo;
}

/** Where a new run starts. */
export interface NewRunStart {
  /** The weights that ship for the scale, null when none do (what a start choice can offer). */
  shipped: ShippedPretrained | null;
  /** The weights the run starts from: the shipped ones when decideStart says so, else null (random weights). */
  pretrained: ShippedPretrained | null;
}

/**
 * Finds the weights shipped for `scale` and decides the start `mode` asks for. Throws
 * PRETRAINED_MISSING when 'pretrained' is asked for and none ship. Not for a fine-tune (it
 * starts from its parent) nor a resume (its plan names its start).
 */
export async function newRunStart(mode: StartMode, scale: ModelScale, root: string = pretrainedRoot()): Promise<NewRunStart> {
  const shipped = await findPretrained(scale, root);
  const use = decideStart(mode, shipped !== null, scale);
  return { shipped, pretrained: use === 'pretrained' ? shipped : null };
}

/** The planner's `pretrained` option (plan/plan.ts PlanOptions) of a start: its name and image count, or none. */
export function pretrainedPlanOption(start: Pick<NewRunStart, 'pretrained'> | null): { pretrained?: { name: string; images: number } } {
  const p = start?.pretrained;
  return p ? { pretrained: { name: p.info.name, images: p.info.images } } : {};
}
