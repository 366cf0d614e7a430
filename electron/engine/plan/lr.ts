import { reason, type Reason } from '../../shared/reason';
import type { OptimizerKind } from '../../shared/schemas/plan';
import { OPTIMIZER_RULES, RULES, SCHEDULE_RULES } from './constants';
import { sig } from './format';

/**
 * The strictly scaled LR for effective batch E: the optimizer's reference LR at the nominal
 * batch, scaled linearly (SGD) or by the square root (AdamW).
 */
export function strictLr(optimizer: OptimizerKind, effectiveBatch: number): number {
  const r = OPTIMIZER_RULES[optimizer];
  const ratio = effectiveBatch / RULES.nominalBatch;
  return r.refLr * (r.scaling === 'linear' ? ratio : Math.sqrt(ratio));
}

/** Whether an LR lies inside the optimizer's safe starting range. */
export function lrInSafeRange(optimizer: OptimizerKind, lr: number): boolean {
  const r = OPTIMIZER_RULES[optimizer];
  // Tolerance for the 3-significant-digit rounding of planned values.
  return lr >= r.safeMin * (1 - 1e-9) && lr <= r.safeMax * (1 + 1e-9);
}

/**
 * Plans the peak LR for effective batch E: strict scaling, 12.5% lower above the nominal
 * batch (large batches already have little gradient noise; a full-size step overshoots the
 * first updates, as in the 8-GPU PCB case), then clamped into the safe range. Each step that
 * changed the value adds a reason.
 */
export function planLr(optimizer: OptimizerKind, effectiveBatch: number): { lr: number; strict: number; reasons: Reason[] } {
  const r = OPTIMIZER_RULES[optimizer];
  const strict = strictLr(optimizer, effectiveBatch);
  const reasons: Reason[] = [];
  reasons.push(
    reason(optimizer === 'sgd' ? 'PLAN_LR_SGD' : 'PLAN_LR_ADAMW', { ref: r.refLr, nominal: RULES.nominalBatch, effectiveBatch, strict: sig(strict) }),
  );
  let lr = strict;
  if (effectiveBatch > RULES.nominalBatch) {
    lr = strict * (1 - SCHEDULE_RULES.largeBatchDerate);
    reasons.push(reason('PLAN_LR_DERATED', { percent: SCHEDULE_RULES.largeBatchDerate * 100, strict: sig(strict), lr: sig(lr), effectiveBatch, nominal: RULES.nominalBatch }));
  }
  const clamped = Math.min(r.safeMax, Math.max(r.safeMin, lr));
  if (clamped !== lr) {
    reasons.push(reason('PLAN_LR_CLAMPED', { from: sig(lr), lr: sig(clamped), min: r.safeMin, max: r.safeMax, optimizer: optimizer === 'sgd' ? 'SGD' : 'AdamW' }));
    lr = clamped;
  }
  return { lr: sig(lr), strict, reasons };
}

/**
 * Weight decay scaled by E/64 (Ultralytics: a larger batch means fewer updates per epoch, so
 * each decays more), from the optimizer's reference (SGD 5e-4, AdamW 0.05: see constants.ts).
 */
export function weightDecayFor(optimizer: OptimizerKind, effectiveBatch: number): number {
  return sig((OPTIMIZER_RULES[optimizer].refWeightDecay * effectiveBatch) / RULES.nominalBatch);
}
