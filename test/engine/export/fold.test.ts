/** Export weight transforms: TF 'same' pads, HWIO -> OIHW, BatchNorm folded into conv weights and bias. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldBatchNorm, hwioToOihw, samePads } from '../../../electron/engine/export/fold';

test("samePads reproduces TF 'same': the odd pixel goes bottom/right", () => {
  assert.deepEqual(samePads(64, 3, 2), [0, 0, 1, 1]); // stride 2 on an even side: not [1, 1, 1, 1]
  assert.deepEqual(samePads(64, 3, 1), [1, 1, 1, 1]);
  assert.deepEqual(samePads(8, 5, 1), [2, 2, 2, 2]); // SPPF max pool
  assert.deepEqual(samePads(8, 1, 1), [0, 0, 0, 0]);
  assert.deepEqual(samePads(7, 3, 2), [1, 1, 1, 1]); // odd side: symmetric again
});

test('hwioToOihw moves every element to [out, in, y, x]', () => {
  const [kh, kw, ci, co] = [2, 3, 2, 4];
  const hwio = Float32Array.from({ length: kh * kw * ci * co }, (_, i) => i);
  const oihw = hwioToOihw(hwio, kh, kw, ci, co);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) assert.equal(oihw[((o * ci + i) * kh + y) * kw + x], hwio[((y * kw + x) * ci + i) * co + o]);
  assert.throws(() => hwioToOihw(hwio, 3, 3, 2, 4), /values for/);
});

test('foldBatchNorm: conv with folded weights + bias equals BN(conv) for any input', () => {
  // Two output channels, three weights each (a 1x1 conv over 3 input channels).
  const w = Float32Array.from([0.5, -1, 2, 1.5, 0.25, -0.75]);
  const bn = { gamma: [1.2, 0.8], beta: [0.1, -0.3], mean: [0.4, -0.2], variance: [2, 0.5], eps: 1e-3 };
  const f = foldBatchNorm(w, 2, bn);
  const x = [0.3, -1.2, 0.7];
  for (let o = 0; o < 2; o++) {
    let y = 0;
    let yf = f.bias[o]!;
    for (let i = 0; i < 3; i++) {
      y += w[o * 3 + i]! * x[i]!;
      yf += f.weight[o * 3 + i]! * x[i]!;
    }
    const want = ((y - bn.mean[o]!) / Math.sqrt(bn.variance[o]! + bn.eps)) * bn.gamma[o]! + bn.beta[o]!;
    assert.ok(Math.abs(yf - want) < 1e-6, `channel ${o}: ${yf} vs ${want}`);
  }
  assert.throws(() => foldBatchNorm(w, 4, bn), /weights for 4 channels/);
});
