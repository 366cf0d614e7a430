import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BN_MOMENTUM, bnMomentumFor } from '../../../electron/engine/model/index';

test('below the reference batch the momentum is Ultralytics 0.03 per forward', () => {
  assert.equal(bnMomentumFor(4, 10_000, false), BN_MOMENTUM);
  assert.equal(bnMomentumFor(16, 10_000, true), BN_MOMENTUM);
});

test('a batch of 64 moves the statistics as far as four forwards of 16', () => {
  const m = bnMomentumFor(64, 10_000, false);
  assert.ok(Math.abs(1 - m - (1 - BN_MOMENTUM) ** 4) < 1e-12);
  // After one epoch of NEU-DET (23 updates of 64) the initial statistics weigh about 6%, not 50%.
  assert.ok((1 - m) ** 23 < 0.065);
  assert.ok((1 - BN_MOMENTUM) ** 23 > 0.49);
});

test('from scratch the first forwards are a cumulative average: the initial statistics are gone at once', () => {
  assert.equal(bnMomentumFor(64, 0, true), 1);
  assert.equal(bnMomentumFor(64, 64, true), 0.5);
  assert.ok(Math.abs(bnMomentumFor(4, 8, true) - 1 / 3) < 1e-12);
  // It hands over to the exponential average once that is the faster one.
  assert.equal(bnMomentumFor(4, 4 * 200, true), BN_MOMENTUM);
});

test('a fine-tune keeps the parent statistics: no cumulative start', () => {
  assert.equal(bnMomentumFor(4, 0, false), BN_MOMENTUM);
  assert.ok(bnMomentumFor(64, 0, false) < 0.12);
});

test('the momentum is a weight in (0, 1] for any batch and count', () => {
  for (const b of [0, 1, 2, 16, 17, 64, 256]) {
    for (const seen of [-5, 0, 1, 100, 1e6]) {
      for (const warm of [true, false]) {
        const m = bnMomentumFor(b, seen, warm);
        assert.ok(m > 0 && m <= 1, `${b} ${seen} ${warm} -> ${m}`);
      }
    }
  }
});
