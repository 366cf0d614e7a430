// The plan is made for the backend that trains: alignProfileToBackend is the one place the
// plan's backend follows the ladder's. `KESTREL_BACKEND=webgpu kestrel demo` on a software GPU
// used to print "backend wasm" in its plan while it trained on webgpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reason } from '../../../electron/shared/reason';
import type { HardwareProfile } from '../../../electron/shared/schemas/hardware';
import { alignProfileToBackend } from '../../../electron/engine/train/index';
import { planTraining } from '../../../electron/engine/plan/plan';
import type { BackendReport } from '../../../electron/engine/backend/index';
import { GiB, PROFILES } from '../plan/profiles';

const lavapipe = { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 19.1.7, 256 bits)', software: true, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: GiB };

/** What initBackend reports when webgpu was forced (KESTREL_BACKEND=webgpu) onto `adapter`. */
function forcedWebgpu(adapter: typeof lavapipe): BackendReport {
  return {
    id: 'webgpu',
    threads: 0,
    simd: false,
    memoryLimitBytes: adapter.maxBufferSize,
    passedOver: [{ id: 'tfjs-node-gpu', reason: reason('BACKEND_NOT_TRIED', { backend: 'tfjs-node-gpu', forced: 'webgpu' }) }],
    reason: reason('BACKEND_FORCED_ENV', { backend: 'webgpu' }),
    notes: [],
    adapter,
  };
}

const model = { scale: 'n' as const, imgsz: 64, numClasses: 3 };

test('forced webgpu on a software adapter the probe listed as unavailable: the plan says webgpu', () => {
  // The probe lists the software adapter, unavailable (it never trains unless forced).
  const hw: HardwareProfile = {
    ...PROFILES.vmNoGpu,
    backends: [
      ...PROFILES.vmNoGpu.backends,
      {
        id: 'webgpu',
        available: false,
        adapter: { name: 'llvmpipe (LLVM 19.1.7, 256 bits)', vendor: 'mesa', software: true, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: GiB },
        reason: reason('BACKEND_WEBGPU_SOFTWARE', { adapter: 'llvmpipe' }),
      },
    ],
  };
  assert.equal(planTraining(hw, model, { trainImages: 160 }, {}).backend, 'wasm', 'unaligned, the planner picks the CPU');
  const aligned = alignProfileToBackend(hw, forcedWebgpu(lavapipe));
  const wg = aligned.backends.find((b) => b.id === 'webgpu')!;
  assert.equal(wg.available, true);
  assert.equal(wg.reason.code, 'BACKEND_FORCED_ENV');
  assert.equal(wg.adapter?.name, 'llvmpipe (LLVM 19.1.7, 256 bits)');
  const plan = planTraining(aligned, model, { trainImages: 160 }, {});
  assert.equal(plan.backend, 'webgpu');
  assert.equal(plan.device.kind, 'gpu');
  assert.ok(plan.reasons.some((r) => r.code === 'PLAN_DEVICE_WEBGPU'), plan.reasons.map((r) => r.code).join(', '));
});

test('forced webgpu where the probe did not look for an adapter (no webgpu entry): the plan says webgpu', () => {
  const aligned = alignProfileToBackend(PROFILES.vmNoGpu, forcedWebgpu({ ...lavapipe, software: false, description: 'NVIDIA H200' }));
  assert.equal(planTraining(aligned, model, { trainImages: 160 }, {}).backend, 'webgpu');
});

test('the ladder choosing wasm keeps the plan on wasm (a hardware adapter measured slower is passed over)', () => {
  const hw: HardwareProfile = {
    ...PROFILES.vmNoGpu,
    backends: [
      ...PROFILES.vmNoGpu.backends,
      { id: 'webgpu', available: true, adapter: { name: 'NVIDIA H200', vendor: 'nvidia', software: false, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: GiB }, reason: reason('BACKEND_WEBGPU_READY', { adapter: 'NVIDIA H200', maxBufferMiB: 2048 }) },
    ],
  };
  const slower = reason('BACKEND_MEASURED_SLOWER', { backend: 'webgpu', other: 'wasm', speed: '1.00', otherSpeed: '2.00', workload: 'n', when: '2026-01-01' });
  const report: BackendReport = { id: 'wasm', threads: 1, simd: true, memoryLimitBytes: 4 * GiB, passedOver: [{ id: 'webgpu', reason: slower }], reason: reason('BACKEND_SELECTED', { backend: 'wasm' }), notes: [] };
  const aligned = alignProfileToBackend(hw, report);
  assert.equal(aligned.backends.find((b) => b.id === 'webgpu')!.available, false);
  assert.equal(planTraining(aligned, model, { trainImages: 160 }, {}).backend, 'wasm');
});
