import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../../../electron/shared/errors';
import { messages } from '../../../electron/shared/messages/index';
import { backendMessages } from '../../../electron/shared/messages/backend';
import { classifyLoadError, initBackend, parseBackendId, runSelfTest } from '../../../electron/engine/backend/index';
import { SELF_TEST_CASES, selfTestInputs } from '../../../electron/engine/backend/self-test';

test('without tfjs-node installed the ladder passes over both native backends and picks wasm', async () => {
  const saved = process.env.KESTREL_BACKEND;
  delete process.env.KESTREL_BACKEND;
  try {
    // measure: false keeps a hardware WebGPU adapter (if any) out of the choice; webgpu-ladder.test.ts covers it.
    const r = await initBackend({ measure: false });
    assert.equal(r.id, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(r.simd, true);
    assert.equal(r.threads, 1);
    assert.ok(r.memoryLimitBytes! > 3.5 * 2 ** 30 && r.memoryLimitBytes! < 4 * 2 ** 30);
    const webgpu = r.passedOver.find((p) => p.id === 'webgpu');
    assert.deepEqual(
      r.passedOver.filter((p) => p.id !== 'webgpu').map((p) => [p.id, p.reason.code]),
      [
        ['tfjs-node-gpu', 'BACKEND_NOT_INSTALLED'],
        ['tfjs-node', 'BACKEND_NOT_INSTALLED'],
      ],
    );
    // Which reason depends on the machine: no adapter, a software one (CI), Dawn missing, or not timed.
    assert.ok(
      ['BACKEND_WEBGPU_NO_ADAPTER', 'BACKEND_WEBGPU_SOFTWARE', 'BACKEND_WEBGPU_DAWN_FAILED', 'BACKEND_NOT_INSTALLED', 'BACKEND_WEBGPU_NOT_MEASURED'].includes(webgpu?.reason.code ?? ''),
      JSON.stringify(webgpu),
    );
    assert.equal(r.reason.code, 'BACKEND_SELECTED');
  } finally {
    if (saved !== undefined) process.env.KESTREL_BACKEND = saved;
  }
});

test('the force option and KESTREL_BACKEND force one backend', async () => {
  const r = await initBackend({ force: 'cpu' });
  assert.equal(r.id, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(r.reason.code, 'BACKEND_FORCED_OPTION');
  assert.deepEqual(r.passedOver.map((p) => p.reason.code), ['BACKEND_NOT_TRIED', 'BACKEND_NOT_TRIED', 'BACKEND_NOT_TRIED', 'BACKEND_NOT_TRIED']);
  process.env.KESTREL_BACKEND = 'wasm';
  try {
    const e = await initBackend();
    assert.equal(e.id, 'wasm');
    assert.equal(e.reason.code, 'BACKEND_FORCED_ENV');
    process.env.KESTREL_BACKEND = 'metal';
    await assert.rejects(initBackend(), (err: unknown) => err instanceof KestrelError && err.code === 'BACKEND_UNKNOWN');
  } finally {
    delete process.env.KESTREL_BACKEND;
  }
});

test('forcing a backend that is not installed fails with BACKEND_UNAVAILABLE and says why', async () => {
  await assert.rejects(initBackend({ force: 'tfjs-node' }), (err: unknown) => {
    assert.ok(err instanceof KestrelError);
    assert.equal(err.code, 'BACKEND_UNAVAILABLE');
    assert.equal((err.details?.reason as { code: string }).code, 'BACKEND_NOT_INSTALLED');
    return true;
  });
});

test('load errors are classified into reasons a user can act on', () => {
  const notFound = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node-gpu' imported from x.ts"), { code: 'ERR_MODULE_NOT_FOUND' });
  assert.equal(classifyLoadError('tfjs-node-gpu', notFound).code, 'BACKEND_NOT_INSTALLED');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('libcudnn.so.8: cannot open shared object file')).code, 'BACKEND_CUDA_MISSING');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('CUDA error: no kernel image is available for execution on the device')).code, 'BACKEND_GPU_UNSUPPORTED');
  const r = classifyLoadError('tfjs-node', new Error('The specified module could not be found.\n\\\\?\\C:\\x\\tfjs_binding.node'));
  assert.equal(r.code, 'BACKEND_LOAD_FAILED');
  assert.match(r.message, /could not be found/);
  // A GPU newer than CUDA 11.2 (RTX 50, sm_120) is told apart from a missing CUDA install.
  const tooNew = classifyLoadError('tfjs-node-gpu', new Error('CUDA error: no kernel image is available for execution on the device'), ['NVIDIA GeForce RTX 5090']);
  assert.equal(tooNew.code, 'BACKEND_GPU_TOO_NEW');
  assert.match(tooNew.message, /RTX 5090.*webgpu/);
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('ptxas fatal: Value sm_120 is not defined for option gpu-name')).code, 'BACKEND_GPU_TOO_NEW');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('Found device 0 with properties: compute capability: 12.0')).code, 'BACKEND_GPU_TOO_NEW');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('libcudart.so.11.0: cannot open shared object file'), ['NVIDIA GeForce RTX 5070']).code, 'BACKEND_GPU_TOO_NEW');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('libcudart.so.11.0: cannot open shared object file'), ['NVIDIA GeForce RTX 4090']).code, 'BACKEND_CUDA_MISSING');
  assert.equal(classifyLoadError('tfjs-node-gpu', new Error('compute capability: 8.9, sm_89 kernel')).code, 'BACKEND_GPU_UNSUPPORTED');
  assert.equal(parseBackendId(undefined), undefined);
  assert.equal(parseBackendId(' cpu '), 'cpu');
});

