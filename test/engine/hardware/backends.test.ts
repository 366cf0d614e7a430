import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectBackendAvailability,
  detectWasmSimd,
  inspectNativePackage,
  mergeGpuInventory,
  parseNvidiaSmiCsv,
  WASM_MEMORY_LIMIT_BYTES,
  type NativePackageState,
  type PackageFs,
} from '../../../electron/engine/hardware/index';
import { BackendAvailabilitySchema } from '../../../electron/shared/schemas/hardware';

function fakeFs(files: string[], installed = true): PackageFs {
  const base = '/app/node_modules/@tensorflow/tfjs-node-gpu';
  const all = files.map((f) => `${base}/${f}`);
  return {
    resolve: (s) => {
      if (!installed) throw Object.assign(new Error(`Cannot find module '${s}'`), { code: 'MODULE_NOT_FOUND' });
      return `${base}/package.json`;
    },
    exists: (p) => all.includes(p),
    readdir: (p) => [...new Set(all.filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1).split('/')[0]!))],
  };
}

test('inspectNativePackage: not installed, binding without libtensorflow, complete (Linux and Windows layouts)', () => {
  assert.deepEqual(inspectNativePackage('tfjs-node-gpu', fakeFs([], false)), { installed: false });
  const noLib = inspectNativePackage('tfjs-node-gpu', fakeFs(['package.json', 'lib/napi-v8/tfjs_binding.node', 'deps/include/tensorflow/c/c_api.h']));
  assert.deepEqual(noLib, { installed: true, dir: '/app/node_modules/@tensorflow/tfjs-node-gpu', binding: '/app/node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node', libtensorflow: null });
  const linux = inspectNativePackage('tfjs-node-gpu', fakeFs(['package.json', 'lib/napi-v8/tfjs_binding.node', 'deps/lib/libtensorflow.so.2.9.1', 'deps/lib/libtensorflow_framework.so.2']));
  assert.ok(linux.installed && linux.binding !== null && /libtensorflow/.test(linux.libtensorflow ?? ''));
  const win = inspectNativePackage('tfjs-node-gpu', fakeFs(['package.json', 'lib/napi-v9/tfjs_binding.node', 'lib/napi-v9/tensorflow.dll']));
  assert.ok(win.installed && win.libtensorflow?.endsWith('lib/napi-v9/tensorflow.dll'));
  const nothingBuilt = inspectNativePackage('tfjs-node-gpu', fakeFs(['package.json', 'deps/lib/libtensorflow.so.2']));
  assert.ok(nothingBuilt.installed && nothingBuilt.binding === null);
});

test('inspectNativePackage on this machine: the optional native packages are not installed here', () => {
  assert.deepEqual(inspectNativePackage('tfjs-node-gpu'), { installed: false });
  assert.deepEqual(inspectNativePackage('tfjs-node'), { installed: false });
});

test('detectWasmSimd: Node 20 has WebAssembly SIMD', () => {
  assert.equal(detectWasmSimd(), true);
});

const ok = (name: string): Extract<NativePackageState, { installed: true }> => ({ installed: true, dir: `/x/${name}`, binding: `/x/${name}/lib/napi-v8/tfjs_binding.node`, libtensorflow: `/x/${name}/deps/lib/libtensorflow.so.2` });
const gpus3090 = mergeGpuInventory(null, parseNvidiaSmiCsv('0, 00000000:01:00.0, NVIDIA GeForce RTX 3090, 24576, 1432, 22856, 546.33\n').rows, 'linux');

test('detectBackendAvailability: everything present with a CUDA GPU', () => {
  const b = detectBackendAvailability({ gpus: gpus3090, packages: { 'tfjs-node-gpu': ok('gpu'), 'tfjs-node': ok('cpu') }, wasmSimd: true });
  for (const x of b) BackendAvailabilitySchema.parse(x);
  assert.deepEqual(b.map((x) => [x.id, x.available, x.reason.code]), [
    ['tfjs-node-gpu', true, 'HW_BACKEND_GPU_READY'],
    ['tfjs-node', true, 'HW_BACKEND_NODE_READY'],
    ['wasm', true, 'HW_BACKEND_WASM_SIMD'],
    ['cpu', true, 'HW_BACKEND_CPU_READY'],
  ]);
  assert.deepEqual(b[0]!.reason.params, { count: 1, driver: '546.33' });
  assert.deepEqual({ simd: b[2]!.simd, threads: b[2]!.threads, mem: b[2]!.memoryLimitBytes }, { simd: true, threads: 1, mem: 4294967296 });
  assert.equal(WASM_MEMORY_LIMIT_BYTES, 4294967296);
});

test('detectBackendAvailability: each reason a native backend cannot load', () => {
  const missing = detectBackendAvailability({ gpus: gpus3090, packages: { 'tfjs-node-gpu': { installed: false }, 'tfjs-node': { installed: false } }, wasmSimd: false });
  assert.deepEqual(missing.map((x) => [x.id, x.available, x.reason.code]), [
    ['tfjs-node-gpu', false, 'HW_BACKEND_NOT_INSTALLED'],
    ['tfjs-node', false, 'HW_BACKEND_NOT_INSTALLED'],
    ['wasm', true, 'HW_BACKEND_WASM_NO_SIMD'],
    ['cpu', true, 'HW_BACKEND_CPU_READY'],
  ]);
  const broken = detectBackendAvailability({
    gpus: gpus3090,
    packages: { 'tfjs-node-gpu': { ...ok('gpu'), libtensorflow: null }, 'tfjs-node': { ...ok('cpu'), binding: null, libtensorflow: null } },
    wasmSimd: true,
  });
  assert.equal(broken[0]!.reason.code, 'HW_BACKEND_NO_BINDING');
  assert.equal(broken[0]!.reason.params.missing, 'libtensorflow');
  assert.equal(broken[1]!.reason.params.missing, 'lib/napi-v*/tfjs_binding.node, libtensorflow');
  const noGpu = detectBackendAvailability({ gpus: [], packages: { 'tfjs-node-gpu': ok('gpu'), 'tfjs-node': ok('cpu') }, wasmSimd: true });
  assert.deepEqual([noGpu[0]!.available, noGpu[0]!.reason.code, noGpu[1]!.available], [false, 'HW_BACKEND_NO_CUDA_GPU', true]);
});
