// The webgpu rung of the ladder: adapter classification, the measured choice and its cache, the
// self-test on webgpu, GPU out-of-memory mapping. Tests that need an adapter skip, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { pickFastest, choiceKey, defaultChoiceFile } from '../../../electron/engine/backend/choice';
import { isAllocationFailureText, toOutOfMemory } from '../../../electron/engine/backend/limits';
import { adapterFacts, isSoftwareAdapter, probeWebgpuAdapter } from '../../../electron/engine/backend/webgpu';
import { findSoftwareVulkanIcd, useSoftwareVulkanIfUnset } from '../../../electron/engine/backend/webgpu-icd';
import { KestrelError } from '../../../electron/shared/errors';

useSoftwareVulkanIfUnset();
let noAdapter: string | false = false;
try {
  await probeWebgpuAdapter();
} catch (err) {
  noAdapter = `no WebGPU adapter: ${err instanceof Error ? err.message : String(err)}`;
  console.log(`webgpu ladder tests that need an adapter are skipped: ${noAdapter}`);
}

test('software adapters are recognised from what Dawn reports', () => {
  assert.equal(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4090', isFallbackAdapter: false }), false);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', isFallbackAdapter: true }), true);
  const f = adapterFacts({ info: { vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900' }, limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 } });
  assert.equal(f.software, false);
  assert.equal(f.maxStorageBufferBindingSize, 2 ** 31);
});

test('the fastest measured backend wins; ties and failed timings keep the CPU backend', () => {
  assert.equal(pickFastest([{ id: 'webgpu', imagesPerSecond: 40 }, { id: 'wasm', imagesPerSecond: 6 }], 'wasm'), 'webgpu');
  assert.equal(pickFastest([{ id: 'webgpu', imagesPerSecond: 3 }, { id: 'wasm', imagesPerSecond: 6 }], 'wasm'), 'wasm');
  assert.equal(pickFastest([{ id: 'webgpu', imagesPerSecond: 6 }, { id: 'wasm', imagesPerSecond: 6 }], 'wasm'), 'wasm');
  assert.equal(pickFastest([{ id: 'webgpu', imagesPerSecond: NaN }, { id: 'wasm', imagesPerSecond: 0 }], 'wasm'), 'wasm');
  assert.notEqual(choiceKey('GPU A', ['webgpu', 'wasm'], '1.0.0'), choiceKey('GPU B', ['webgpu', 'wasm'], '1.0.0'));
  assert.notEqual(choiceKey('GPU A', ['webgpu', 'wasm'], '1.0.0'), choiceKey('GPU A', ['webgpu', 'wasm'], '1.0.1'));
  assert.equal(defaultChoiceFile({ KESTREL_CALIBRATIONS: '/x/y/calibrations.json' }), '/x/y/backend-choice.json');
});

test('WebGPU allocation failures, buffer-limit errors and a lost device become OUT_OF_MEMORY', () => {
  assert.ok(isAllocationFailureText('WebGPU GPUOutOfMemoryError: Failed to allocate memory for buffer'));
  assert.ok(isAllocationFailureText('WebGPU device lost: VK_ERROR_OUT_OF_DEVICE_MEMORY'));
  assert.ok(isAllocationFailureText('Buffer size (5368709120) exceeds the max buffer size limit (4294967296).'));
  const e = toOutOfMemory(new Error('Binding size (200000000) is larger than the maximum binding size (134217728) of maxStorageBufferBindingSize'));
  assert.ok(e instanceof KestrelError && e.code === 'OUT_OF_MEMORY');
});

test('unforced, a software WebGPU adapter is passed over with a reason; forced, it trains and passes the self-test', { skip: noAdapter }, async () => {
  const facts = await probeWebgpuAdapter();
  if (!facts.software) {
    console.log(`the adapter here is hardware (${facts.description}): the software pass-over is not exercised`);
  } else {
    const r = await initBackend({ measure: false });
    assert.equal(r.passedOver.find((p) => p.id === 'webgpu')?.reason.code, 'BACKEND_WEBGPU_SOFTWARE');
    assert.notEqual(r.id, 'webgpu');
  }
  const forced = await initBackend({ force: 'webgpu' });
  assert.equal(forced.id, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.ok(forced.adapter && forced.adapter.maxBufferSize > 0);
  assert.ok(forced.notes.some((n) => n.code === 'BACKEND_WEBGPU_ADAPTER'));
  if (facts.software) assert.ok(forced.notes.some((n) => n.code === 'BACKEND_WEBGPU_SOFTWARE_FORCED'));
});

test('when webgpu and wasm both pass, the faster timed step wins, the reasons give the figures, and the choice is cached', { skip: noAdapter }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-choice-'));
  const choiceFile = join(dir, 'backend-choice.json');
  try {
    let calls = 0;
    const fast = (gpuSpeed: number) => async (id: 'webgpu' | 'wasm' | string) => {
      calls++;
      assert.equal(tf.getBackend(), id, 'each backend is timed while it is the current one');
      return { id: id as 'webgpu', imagesPerSecond: id === 'webgpu' ? gpuSpeed : 5 };
    };
    const r = await initBackend({ allowSoftwareWebgpu: true, measure: fast(50), choiceFile });
    assert.equal(r.id, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.equal(r.reason.code, 'BACKEND_CHOSEN_BY_MEASUREMENT');
    assert.match(r.reason.message, /50\.00 images\/s.*5\.00 on wasm/);
    assert.equal(r.passedOver.find((p) => p.id === 'wasm')?.reason.code, 'BACKEND_MEASURED_SLOWER');
    assert.equal(calls, 2);
    // Cached: the next start does not time again and gives the same answer.
    const again = await initBackend({ allowSoftwareWebgpu: true, measure: fast(1), choiceFile });
    assert.equal(calls, 2);
    assert.equal(again.id, 'webgpu');
    assert.equal(JSON.parse(readFileSync(choiceFile, 'utf8')).length, 1);
    // A fresh measurement where wasm is faster keeps wasm.
    rmSync(choiceFile);
    const slow = await initBackend({ allowSoftwareWebgpu: true, measure: fast(1), choiceFile });
    assert.equal(slow.id, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(slow.passedOver.find((p) => p.id === 'webgpu')?.reason.message ?? '', /1\.00 images\/s against wasm's 5\.00/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the software Vulkan finder returns a candidate that exists, or null', () => {
  assert.equal(findSoftwareVulkanIcd(() => false), null);
  assert.equal(findSoftwareVulkanIcd((p) => p.includes('swiftshader')), '/usr/lib/chromium/vk_swiftshader_icd.json');
});
