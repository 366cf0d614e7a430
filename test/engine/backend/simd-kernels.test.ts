import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { measureWasmSimdPeak, SIMD_KERNEL, simdKernelsUsable } from '../../../electron/engine/backend/simd-kernels';
import { linear3, siluAffine, siluAffineGrad, squaredDeviationMeans } from '../../../electron/engine/ops/fused-elementwise';
import { values } from '../../helpers/values';

// The element-wise kernels are on by default (KESTREL_SIMD_KERNELS=0 turns them off); these tests
// say so explicitly, so an outside setting does not change what they test.
process.env.KESTREL_SIMD_KERNELS = '1';

// The SIMD kernels against the same arithmetic in plain tf ops (KESTREL_SIMD_KERNELS=0 routes
// fused-elementwise there), on random data, both vector layouts and values far in the sigmoid's tails.


function withPlainOps<T>(f: () => T): T {
  const before = process.env.KESTREL_SIMD_KERNELS;
  process.env.KESTREL_SIMD_KERNELS = '0';
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.KESTREL_SIMD_KERNELS;
    else process.env.KESTREL_SIMD_KERNELS = before;
  }
}

function assertClose(a: Float32Array, b: Float32Array, what: string, rel = 2e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]!), `${what}[${i}] is ${a[i]}`);
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  }
  assert.ok(worst <= rel, `${what}: worst error ${worst.toExponential(2)} of the largest value (tolerance ${rel})`);
}

/** Runs `f` with the SIMD kernels and with plain ops on the same inputs; returns both outputs as arrays. */
function both(f: () => tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = (): Float32Array[] => tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  return [run(), withPlainOps(run)];
}

const SHAPES: Array<{ shape: [number, number, number, number]; perSample: boolean }> = [
  { shape: [2, 5, 7, 8], perSample: false },
  { shape: [3, 4, 3, 16], perSample: true },
  { shape: [1, 1, 1, 4], perSample: false },
  { shape: [2, 9, 9, 36], perSample: true },
];

test('the SIMD kernels are used on wasm for channels that are a multiple of 4, and only then', async () => {
  await initBackend({ force: 'wasm' });
  assert.ok(tf.getKernel(SIMD_KERNEL.siluAffine, 'wasm'), 'registered');
  assert.equal(simdKernelsUsable(tf.zeros([1, 2, 2, 8])), true);
  assert.equal(simdKernelsUsable(tf.zeros([1, 2, 2, 6])), false);
  assert.equal(simdKernelsUsable(tf.zeros([1, 2, 2, 8], 'int32')), false);
  assert.equal(withPlainOps(() => simdKernelsUsable(tf.zeros([1, 2, 2, 8]))), false);
  // On by default (unset), off only with 0.
  delete process.env.KESTREL_SIMD_KERNELS;
  assert.equal(simdKernelsUsable(tf.zeros([1, 2, 2, 8])), true);
  process.env.KESTREL_SIMD_KERNELS = '1';
  await initBackend({ force: 'cpu' });
  assert.equal(simdKernelsUsable(tf.zeros([1, 2, 2, 8])), false);
});

test('siluAffine and its gradient match plain tf ops, with z far into both tails of the sigmoid', async () => {
  await initBackend({ force: 'wasm' });
  for (const [i, { shape, perSample }] of SHAPES.entries()) {
    const [b, , , c] = shape;
    const vshape = perSample ? [b, 1, 1, c] : [c];
    const n = shape.reduce((p, d) => p * d, 1);
    const [simd, plain] = both(() => {
      // Scales up to 40 put z anywhere in about [-120, 120]: exp overflows there if unclamped.
      const y = tf.tensor4d(values(n, 10 + i, 3), shape);
      const scale = tf.tensor(values(vshape.reduce((p, d) => p * d, 1), 20 + i, 40), vshape);
      const shift = tf.tensor(values(scale.size, 30 + i, 2), vshape);
      const dout = tf.tensor4d(values(n, 40 + i), shape);
      const g = siluAffineGrad(y, dout, scale, shift);
      return [siluAffine(y, scale, shift), g.dz, g.s1, g.s2];
    });
    ['out', 'dz', 's1', 's2'].forEach((name, j) => assertClose(simd[j]!, plain[j]!, `${shape.join('x')} ${name}`, 2e-5));
  }
});

