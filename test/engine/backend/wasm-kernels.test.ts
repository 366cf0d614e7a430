import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { phasesToSpace } from '../../../electron/engine/backend/wasm-kernels';
import { values as lcg } from '../../helpers/values';
import { CONV_CASES } from '../../helpers/conv-cases';

/** Values in [-0.5, 0.5). */
const values = (n: number, seed: number): Float32Array => lcg(n, seed, 0.5);


function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / scale;
}

/** Runs f on wasm and on cpu and returns both results, read back. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const res: Record<string, Float32Array[]> = {};
  for (const b of ['wasm', 'cpu'] as const) {
    await tf.setBackend(b);
    res[b] = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  }
  return { wasm: res.wasm!, cpu: res.cpu! };
}


test('wasm conv gradients (input and filter) match the cpu backend', async () => {
  await initBackend({ force: 'wasm' });
  for (const [b, h, w, ci, co, k, s, pad] of CONV_CASES) {
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.tensor4d(values(b * h * w * ci, 1), [b, h, w, ci]);
      const f = tf.tensor4d(values(k * k * ci * co, 2), [k, k, ci, co]);
      const y = tf.conv2d(x, f, s, pad);
      const dy = tf.reshape(tf.tensor1d(values(y.size, 3)), y.shape);
      const dx = tf.conv2dTranspose(dy as tf.Tensor4D, f, x.shape, s, pad);
      const df = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: f.shape });
      return [dx, df as tf.Tensor];
    });
    const label = `b${b} ${h}x${w} ${ci}->${co} k${k} s${s} ${pad}`;
    assert.ok(maxRelDiff(wasm[0]!, cpu[0]!) < 1e-5, `${label}: dx`);
    assert.ok(maxRelDiff(wasm[1]!, cpu[1]!) < 1e-5, `${label}: dfilter`);
  }
});

test('wasm runs the cpu-fallback kernels: depthwise gradients and tf.gather gradient', async () => {
  await initBackend({ force: 'wasm' });
  for (const s of [1, 2] as const) {
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.tensor4d(values(2 * 7 * 6 * 3, 4), [2, 7, 6, 3]);
      const f = tf.tensor4d(values(3 * 3 * 3 * 1, 5), [3, 3, 3, 1]);
      const g = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, bb as tf.Tensor4D, s, 'same'))));
      return g([x, f]);
    });
    assert.ok(maxRelDiff(wasm[0]!, cpu[0]!) < 1e-5, `depthwise s${s} dx`);
    assert.ok(maxRelDiff(wasm[1]!, cpu[1]!) < 1e-5, `depthwise s${s} dfilter`);
  }
  const { wasm, cpu } = await onBoth(() => {
    const t = tf.tensor2d(values(12, 6), [4, 3]);
    const idx = tf.tensor1d([3, 0, 3, 1], 'int32');
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, idx), tf.tensor2d(values(12, 7), [4, 3]))))(t)];
  });
  assert.ok(maxRelDiff(wasm[0]!, cpu[0]!) < 1e-6, 'gather gradient (UnsortedSegmentSum)');
});

test('a YOLO-like forward + backward (conv, split, concat, maxpool, resize, sigmoid) agrees on wasm and cpu', async () => {
  await initBackend({ force: 'wasm' });
  const { wasm, cpu } = await onBoth(() => {
    const x = tf.tensor4d(values(2 * 16 * 16 * 3, 8), [2, 16, 16, 3]);
    const w1 = tf.tensor4d(values(3 * 3 * 3 * 8, 9), [3, 3, 3, 8]);
    const w2 = tf.tensor4d(values(1 * 1 * 16 * 8, 10), [1, 1, 16, 8]);
    const w3 = tf.tensor4d(values(3 * 3 * 8 * 4, 11), [3, 3, 8, 4]);
    const net = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
      const silu = (t: tf.Tensor) => tf.mul(t, tf.sigmoid(t));
      const y1 = silu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')); // 8x8x8
      const [p, q] = tf.split(y1, 2, 3);
      const pooled = tf.maxPool(y1 as tf.Tensor4D, 5, 1, 'same');
      const cat = tf.concat([p!, q!, pooled], 3); // 16 channels
      const y2 = silu(tf.conv2d(cat as tf.Tensor4D, c as tf.Tensor4D, 1, 'same'));
      const down = tf.conv2d(y2 as tf.Tensor4D, d as tf.Tensor4D, 2, 'same'); // 4x4x4
      const up = tf.image.resizeNearestNeighbor(down as tf.Tensor4D, [8, 8]);
      return tf.sum(tf.mul(tf.sigmoid(up), tf.slice(y2, [0, 0, 0, 0], [2, 8, 8, 4])));
    };
    const { value, grads } = tf.valueAndGrads(net)([x, w1, w2, w3]);
    return [value, ...grads];
  });
  wasm.forEach((v, i) => assert.ok(maxRelDiff(v, cpu[i]!) < 1e-4, `output ${i}`));
});

/** Pooling and resizing gradients, checked against plain loops (tfjs 4.22 gets them wrong on wasm and cpu). */
test('max-pool and nearest-resize gradients match plain loops on wasm and cpu, batch > 1, negative inputs', async () => {
  await initBackend({ force: 'wasm' });
  const [B, H, W, C] = [2, 8, 7, 3];
  const xv = values(B * H * W * C, 21);
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    for (const [k, s, pad] of [
      [5, 1, 'same'],
      [2, 2, 'valid'],
      [3, 2, 'same'],
    ] as const) {
      const OH = pad === 'same' ? Math.ceil(H / s) : Math.floor((H - k) / s) + 1;
      const OW = pad === 'same' ? Math.ceil(W / s) : Math.floor((W - k) / s) + 1;
      const pt = pad === 'same' ? Math.floor(Math.max((OH - 1) * s + k - H, 0) / 2) : 0;
      const pl = pad === 'same' ? Math.floor(Math.max((OW - 1) * s + k - W, 0) / 2) : 0;
      const gv = values(B * OH * OW * C, 22);
      const want = new Float32Array(xv.length);
      for (let b = 0; b < B; b++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++)
            for (let c = 0; c < C; c++) {
              let best = -Infinity;
              let at = -1;
              for (let i = 0; i < k; i++)
                for (let j = 0; j < k; j++) {
                  const ih = oh * s + i - pt;
                  const iw = ow * s + j - pl;
                  if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                  const idx = ((b * H + ih) * W + iw) * C + c;
                  if (xv[idx]! > best) [best, at] = [xv[idx]!, idx];
                }
              want[at]! += gv[((b * OH + oh) * OW + ow) * C + c]!;
            }
      const got = tf.tidy(() => {
        const g = tf.tensor4d(gv, [B, OH, OW, C]);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, pad), g)))(tf.tensor4d(xv, [B, H, W, C])).dataSync();
      });
      assert.ok(maxRelDiff(got, want) < 1e-6, `${backend} maxPool k${k} s${s} ${pad}`);
    }
    for (const [oh, ow, align, half] of [
      [16, 14, false, false],
      [16, 14, false, true],
      [11, 13, false, false],
      [16, 14, true, false],
    ] as const) {
      // Where each output pixel reads from, found by resizing the pixel indices themselves.
      const src = tf.tidy(() =>
        tf.image.resizeNearestNeighbor(tf.reshape(tf.range(0, B * H * W * C), [B, H, W, C]) as tf.Tensor4D, [oh, ow], align, half).dataSync(),
      );
      const gv = values(src.length, 23);
      const want = new Float32Array(xv.length);
      src.forEach((from, i) => (want[from]! += gv[i]!));
      const got = tf.tidy(() => {
        const g = tf.tensor4d(gv, [B, oh, ow, C]);
        const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [oh, ow], align, half), g));
        return tf.grad(f)(tf.tensor4d(xv, [B, H, W, C])).dataSync();
      });
      assert.ok(maxRelDiff(got, want) < 1e-5, `${backend} resize to ${oh}x${ow} align=${align} half=${half}`);
    }
  }
});

