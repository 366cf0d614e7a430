/** An LR range test's result (lr-find.json) around a given curve, for the tests of its views, its process and the files that take it. */
import { chooseLr } from '../../electron/engine/tune/lr-choice';
import type { LrFindPoint, LrFindResult } from '../../electron/shared/schemas/tune';

/** The plan and settings the result is made with: AdamW at batch 4, unless given. */
export interface LrFindFixture {
  plannedLr: number;
  plan?: Partial<LrFindResult['plan']>;
  settings?: Partial<LrFindResult['settings']>;
  seconds?: number;
}

/** lr-find.json for `curve`: the choice made from it as the engine makes it, the settings spanning it. */
export function lrFindResult(curve: LrFindPoint[], f: LrFindFixture): LrFindResult {
  const choice = chooseLr(curve, { optimizer: 'adamw', plannedLr: f.plannedLr });
  return {
    version: 1,
    createdAt: 'now',
    datasetPath: 'd',
    model: { scale: 'n', imgsz: 64 },
    plan: { optimizer: 'adamw', lr: f.plannedLr, perDeviceBatch: 4, accumulation: 1, effectiveBatch: 4, weightDecay: 0.05, ...f.plan },
    settings: { steps: curve.length, lrMin: curve[0]?.lr ?? 1e-6, lrMax: curve.at(-1)?.lr ?? 0.1, beta: 0.8, divergeFactor: 4, seed: 0, ...f.settings },
    curve,
    stopped: null,
    choice,
    overrides: { lr: choice.lr },
    seconds: f.seconds ?? 1,
    backend: 'wasm',
  };
}