test('linear3 and squaredDeviationMeans match plain tf ops in both vector layouts', async () => {
  await initBackend({ force: 'wasm' });
  for (const [i, { shape, perSample }] of SHAPES.entries()) {
    const [b, , , c] = shape;
    const vshape = perSample ? [b, 1, 1, c] : [c];
    const vn = vshape.reduce((p, d) => p * d, 1);
    const n = shape.reduce((p, d) => p * d, 1);
    const [simd, plain] = both(() => {
      const dz = tf.tensor4d(values(n, 50 + i), shape);
      const y = tf.tensor4d(values(n, 60 + i, 4, 1), shape);
      const a = tf.tensor(values(vn, 70 + i, 2), vshape);
      const k1 = tf.tensor(values(vn, 80 + i), vshape);
      const k0 = tf.tensor(values(vn, 90 + i), vshape);
      const mean = tf.tensor(values(vn, 100 + i, 1, 1), vshape);
      return [linear3(dz, y, a, k1, k0), linear3(dz, y, null, k1, k0), squaredDeviationMeans(y, mean)];
    });
    ['linear3', 'linear3 (a = 1)', 'squaredDeviationMeans'].forEach((name, j) => assertClose(simd[j]!, plain[j]!, `${shape.join('x')} ${name}`));
  }
});

test('squaredDeviationMeans is well conditioned: a flat, low-variance channel matches a float64 reference to 1e-6', async () => {
  await initBackend({ force: 'wasm' });
  // BatchNorm's first layer on a mostly flat image: values about 1, variance about 1e-3, and the
  // same deviation at most pixels, so a float32 running sum's rounding errors add up instead of
  // cancelling (the old float32 kernel: 2.2e-5 off here; in the network that put the batch-1
  // first gradient norm 4.2e-3 off the cpu backend's). 20 channels: one 16-channel block and a 4-channel rest.
  const [b, h, w, c] = [2, 32, 48, 20];
  const hw = h * w;
  const noise = values(b * hw * c, 110, 1);
  const y = new Float32Array(b * hw * c);
  for (let i = 0; i < y.length; i++) {
    const ch = i % c;
    const p = Math.floor(i / c) % hw;
    const box = p % w < 8 && Math.floor(p / w) < 6; // a small bright patch in a flat field
    if (ch % 4 === 0) y[i] = 1 + 0.0316 * (p % 2 ? 1 : -1); // every deviation the same size
    else if (ch % 4 === 1) y[i] = box ? 1.4 : 0.99; // flat field, a few outliers
    else if (ch % 4 === 2) y[i] = 1 + 0.03 * noise[i]!; // small noise around 1
    else y[i] = 3 * noise[i]!; // large values, no offset
  }
  const means = new Float64Array(b * c);
  for (let i = 0; i < y.length; i++) means[Math.floor(i / (hw * c)) * c + (i % c)]! += y[i]! / hw;
  const perSample = Float32Array.from(means); // [B, C], rounded to float32 like the engine's
  const shared = Float32Array.from({ length: c }, (_, ch) => (means[ch]! + means[c + ch]!) / 2);
  for (const [mean, shape] of [
    [shared, [c]],
    [perSample, [b, 1, 1, c]],
  ] as const) {
    const ref = new Float64Array(b * c);
    for (let i = 0; i < y.length; i++) {
      const s = Math.floor(i / (hw * c));
      const d = y[i]! - mean[shape.length === 1 ? i % c : s * c + (i % c)]!;
      ref[s * c + (i % c)]! += (d * d) / hw;
    }
    const got = tf.tidy(() => squaredDeviationMeans(tf.tensor4d(y, [b, h, w, c]), tf.tensor(mean, [...shape])).dataSync());
    let worst = 0;
    ref.forEach((r, i) => (worst = Math.max(worst, Math.abs(got[i]! - r) / r)));
    assert.ok(ref[0]! > 5e-4 && ref[0]! < 2e-3, `channel 0's variance ${ref[0]}`);
    assert.ok(worst <= 1e-6, `[${shape.join(', ')}] means: worst relative error ${worst.toExponential(2)} against float64 (tolerance 1e-6)`);
  }
});

test('a SIMD kernel refuses inputs it cannot handle with a clear error, and leaks nothing', async () => {
  await initBackend({ force: 'wasm' });
  const before = tf.memory().numTensors;
  const y = tf.zeros([1, 2, 2, 6]);
  const wrong = tf.zeros([5]);
  assert.throws(() => tf.engine().runKernel(SIMD_KERNEL.siluAffine, { y, scale: wrong, shift: wrong }, {}), /multiple of 4/);
  const y8 = tf.zeros([2, 2, 2, 8]);
  assert.throws(() => tf.engine().runKernel(SIMD_KERNEL.siluAffine, { y: y8, scale: wrong, shift: wrong }, {}), /expected 8 or 16/);
  const dz = tf.zeros([2, 2, 2, 8]);
  const v = tf.zeros([8]);
  const v2 = tf.zeros([2, 8]);
  assert.throws(() => tf.engine().runKernel(SIMD_KERNEL.linear3, { dz, y: y8, a: v, k1: v2, k0: v }, {}), /all be \[C\] or all be \[B, C\]/);
  tf.dispose([y, wrong, y8, dz, v, v2]);
  assert.equal(tf.memory().numTensors, before);
});