test('every backend message has an English and a Chinese sentence and is in the catalogue', () => {
  assert.deepEqual(Object.keys(backendMessages.zh).sort(), Object.keys(backendMessages.en).sort());
  for (const code of Object.keys(backendMessages.en)) {
    assert.equal(messages.en[code], backendMessages.en[code]);
    const placeholders = (t: string) => (t.match(/\{\w+\}/g) ?? []).sort();
    assert.deepEqual(placeholders(backendMessages.zh[code]!), placeholders(backendMessages.en[code]!), code);
  }
});

test("the self-test's expected numbers agree with a plain-loop convolution", () => {
  for (const c of SELF_TEST_CASES) {
    const [, H, W, C] = c.xShape;
    const [KH, KW, , CO] = c.filterShape;
    const s = c.stride;
    const OH = c.pad === 'same' ? Math.ceil(H / s) : Math.floor((H - KH) / s) + 1;
    const OW = c.pad === 'same' ? Math.ceil(W / s) : Math.floor((W - KW) / s) + 1;
    const pt = c.pad === 'same' ? Math.floor(Math.max((OH - 1) * s + KH - H, 0) / 2) : 0;
    const pl = c.pad === 'same' ? Math.floor(Math.max((OW - 1) * s + KW - W, 0) / 2) : 0;
    const { x, filter, g } = selfTestInputs(c, OH * OW * CO);
    const y = new Array<number>(OH * OW * CO).fill(0);
    const dx = new Array<number>(x.length).fill(0);
    const df = new Array<number>(filter.length).fill(0);
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let co = 0; co < CO; co++)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
              for (let ci = 0; ci < C; ci++) {
                const ih = oh * s + kh - pt;
                const iw = ow * s + kw - pl;
                if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                const xi = (ih * W + iw) * C + ci;
                const fi = ((kh * KW + kw) * C + ci) * CO + co;
                const yi = (oh * OW + ow) * CO + co;
                y[yi]! += x[xi]! * filter[fi]!;
                dx[xi]! += g[yi]! * filter[fi]!;
                df[fi]! += g[yi]! * x[xi]!;
              }
    assert.deepEqual(y, c.y, `${c.name} forward`);
    assert.deepEqual(dx, c.dx, `${c.name} dx`);
    assert.deepEqual(df, c.dFilter, `${c.name} dfilter`);
  }
});

test('the self-test fails on a backend whose conv filter gradient is wrong', async () => {
  await initBackend({ force: 'cpu' });
  const kernel = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  // A filter gradient that is off by a factor of two.
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const out = kernel.kernelFunc(args) as tf.TensorInfo;
      const t = tf.engine().makeTensorFromDataId(out.dataId, out.shape, out.dtype);
      return tf.mul(t, 2);
    },
  });
  try {
    assert.match((await runSelfTest()) ?? '', /filter gradient/);
  } finally {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(kernel);
  }
  assert.equal(await runSelfTest(), null);
});

test('wasm threads are opt-in: 2 threads start, pass the self-test, and the process still exits (child process)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  // A script file, not --eval: the pthread workers inherit the parent's exec arguments.
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-threads-'));
  const file = join(dir, 'threads.mts');
  const index = resolve('electron/engine/backend/index.ts');
  writeFileSync(
    file,
    `import { initBackend } from ${JSON.stringify(index)};
     const r = await initBackend({ force: 'wasm', threads: 2 });
     console.log('RESULT ' + JSON.stringify({ threads: r.threads, notes: r.notes.map((n) => n.code) }));`,
  );
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, r.stdout + r.stderr.slice(-2000));
    assert.deepEqual(JSON.parse(line.slice(7)), { threads: 2, notes: ['BACKEND_WASM_THREADS'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
