/**
 * What the Plan step showed is what trains: the training process plans again (with the memory
 * calibrations and the backend it really has) and compares its figures with the ones the
 * engineer accepted. Each figure that differs becomes a warning with its reason (what changed,
 * from what to what, and why), instead of a silent change. Pure.
 */
import { reason, type Reason } from '../../shared/reason';
import type { TrainingPlan } from '../../shared/schemas/plan';
import type { AcceptedPlan } from '../../shared/schemas/train-config';

/** Why the training process came to another plan than the Plan step. */
export type PlanChangeCause =
  /** A memory probe ran at the start (no calibration matched) and measured other figures than the estimate. */
  | { kind: 'measured' }
  /** A stored memory calibration of this machine replaced the estimate the Plan step used. */
  | { kind: 'calibration'; measuredAt: string }
  /** Neither: the free memory, the backend or the dataset changed between the Plan step and the start. */
  | { kind: 'other' };

/** The cause of a difference, from how the trainer's plan was made. */
export function planChangeCause(plan: TrainingPlan, probed: boolean): PlanChangeCause {
  if (probed) return { kind: 'measured' };
  if (plan.memory.source === 'calibration') return { kind: 'calibration', measuredAt: plan.memory.calibratedAt ?? 'earlier' };
  return { kind: 'other' };
}

function causeReason(cause: PlanChangeCause): Reason {
  if (cause.kind === 'measured') return reason('TRAIN_PLAN_WHY_MEASURED');
  if (cause.kind === 'calibration') return reason('TRAIN_PLAN_WHY_CALIBRATION', { measuredAt: cause.measuredAt });
  return reason('TRAIN_PLAN_WHY_OTHER');
}

/**
 * One reason per key figure (layout, LR, warmup, epochs) that differs between the accepted plan
 * and the trainer's own; empty when they agree. The `why` figure is the cause's own sentence
 * (the renderer translates it as a nested reason).
 */
export function comparePlanWithAccepted(accepted: AcceptedPlan, plan: TrainingPlan, cause: PlanChangeCause): Reason[] {
  const why = causeReason(cause).message;
  const out: Reason[] = [];
  if (accepted.perDeviceBatch !== plan.perDeviceBatch || accepted.accumulation !== plan.accumulation) {
    out.push(reason('TRAIN_PLAN_CHANGED_LAYOUT', { from: `${accepted.perDeviceBatch} x ${accepted.accumulation}`, to: `${plan.perDeviceBatch} x ${plan.accumulation}`, why }));
  }
  // The LR is a float sent through JSON: equal to a few significant digits is the same LR.
  if (Math.abs(accepted.lr - plan.lr) > 1e-9 * Math.max(accepted.lr, plan.lr)) {
    out.push(reason('TRAIN_PLAN_CHANGED_LR', { from: Number(accepted.lr.toPrecision(3)), to: Number(plan.lr.toPrecision(3)), why }));
  }
  if (accepted.warmupSteps !== plan.warmupSteps) out.push(reason('TRAIN_PLAN_CHANGED_WARMUP', { from: accepted.warmupSteps, to: plan.warmupSteps, why }));
  if (accepted.epochs !== plan.epochs) out.push(reason('TRAIN_PLAN_CHANGED_EPOCHS', { from: accepted.epochs, to: plan.epochs, why }));
  return out;
}
