// Every gradient kernel the detector uses, and one tiny detector step, on webgpu against cpu.
// Runs on a software GPU here (lavapipe/SwiftShader via VK_ICD_FILENAMES); skipped, saying why,
// where no WebGPU adapter is available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { useSoftwareVulkanIfUnset } from '../../../electron/engine/backend/webgpu-icd';
import { useStockWebgpuFilterGrad } from '../../../electron/engine/backend/webgpu-kernels';
import { createDetector } from '../../../electron/engine/model/detector';
import { values as lcg } from '../../helpers/values';
import { CONV_CASES } from '../../helpers/conv-cases';

const values = (n: number, seed: number): Float32Array => lcg(n, seed, 0.5);

useSoftwareVulkanIfUnset();
let skip: string | false = false;
try {
  await initBackend({ force: 'webgpu' });
  await import('@tensorflow/tfjs-backend-cpu');
} catch (err) {
  skip = `no WebGPU adapter: ${err instanceof Error ? err.message : String(err)}`;
  console.log(`webgpu kernel tests skipped: ${skip}`);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / scale;
}

/** Runs f on webgpu and on cpu, reading results with await data() (dataSync fails on webgpu in Node). */
async function onBoth(f: () => tf.Tensor[]): Promise<{ gpu: Float32Array[]; cpu: Float32Array[] }> {
  const res: Record<string, Float32Array[]> = {};
  for (const b of ['webgpu', 'cpu'] as const) {
    await tf.setBackend(b);
    const ts = tf.tidy(f);
    res[b] = await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(ts);
  }
  await tf.setBackend('webgpu');
  return { gpu: res.webgpu!, cpu: res.cpu! };
}


test('webgpu conv gradients (input, Kestrel\'s filter gradient and the stock one) match cpu', { skip }, async () => {
  for (const [b, h, w, ci, co, k, s, pad] of CONV_CASES) {
    const run = () =>
      onBoth(() => {
        const x = tf.tensor4d(values(b * h * w * ci, 1), [b, h, w, ci]);
        const f = tf.tensor4d(values(k * k * ci * co, 2), [k, k, ci, co]);
        const y = tf.conv2d(x, f, s, pad);
        const dy = tf.reshape(tf.tensor1d(values(y.size, 3)), y.shape);
        const dx = tf.conv2dTranspose(dy as tf.Tensor4D, f, x.shape, s, pad);
        const df = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: f.shape });
        return [y, dx, df as tf.Tensor];
      });
    const label = `b${b} ${h}x${w} ${ci}->${co} k${k} s${s} ${pad}`;
    const ours = await run();
    useStockWebgpuFilterGrad(true);
    const stock = await run();
    useStockWebgpuFilterGrad(false);
    assert.ok(maxRelDiff(ours.gpu[0]!, ours.cpu[0]!) < 1e-5, `${label}: y`);
    assert.ok(maxRelDiff(ours.gpu[1]!, ours.cpu[1]!) < 1e-5, `${label}: dx`);
    assert.ok(maxRelDiff(ours.gpu[2]!, ours.cpu[2]!) < 1e-5, `${label}: dfilter (Kestrel's)`);
    assert.ok(maxRelDiff(stock.gpu[2]!, ours.gpu[2]!) < 1e-5, `${label}: dfilter (stock) agrees with Kestrel's`);
  }
});

test('webgpu depthwise gradients and the tf.gather gradient match cpu', { skip }, async () => {
  for (const s of [1, 2] as const) {
    const { gpu, cpu } = await onBoth(() => {
      const x = tf.tensor4d(values(2 * 7 * 6 * 3, 4), [2, 7, 6, 3]);
      const f = tf.tensor4d(values(3 * 3 * 3 * 1, 5), [3, 3, 3, 1]);
      const g = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, bb as tf.Tensor4D, s, 'same'))));
      return g([x, f]);
    });
    assert.ok(maxRelDiff(gpu[0]!, cpu[0]!) < 1e-5, `depthwise s${s} dx`);
    assert.ok(maxRelDiff(gpu[1]!, cpu[1]!) < 1e-5, `depthwise s${s} dfilter`);
  }
  const { gpu, cpu } = await onBoth(() => {
    const t = tf.tensor2d(values(12, 6), [4, 3]);
    const idx = tf.tensor1d([3, 0, 3, 1], 'int32');
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, idx), tf.tensor2d(values(12, 7), [4, 3]))))(t)];
  });
  assert.ok(maxRelDiff(gpu[0]!, cpu[0]!) < 1e-6, 'gather gradient');
});

