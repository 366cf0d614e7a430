// The LR range test's pure decisions on synthetic curves: clean valley, noisy, diverging at once, flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centredSmooth, chooseLr, rangeLr, smoothSeries, smoothingBeta, stopReason, LR_FIND_DEFAULTS } from '../../../electron/engine/tune/lr-choice';
import { createRng } from '../../../electron/engine/data/rng';
import { messages } from '../../../electron/shared/messages/index';
import type { LrFindPoint } from '../../../electron/shared/schemas/tune';

const STEPS = 200;

/** A curve as the runner records it: LR rising 1e-6 -> 1e-1, smoothed, cut where the runner stops. */
function curve(lossAt: (log10Lr: number, i: number) => number): LrFindPoint[] {
  const lrs = Array.from({ length: STEPS }, (_, i) => rangeLr(i, STEPS, 1e-6, 1e-1));
  const losses = lrs.map((lr, i) => lossAt(Math.log10(lr), i));
  const smooth = smoothSeries(losses, smoothingBeta(STEPS));
  const out: LrFindPoint[] = [];
  let best = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const p = { step: i, lr: lrs[i]!, loss: losses[i]!, smooth: smooth[i]! };
    const stop = stopReason(p, best, LR_FIND_DEFAULTS.divergeFactor);
    out.push(p);
    best = Math.min(best, p.smooth);
    if (stop) break;
  }
  return out;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** High and flat at tiny LRs, falling from 1e-5 to 1e-3, lowest at 10^-2.3 (5e-3), then blowing up. */
const valley = (x: number) => 2 - 1.5 * sigmoid((x + 4) * 3) + 8 * Math.max(0, x + 2.3) ** 2;

test('rangeLr rises exponentially from lrMin to lrMax', () => {
  assert.equal(rangeLr(0, 100, 1e-6, 1e-1), 1e-6);
  assert.ok(Math.abs(rangeLr(99, 100, 1e-6, 1e-1) - 1e-1) < 1e-12);
  const mid = rangeLr(50, 101, 1e-6, 1e-2);
  assert.ok(Math.abs(mid - 1e-4) / 1e-4 < 1e-9, `geometric middle, got ${mid}`);
});

test('smoothing is bias-corrected: a constant series stays constant', () => {
  for (const v of smoothSeries([3, 3, 3, 3, 3], 0.95)) assert.ok(Math.abs(v - 3) < 1e-12);
  assert.equal(smoothingBeta(100), 0.95);
  assert.equal(smoothingBeta(10), 0.8);
  assert.equal(smoothingBeta(10_000), 0.98);
});

test('clean valley: a tenth of the lowest-loss LR, steepest point on the falling side', () => {
  const c = curve(valley);
  assert.ok(c.length < STEPS, 'the runner stops once the loss diverges');
  const ch = chooseLr(c, { optimizer: 'adamw', plannedLr: 1e-3 });
  assert.equal(ch.rule, 'min-div-10');
  assert.ok(ch.minLossLr! > 5e-3 / 1.5 && ch.minLossLr! < 5e-3 * 1.5, `min at ${ch.minLossLr}: read without the running average's lag`);
  const emaMin = c.reduce((m, p) => (p.smooth < m.smooth ? p : m)).lr;
  assert.ok(emaMin > 1.2 * ch.minLossLr!, `the lagging running average would have said ${emaMin}`);
  assert.ok(Math.abs(ch.raw - ch.minLossLr! / 10) < 1e-15);
  assert.ok(ch.steepestLr! > 1e-5 && ch.steepestLr! < 1e-3, `steepest at ${ch.steepestLr}`);
  assert.equal(ch.clamped, false);
  assert.ok(ch.lr >= 3e-4 && ch.lr <= 1e-3);
  assert.deepEqual(ch.reasons.map((r) => r.code), ['TUNE_LR_MIN_DIV10', 'TUNE_LR_VS_PLAN']);
});

test('the same valley under SGD is clamped into its safe range, with a reason', () => {
  const ch = chooseLr(curve(valley), { optimizer: 'sgd', plannedLr: 0.01 });
  assert.equal(ch.clamped, true);
  assert.equal(ch.lr, 0.008);
  assert.ok(ch.raw < 0.008);
  assert.ok(ch.reasons.some((r) => r.code === 'TUNE_LR_CLAMPED' && r.params['chosen'] === 0.008));
});

