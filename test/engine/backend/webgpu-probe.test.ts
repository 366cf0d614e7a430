// The WebGPU probe in a child process: its one line of output parsed strictly, and a child that
// crashes or hangs turned into a reason instead of a crash or hang of the caller.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeWebgpuInChild, webgpuProbeEntry } from '../../../electron/engine/backend/webgpu-probe';
import { parseProbeAnswer, PROBE_MARKER } from '../../../electron/engine/backend/webgpu-probe-answer';
import { WebgpuUnavailable } from '../../../electron/engine/backend/webgpu';

const dir = mkdtempSync(join(tmpdir(), 'kestrel-webgpu-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};
const FACTS = { vendor: 'nvidia', architecture: 'ada', device: '', description: 'RTX', software: false, maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 };
/** What the probe process prints for FACTS' adapter. */
const FOUND = { ok: true, info: { vendor: 'nvidia', architecture: 'ada', device: '', description: 'RTX', isFallbackAdapter: false }, limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 } };
const line = (v: unknown) => `${PROBE_MARKER} ${JSON.stringify(v)}`;

test('the answer line is found among other output, checked, and turned into facts or the reason', () => {
  assert.deepEqual(parseProbeAnswer(`noise\n${line(FOUND)}\n`), { ok: true, adapter: FACTS });
  const soft = parseProbeAnswer(line({ ...FOUND, info: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7' } }));
  assert.equal(soft?.ok && soft.adapter.software, true);
  const reasonOf = (v: unknown) => {
    const a = parseProbeAnswer(line(v));
    return a && !a.ok ? a.reason : null;
  };
  assert.equal(reasonOf({ ok: false, stage: 'load', missingModule: true, error: "Cannot find package 'webgpu'" })?.code, 'BACKEND_NOT_INSTALLED');
  assert.match(reasonOf({ ok: false, stage: 'load', missingModule: false, error: 'The specified module could not be found.' })?.message ?? '', /Dawn.*could not load.*specified module/);
  assert.equal(reasonOf({ ok: false, stage: 'create', error: 'x' })?.code, 'BACKEND_WEBGPU_DAWN_FAILED');
  assert.equal(reasonOf({ ok: false, stage: 'adapter', error: 'Dawn found no Vulkan, Direct3D 12 or Metal adapter' })?.code, 'BACKEND_WEBGPU_NO_ADAPTER');
  for (const bad of ['', `${PROBE_MARKER} {not json`, line({ ...FOUND, limits: { maxBufferSize: '1', maxStorageBufferBindingSize: 1 } }), line({ ok: false }), line({ ok: false, stage: 'elsewhere', error: 'x' }), `x${line(FOUND)}`]) {
    assert.equal(parseProbeAnswer(bad), null, bad);
  }
});

test('the probe entry: the environment overrides, the checkout file otherwise, none inside a bundle', () => {
  assert.equal(webgpuProbeEntry({ KESTREL_WEBGPU_PROBE_ENTRY: '/x/probe.js' }), '/x/probe.js');
  assert.match(webgpuProbeEntry({}) ?? '', /webgpu-probe-child\.mjs$/);
  assert.equal(webgpuProbeEntry({}, () => false), null);
});

test('a child that answers, dies, or hangs: the adapter, its last stderr line as the reason, or a timeout (the child killed)', async () => {
  const ok = script('ok.mjs', `process.stderr.write('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\\nreal warning\\n'); console.log(${JSON.stringify(line(FOUND))});`);
  let forwarded = '';
  assert.deepEqual(await probeWebgpuInChild({ entry: ok, stderr: (t) => (forwarded += t) }), FACTS);
  assert.equal(forwarded, 'real warning\n', 'the notice is dropped, the rest forwarded');

  const dies = script('dies.mjs', `process.stderr.write('Error: dawn.node: cannot open shared object file\\n'); process.exit(3);`);
  await assert.rejects(probeWebgpuInChild({ entry: dies, stderr: () => undefined }), (e: unknown) => {
    assert.ok(e instanceof WebgpuUnavailable);
    assert.equal(e.reason.code, 'BACKEND_WEBGPU_DAWN_FAILED');
    assert.match(e.reason.message, /exit code 3.*cannot open shared object file/);
    return true;
  });

  const hangs = script('hangs.mjs', 'setInterval(() => {}, 1000);');
  const t0 = performance.now();
  await assert.rejects(probeWebgpuInChild({ entry: hangs, timeoutMs: 1500 }), (e: unknown) => e instanceof WebgpuUnavailable && e.reason.code === 'BACKEND_WEBGPU_NO_ADAPTER' && /within 1\.5 s/.test(e.reason.message));
  assert.ok(performance.now() - t0 < 10_000);

  const refuses = script('refuses.mjs', `console.log(${JSON.stringify(line({ ok: false, stage: 'adapter', error: 'no adapter here' }))});`);
  await assert.rejects(probeWebgpuInChild({ entry: refuses }), (e: unknown) => e instanceof WebgpuUnavailable && e.reason.code === 'BACKEND_WEBGPU_NO_ADAPTER' && /no adapter here/.test(e.reason.message));
});