test('the wasm SIMD peak is measured, not assumed: a positive rate from timed arithmetic', () => {
  const gflops = measureWasmSimdPeak(20, 2);
  assert.ok(Number.isFinite(gflops) && gflops > 0.1, `peak ${gflops}`);
});

test('the compiled kernels are up to date with their source (electron/engine/backend/wasm-src/build.mjs)', async () => {
  const { generate, OUTPUT } = (await import('../../../electron/engine/backend/wasm-src/build.mjs')) as { generate(): Promise<string>; OUTPUT: string };
  assert.equal(await generate(), readFileSync(OUTPUT, 'utf8'), 'run node electron/engine/backend/wasm-src/build.mjs');
});

test('with 2 wasm threads (shared memory) the kernels agree with plain ops and the cpu backend (child process)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdirSync, mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  // Inside the repository, so the script resolves the same @tensorflow/tfjs-core as the engine.
  mkdirSync(resolve('test-artifacts'), { recursive: true });
  const dir = mkdtempSync(join(resolve('test-artifacts'), 'simd-threads-'));
  const file = join(dir, 'simd.mts');
  const mod = (p: string): string => JSON.stringify(resolve(p));
  writeFileSync(
    file,
    `import * as tf from '@tensorflow/tfjs-core';
     import { initBackend } from ${mod('electron/engine/backend/index.ts')};
     import { siluAffine, siluAffineGrad, linear3, squaredDeviationMeans } from ${mod('electron/engine/ops/fused-elementwise.ts')};
     process.env.KESTREL_SIMD_KERNELS = '1';
     const r = await initBackend({ force: 'wasm', threads: 2 });
     const shared = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory } }).wasm.wasmMemory?.buffer instanceof SharedArrayBuffer;
     const y = tf.randomNormal([5, 24, 24, 16], 0, 2, 'float32', 1) as tf.Tensor4D;
     const d = tf.randomNormal([5, 24, 24, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
     const v = tf.randomNormal([16], 0, 1, 'float32', 3);
     const vb = tf.randomNormal([5, 1, 1, 16], 0, 1, 'float32', 4);
     const ops = () => { const g = siluAffineGrad(y, d, v, vb.mean(0)); return [siluAffine(y, vb, vb.abs()), siluAffine(y, v, v.abs()), g.dz, g.s1, g.s2, linear3(d, y, vb, vb, vb), squaredDeviationMeans(y, vb),
       tf.transpose(y, [3, 1, 2, 0]), tf.transpose(y, [1, 2, 0, 3]), tf.concat([y, d], 3), ...tf.split(y, [4, 12], 3), tf.slice(y, [0, 3, 0, 0], [5, 10, 24, 16])]; };
     const run = () => tf.tidy(() => ops().map((t) => Array.from(t.dataSync())));
     const fast = run();
     process.env.KESTREL_SIMD_KERNELS = '0';
     const plainElementwise = run();
     const yv = y.arraySync(), dv = d.arraySync(), vv = v.arraySync(), vbv = vb.arraySync();
     await initBackend({ force: 'cpu' });
     const t = (a: unknown, s: number[]) => tf.tensor(a as number[], s);
     const yc = t(yv, y.shape) as tf.Tensor4D, dc = t(dv, d.shape);
     const cpu = tf.tidy(() => [tf.transpose(yc, [3, 1, 2, 0]), tf.transpose(yc, [1, 2, 0, 3]), tf.concat([yc, dc], 3), ...tf.split(yc, [4, 12], 3), tf.slice(yc, [0, 3, 0, 0], [5, 10, 24, 16])].map((x) => Array.from(x.dataSync())));
     let worst = 0;
     for (let i = 0; i < 7; i++) { let m = 1e-6; for (const x of plainElementwise[i]) m = Math.max(m, Math.abs(x)); fast[i].forEach((x, j) => { worst = Math.max(worst, Math.abs(x - plainElementwise[i][j]) / m); }); }
     const copiesEqual = cpu.every((c, i) => c.length === fast[7 + i].length && c.every((x, j) => x === fast[7 + i][j]));
     void vv; void vbv;
     console.log('RESULT ' + JSON.stringify({ threads: r.threads, shared, worst, copiesEqual }));`,
  );
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 90_000, cwd: resolve('.') });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, r.stdout + r.stderr.slice(-2000));
    const res = JSON.parse(line.slice(7)) as { threads: number; shared: boolean; worst: number; copiesEqual: boolean };
    assert.equal(res.threads, 2);
    assert.equal(res.shared, true, 'the threaded backend has a shared memory (the kernels run their shared-memory build)');
    assert.ok(res.worst < 2e-5, `element-wise kernels differ from plain ops by ${res.worst}`);
    assert.equal(res.copiesEqual, true, 'transpose/concat/split/slice equal the cpu backend');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