test('noisy valley (±15% per step): the choice stays within a factor 2.5 of the clean one', () => {
  const clean = chooseLr(curve(valley), { optimizer: 'adamw', plannedLr: 1e-3, safeMin: 1e-8, safeMax: 1 });
  for (const seed of [1, 2, 3]) {
    const rng = createRng(seed);
    const noisy = chooseLr(curve((x) => valley(x) * rng.uniform(0.85, 1.15)), { optimizer: 'adamw', plannedLr: 1e-3, safeMin: 1e-8, safeMax: 1 });
    assert.equal(noisy.rule, 'min-div-10');
    const ratio = noisy.lr / clean.lr;
    assert.ok(ratio > 1 / 2.5 && ratio < 2.5, `seed ${seed}: ${noisy.lr} vs ${clean.lr}`);
  }
});

test('diverging at once: every LR was too high, the safe minimum is taken', () => {
  const c = curve((x) => Math.exp((x + 6) * 1.2));
  assert.ok(c.length < STEPS / 2, `stopped early (${c.length} steps)`);
  const ch = chooseLr(c, { optimizer: 'adamw', plannedLr: 1e-3 });
  assert.equal(ch.rule, 'diverged-early');
  assert.equal(ch.lr, 3e-4);
  assert.equal(ch.reasons[0]!.code, 'TUNE_LR_DIVERGED_EARLY');
});

test('flat curve: the planned LR is kept', () => {
  const rng = createRng(7);
  const ch = chooseLr(curve(() => 2 * rng.uniform(0.995, 1.005)), { optimizer: 'adamw', plannedLr: 7e-4 });
  assert.equal(ch.rule, 'flat');
  assert.equal(ch.lr, 7e-4);
  assert.equal(ch.clamped, false);
  assert.equal(ch.reasons[0]!.code, 'TUNE_LR_FLAT');
});

test('still falling at the largest LR: no minimum, a tenth of the last LR', () => {
  const ch = chooseLr(curve((x) => 3 - 0.4 * (x + 6)), { optimizer: 'adamw', plannedLr: 1e-3, safeMin: 1e-8, safeMax: 1 });
  assert.equal(ch.rule, 'no-minimum');
  assert.ok(Math.abs(ch.lr - 1e-2) / 1e-2 < 1e-9);
});

test('too few points: the plan is kept', () => {
  const ch = chooseLr([{ step: 0, lr: 1e-6, loss: 2, smooth: 2 }], { optimizer: 'sgd', plannedLr: 0.01 });
  assert.equal(ch.rule, 'flat');
  assert.equal(ch.lr, 0.01);
});

test('centredSmooth: a window mean, shorter at the ends, no lag on a ramp', () => {
  assert.deepEqual(centredSmooth([1, 2, 3, 4, 5], 1), [1.5, 2, 3, 4, 4.5]);
  assert.deepEqual(centredSmooth([7], 3), [7]);
});

test('stopReason: divergence past the factor, and non-finite losses', () => {
  assert.equal(stopReason({ step: 10, lr: 0.01, loss: 5, smooth: 3.9 }, 1, 4), null);
  assert.equal(stopReason({ step: 10, lr: 0.01, loss: 5, smooth: 4.1 }, 1, 4)?.code, 'TUNE_LR_DIVERGED_STOP');
  assert.equal(stopReason({ step: 1, lr: 0.01, loss: 5, smooth: 9 }, 1, 4), null, 'not in the first steps');
  assert.equal(stopReason({ step: 10, lr: 0.01, loss: Number.NaN, smooth: Number.NaN }, 1, 4)?.code, 'TUNE_LR_NOT_FINITE_STOP');
});

test('every tune message has a Chinese sentence with the same placeholders', () => {
  const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const codes = Object.keys(messages.en).filter((c) => c.startsWith('TUNE_'));
  assert.ok(codes.length >= 15);
  for (const c of codes) {
    assert.ok(messages.zh[c], c);
    assert.deepEqual(ph(messages.zh[c]!), ph(messages.en[c]!), c);
  }
});
