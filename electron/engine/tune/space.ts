/**
 * The search space and its seeded sampling (pure): each trial's knobs come from its own
 * generator (seed, trial id), so trial 7 is the same whether the search ran straight through or
 * was killed and continued, and adding trials never changes the earlier ones.
 */
import type { TrialParams } from '../../shared/schemas/tune';
import { UserOverridesSchema, type UserOverrides } from '../../shared/schemas/user-choice';
import { createRng } from '../data/rng';

/** The ranges searched. */
export const SEARCH_SPACE = {
  /** LR: log-uniform from planned / 4 to planned x 4. */
  lrFactor: [0.25, 4],
  augment: ['none', 'light', 'default'],
  /** Warmup in epochs (Ultralytics' warmup_epochs), uniform. */
  warmupEpochs: [0, 3],
  /** Weight decay as a factor of the planned one, log-uniform. */
  weightDecayFactor: [0.1, 10],
} as const;

/** Knobs a trial may vary. */
export type Knob = 'lr' | 'augment' | 'warmupEpochs' | 'weightDecay';

/** Salt of the trial generator, so it never draws what the data loader draws from the same seed. */
const SALT = 0x7a11e;

/**
 * The knobs of trial `id`. Trial 0 is the plan itself (planned LR, default augmentation,
 * planned warmup and weight decay), so the search can only recommend something that beat it.
 */
export function sampleTrial(seed: number, id: number, planned: { lr: number; warmupEpochs: number; weightDecay: number }): TrialParams {
  if (id === 0) return { lr: planned.lr, augment: 'default', warmupEpochs: planned.warmupEpochs, weightDecay: planned.weightDecay };
  const rng = createRng(seed, id, SALT);
  const logUniform = (lo: number, hi: number) => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  const [f0, f1] = SEARCH_SPACE.lrFactor;
  const lr = planned.lr * logUniform(f0, f1);
  const augment = SEARCH_SPACE.augment[rng.int(SEARCH_SPACE.augment.length)]!;
  const [w0, w1] = SEARCH_SPACE.warmupEpochs;
  const warmupEpochs = Math.round(rng.uniform(w0, w1) * 10) / 10;
  const [d0, d1] = SEARCH_SPACE.weightDecayFactor;
  const weightDecay = planned.weightDecay * logUniform(d0, d1);
  return { lr: Number(lr.toPrecision(3)), augment, warmupEpochs, weightDecay: Number(weightDecay.toPrecision(3)) };
}

/**
 * Which knobs the plan takes here. LR and augmentation always (a plan override and a training
 * setting); warmup and weight decay where the plan's overrides accept `warmupEpochs` and
 * `weightDecay` (checked against the schema; they do since `kestrel train --warmup-epochs`
 * and `--weight-decay` exist).
 */
export function appliedKnobs(): Knob[] {
  const out: Knob[] = ['lr', 'augment'];
  if (UserOverridesSchema.safeParse({ warmupEpochs: 1 }).success) out.push('warmupEpochs');
  if (UserOverridesSchema.safeParse({ weightDecay: 0.05 }).success) out.push('weightDecay');
  return out;
}

/** The plan overrides of a trial: the knobs applied here, on top of the user's own overrides. */
export function trialOverrides(params: TrialParams, applied: readonly Knob[], base: UserOverrides = {}): UserOverrides {
  return {
    ...base,
    lr: params.lr,
    ...(applied.includes('warmupEpochs') ? { warmupEpochs: params.warmupEpochs } : {}),
    ...(applied.includes('weightDecay') ? { weightDecay: params.weightDecay } : {}),
  };
}