test('wasm matmul with transposed operands (explicit transposes) matches the cpu backend, batched and broadcast', async () => {
  await initBackend({ force: 'wasm' });
  // [a shape, b shape, transposeA, transposeB]
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[5, 3], [5, 4], true, false],
    [[3, 5], [4, 5], false, true],
    [[5, 3], [4, 5], true, true],
    [[2, 6, 3], [2, 6, 4], true, false],
    [[2, 3, 6], [1, 4, 6], false, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const { wasm, cpu } = await onBoth(() => {
      const a = tf.reshape(tf.tensor1d(values(sa.reduce((x, y) => x * y, 1), 30)), sa);
      const b = tf.reshape(tf.tensor1d(values(sb.reduce((x, y) => x * y, 1), 31)), sb);
      const out = tf.matMul(a, b, ta, tb);
      // tfjs has no matMul gradient for broadcast batches; the others ask for both transposed forms.
      if (sa.length === 3 && sa[0] !== sb[0]) return [out];
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([a, b]);
      return [out, ga!, gb!];
    });
    wasm.forEach((v, i) => assert.ok(maxRelDiff(v, cpu[i]!) < 1e-5, `matMul ${JSON.stringify([sa, sb, ta, tb])} output ${i}`));
  }
});

test('wasm Identity shares memory by reference count: a clone outlives its source with the same values', async () => {
  await initBackend({ force: 'wasm' });
  const before = tf.memory().numTensors;
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.clone(a);
  // Shared: the clone points at the same backend buffer.
  assert.equal(b.dataId, a.dataId);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  b.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => b.dataSync());
});

test('phasesToSpace (reshape + transpose) equals tf.depthToSpace', async () => {
  await initBackend({ force: 'wasm' });
  for (const [b, h, w, c, s] of [
    [2, 3, 4, 8, 2],
    [1, 2, 2, 18, 3],
  ] as const) {
    const { wasm, cpu } = await onBoth(() => {
      const t = tf.tensor4d(values(b * h * w * c, 40), [b, h, w, c]);
      return [phasesToSpace(t, s)];
    });
    const want = tf.tidy(() => tf.depthToSpace(tf.tensor4d(values(b * h * w * c, 40), [b, h, w, c]), s).dataSync() as Float32Array);
    assert.ok(maxRelDiff(wasm[0]!, want) === 0, `wasm ${b}x${h}x${w}x${c} s${s}`);
    assert.ok(maxRelDiff(cpu[0]!, want) === 0, `cpu ${b}x${h}x${w}x${c} s${s}`);
  }
});
