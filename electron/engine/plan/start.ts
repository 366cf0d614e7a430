/**
 * Where a new run's weights start: Kestrel's pretrained weights (engine/model/pretrained.ts) or
 * random ones. One decision, pure: the CLI's --start, the app's choice and the trainer all ask it.
 * A fine-tune (--from) starts from its parent and is not this decision's to make.
 */
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import type { StartMode } from '../../shared/schemas/train-config';

/**
 * Whether 'auto' starts from the shipped weights where they exist. Set by measurement: NEU-DET,
 * n, 224 px, 10 epochs, seed 0, the same plan, from them against from scratch (README, "A
 * pretrained start"; bench/results/quality-neu-det-pretrained.json): ahead at every epoch.
 */
export const PRETRAINED_BY_DEFAULT = true;

/** The decision: start from the shipped weights, or from random ones. */
export type StartUse = 'pretrained' | 'scratch';

/**
 * Decides the start. `available` says whether weights ship for the run's scale. Throws
 * PRETRAINED_MISSING when they are asked for and none ship.
 */
export function decideStart(mode: StartMode, available: boolean, scale: string, byDefault = PRETRAINED_BY_DEFAULT): StartUse {
  if (mode === 'scratch') return 'scratch';
  if (mode === 'pretrained') {
    if (!available) throw new KestrelError('PRETRAINED_MISSING', reason('PRETRAINED_MISSING', { scale }).message, { scale });
    return 'pretrained';
  }
  return available && byDefault ? 'pretrained' : 'scratch';
}
