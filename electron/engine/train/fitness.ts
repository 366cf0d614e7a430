// Pure figures of the training loop: the fitness "best" is chosen by, and when to validate.
import type { EpochMetrics } from '../../shared/schemas/events';

/** The fitness "best" is chosen by: 0.1 x mAP50 + 0.9 x mAP50-95 (Ultralytics' weighting). */
export function fitness(m: Pick<EpochMetrics, 'map50' | 'map50_95'>): number {
  return 0.1 * m.map50 + 0.9 * m.map50_95;
}

/**
 * Whether an epoch is due for validation: every `every` epochs, and always the last one so the
 * run ends with a measured model.
 */
export function validationDue(epoch: number, epochs: number, every: number): boolean {
  return epoch === epochs - 1 || (epoch + 1) % Math.max(1, every) === 0;
}

/**
 * Validation interval: every epoch for ordinary sets; for large validation sets (validation would
 * cost more than about a tenth of the training time) every few epochs.
 */
export function defaultValEvery(trainImages: number, valImages: number, epochs: number): number {
  if (epochs <= 10) return 1;
  // Validation runs forward only (~1/3 of a training image's cost).
  const share = valImages / 3 / Math.max(1, trainImages);
  if (share <= 0.1) return 1;
  return Math.min(5, Math.ceil(share / 0.1));
}