test('webgpu max-pool, nearest-resize and matmul gradients match cpu (batch > 1, negative inputs)', { skip }, async () => {
  const [B, H, W, C] = [2, 8, 7, 3];
  for (const [k, s, pad] of [
    [5, 1, 'same'],
    [2, 2, 'valid'],
    [3, 2, 'same'],
  ] as const) {
    const { gpu, cpu } = await onBoth(() => {
      const x = tf.tensor4d(values(B * H * W * C, 21), [B, H, W, C]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, pad), tf.sin(tf.maxPool(a as tf.Tensor4D, k, s, pad)))))(x)];
    });
    assert.ok(maxRelDiff(gpu[0]!, cpu[0]!) < 1e-5, `maxPool k${k} s${s} ${pad}`);
  }
  // cpu's ResizeNearestNeighborGrad is fixed for batch > 1 by Kestrel; the 2x case is the neck's.
  await tf.setBackend('cpu');
  const { registerCpuKernelFixes } = await import('../../../electron/engine/backend/wasm-kernels');
  registerCpuKernelFixes();
  const { gpu, cpu } = await onBoth(() => {
    const x = tf.tensor4d(values(B * 4 * 4 * C, 22), [B, 4, 4, C]);
    const g = tf.tensor4d(values(B * 8 * 8 * C, 23), [B, 8, 8, C]);
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [8, 8]), g)))(x)];
  });
  assert.ok(maxRelDiff(gpu[0]!, cpu[0]!) < 1e-5, 'resize 2x gradient');
  for (const [sa, sb, ta, tb] of [
    [[5, 3], [5, 4], true, false],
    [[3, 5], [4, 5], false, true],
    [[2, 6, 3], [2, 6, 4], true, false],
  ] as Array<[number[], number[], boolean, boolean]>) {
    const r = await onBoth(() => {
      const a = tf.reshape(tf.tensor1d(values(sa.reduce((x, y) => x * y, 1), 30)), sa);
      const b = tf.reshape(tf.tensor1d(values(sb.reduce((x, y) => x * y, 1), 31)), sb);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([a, b]);
      return [tf.matMul(a, b, ta, tb), ga!, gb!];
    });
    r.gpu.forEach((v, i) => assert.ok(maxRelDiff(v, r.cpu[i]!) < 1e-5, `matMul ${JSON.stringify([sa, sb, ta, tb])} output ${i}`));
  }
});

test('a tiny detector step (scale n, 64 px, batch 2, BatchNorm): loss and every gradient match cpu', { skip }, async () => {
  const images = values(2 * 64 * 64 * 3, 50).map((v) => v + 0.5);
  const res: Record<string, Float32Array[]> = {};
  for (const b of ['webgpu', 'cpu'] as const) {
    await tf.setBackend(b);
    const det = createDetector({ scale: 'n', imgsz: 64, numClasses: 3, norm: 'batch' }, { seed: 3 });
    const { weights, norms, biases } = det.trainableVariables();
    const vars = [...weights, ...norms, ...biases];
    const out = tf.tidy(() => {
      const x = tf.tensor4d(images, [2, 64, 64, 3]);
      const { value, grads } = tf.variableGrads(() => {
        const o = det.forward(x, true);
        return tf.add(tf.mean(tf.square(o.box)), tf.mean(tf.square(tf.sigmoid(o.cls)))) as tf.Scalar;
      }, vars);
      return [value, ...vars.map((v) => grads[v.name]!)];
    });
    res[b] = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(out);
    det.dispose();
  }
  await tf.setBackend('webgpu');
  const gpu = res.webgpu!;
  const cpu = res.cpu!;
  assert.ok(maxRelDiff(gpu[0]!, cpu[0]!) < 1e-4, `loss ${gpu[0]![0]} vs ${cpu[0]![0]}`);
  let worst = 0;
  for (let i = 1; i < gpu.length; i++) worst = Math.max(worst, maxRelDiff(gpu[i]!, cpu[i]!));
  console.log(`detector step on webgpu vs cpu: ${gpu.length - 1} gradients, worst relative difference ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-3, `worst gradient relative difference ${worst}`);
});
