// The planner on webgpu: a hardware adapter without CUDA plans on the GPU's memory; a software
// one never does; the adapter's binding limit bounds the batch through the largest tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseDevice, largestTensorBytesPerImage, webgpuBatchCap, webgpuCard } from '../../../electron/engine/plan/device';
import { planTraining } from '../../../electron/engine/plan/index';
import { webgpuAvailability } from '../../../electron/engine/hardware/backends';
import type { HardwareProfile } from '../../../electron/shared/schemas/hardware';
import { GiB, gpu, profile } from './profiles';

function withWebgpu(hw: HardwareProfile, name: string, software = false, binding = 2 * GiB): HardwareProfile {
  const wg = webgpuAvailability({ ok: true, name, vendor: 'nvidia', software, maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: binding });
  return { ...hw, backends: [...hw.backends.slice(0, 2), wg, ...hw.backends.slice(2)] };
}

// An RTX 5090 machine where tfjs-node-gpu cannot load (CUDA 11.2 predates it).
const rtx5090 = () => profile([gpu(0, 'NVIDIA GeForce RTX 5090', 32 * GiB, 30 * GiB)], ['wasm', 'cpu'], { total: 64 * GiB, available: 48 * GiB });

test('without CUDA, a hardware WebGPU adapter plans on that GPU with 80% of its free memory', () => {
  const hw = withWebgpu(rtx5090(), 'NVIDIA GeForce RTX 5090');
  const c = chooseDevice(hw, {});
  assert.equal(c.backend, 'webgpu');
  assert.equal(c.device.kind, 'gpu');
  assert.equal(c.device.name, 'NVIDIA GeForce RTX 5090');
  assert.equal(c.budgetBytes, 30 * GiB * 0.8);
  assert.equal(c.maxTensorBytes, 2 * GiB);
  assert.equal(c.reasons[0]!.code, 'PLAN_DEVICE_WEBGPU');
  const plan = planTraining(hw, { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 5000 });
  assert.equal(plan.backend, 'webgpu');
  assert.ok(plan.memory.predictedBytes <= plan.memory.budgetBytes);
});

test('a software adapter is never planned for, and --device cpu keeps the CPU', () => {
  assert.equal(chooseDevice(withWebgpu(rtx5090(), 'llvmpipe (LLVM 15)', true), {}).backend, 'wasm');
  assert.equal(chooseDevice(withWebgpu(rtx5090(), 'NVIDIA GeForce RTX 5090'), { device: 'cpu' }).backend, 'wasm');
});

test('the adapter is matched to the probed card by name; unknown memory assumes 4 GiB, saying so', () => {
  const hw = profile(
    [gpu(0, 'Intel(R) UHD Graphics 770', 1 * GiB, null, { integrated: true }), gpu(1, 'AMD Radeon RX 7900 XTX', 24 * GiB, null), gpu(2, 'NVIDIA GeForce RTX 3060', 12 * GiB, 11 * GiB)],
    ['wasm', 'cpu'],
    { total: 64 * GiB, available: 48 * GiB },
  );
  assert.equal(webgpuCard(hw, 'AMD Radeon RX 7900 XTX (RADV NAVI31)')?.index, 1);
  const none = profile([], ['wasm', 'cpu'], { total: 16 * GiB, available: 8 * GiB });
  const c = chooseDevice(withWebgpu(none, 'Some GPU'), {});
  assert.equal(c.budgetBytes, 4 * GiB * 0.8);
  assert.ok(c.reasons.some((r) => r.code === 'PLAN_WEBGPU_FREE_ASSUMED'));
});

test('the largest tensor per image bounds the batch under the binding limit', () => {
  const n640 = largestTensorBytesPerImage({ scale: 'n', imgsz: 640, numClasses: 6, norm: 'batch' });
  // First convs at 640 px: the stride-2 3x3 conv from 16 channels at 320 px -> 160 px, im2col 144 x 160^2 floats.
  assert.ok(n640 >= 3 * 3 * 16 * 160 * 160 * 4, String(n640));
  assert.equal(webgpuBatchCap(128 * 2 ** 20, n640), Math.floor((128 * 2 ** 20) / n640));
  assert.equal(webgpuBatchCap(1, n640), 1);
});
