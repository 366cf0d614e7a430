// Where the app's WebGPU training step runs, from the probes' results: the training process when
// Dawn runs there with a usable adapter, the hidden renderer when Dawn cannot run there and
// Chromium's WebGPU has a usable adapter, nowhere (CPU) otherwise, each with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseGpuHost, type RendererProbe, type UtilityProbe } from '../../../electron/engine/backend/gpu-host-choice';
import type { WebgpuAdapterFacts } from '../../../electron/engine/backend/webgpu-adapter';
import { reason } from '../../../electron/shared/reason';

const RTX: WebgpuAdapterFacts = { vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA GeForce RTX 4070', software: false, maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 };
const WARP: WebgpuAdapterFacts = { vendor: 'microsoft', architecture: '', device: '', description: 'Microsoft Basic Render Driver', software: true, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 };
const SWIFTSHADER: WebgpuAdapterFacts = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', software: true, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };

const answered = (adapter: WebgpuAdapterFacts): UtilityProbe => ({ kind: 'answered', answer: { ok: true, adapter } });
const refused = (code: string, params: Record<string, string>): UtilityProbe => ({ kind: 'answered', answer: { ok: false, reason: reason(code, params) } });
const dawnFailed = refused('BACKEND_WEBGPU_DAWN_FAILED', { detail: 'The specified module could not be found. \\\\?\\C:\\Kestrel\\dawn.node' });
const crashed: UtilityProbe = { kind: 'no-answer', detail: 'the probe process ended (exit code -1073741515) without an answer' };
const chromium = (adapter: WebgpuAdapterFacts): RendererProbe => ({ kind: 'adapter', adapter });

test('Dawn runs in the training process with a hardware adapter: train there, without opening the renderer', () => {
  const c = chooseGpuHost({ utility: answered(RTX), allowSoftware: false });
  assert.equal(c.host, 'utility');
  assert.equal(c.host === 'utility' && c.adapter.description, RTX.description);
  assert.equal(c.reason.code, 'GPU_HOST_UTILITY');
  assert.match(c.reason.message, /RTX 4070/);
  // A renderer result does not change it.
  assert.equal(chooseGpuHost({ utility: answered(RTX), renderer: chromium(RTX), allowSoftware: false }).host, 'utility');
});

test('Dawn runs but finds no adapter, or only a software one: no WebGPU (Chromium sees the same drivers)', () => {
  const none = chooseGpuHost({ utility: refused('BACKEND_WEBGPU_NO_ADAPTER', { detail: 'Dawn found no Vulkan, Direct3D 12 or Metal adapter' }), allowSoftware: false });
  assert.equal(none.host, 'none');
  assert.equal(none.reason.code, 'GPU_HOST_NONE');
  assert.match(none.reason.message, /no graphics adapter/);
  const soft = chooseGpuHost({ utility: answered(WARP), allowSoftware: false });
  assert.equal(soft.host, 'none');
  assert.match(soft.reason.message, /software one \(Microsoft Basic Render Driver\)/);
  // Forced (--backend webgpu): a software adapter trains where Dawn runs.
  assert.equal(chooseGpuHost({ utility: answered(WARP), allowSoftware: true }).host, 'utility');
});

test('Dawn fails to load or its probe dies (dawn.node in a Windows utilityProcess): probe the renderer, then train there on a hardware adapter', () => {
  for (const utility of [dawnFailed, crashed, refused('BACKEND_NOT_INSTALLED', { backend: 'webgpu', package: 'webgpu' })]) {
    const first = chooseGpuHost({ utility, allowSoftware: false });
    assert.equal(first.host, 'probe-renderer');
    assert.equal(first.reason.code, 'GPU_HOST_PROBE_RENDERER');
    const c = chooseGpuHost({ utility, renderer: chromium(RTX), allowSoftware: false });
    assert.equal(c.host, 'renderer');
    assert.equal(c.host === 'renderer' && c.adapter, RTX);
    assert.equal(c.reason.code, 'GPU_HOST_RENDERER');
    assert.match(c.reason.message, /hidden window .*RTX 4070/);
  }
  assert.match(chooseGpuHost({ utility: dawnFailed, renderer: chromium(RTX), allowSoftware: false }).reason.message, /could not be found/);
  assert.match(chooseGpuHost({ utility: crashed, renderer: chromium(RTX), allowSoftware: false }).reason.message, /exit code -1073741515/);
});

test('the renderer has no WebGPU, or only SwiftShader: no WebGPU unless forced, saying what both probes found', () => {
  const none = chooseGpuHost({ utility: dawnFailed, renderer: { kind: 'none', detail: 'WebGPU found no adapter in this renderer' }, allowSoftware: false });
  assert.equal(none.host, 'none');
  assert.match(none.reason.message, /could not be found.*Chromium's WebGPU: WebGPU found no adapter/);
  const soft = chooseGpuHost({ utility: crashed, renderer: chromium(SWIFTSHADER), allowSoftware: false });
  assert.equal(soft.host, 'none');
  assert.match(soft.reason.message, /software one \(google swiftshader\)/);
  assert.equal(chooseGpuHost({ utility: crashed, renderer: chromium(SWIFTSHADER), allowSoftware: true }).host, 'renderer');
});
