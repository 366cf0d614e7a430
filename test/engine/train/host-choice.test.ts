// The step host's choice (electron/engine/train/host-choice.ts): a run offered the app's hidden
// WebGPU window trains there only when its backend is forced or its timed step beats this
// process's, with the ladder's cache and reasons. The decision on figures (pure); then the choice
// around a real host over a worker_threads MessageChannel (its 'time' request runs the ladder's
// timed step through the protocol) with this process's timing faked to be slower or faster; then
// train() itself with the choice cached: a slower host gets no model at all, a faster one trains.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { choiceKey, readChoices, type StepTiming } from '../../../electron/engine/backend/choice';
import { initBackend } from '../../../electron/engine/backend/index';
import type { WebgpuAdapterFacts } from '../../../electron/engine/backend/webgpu-adapter';
import { chooseStepHost, decideStepHost, stepHostChoiceKey, type HostMeasurement, type StepHostInput } from '../../../electron/engine/train/host-choice';
import { alignProfileToBackend, forcedBackend, measuredChoiceReasons, train, type HostBackend, type StepHost } from '../../../electron/engine/train/index';
import { stepHostOf } from '../../../electron/worker/host-step';
import { KestrelError } from '../../../electron/shared/errors';
import { messages } from '../../../electron/shared/messages/index';
import { reason } from '../../../electron/shared/reason';
import type { TrainingEvent } from '../../../electron/shared/schemas/events';
import { PROFILES } from '../plan/profiles';
import { demoSet, tempDir, tinyConfig } from './helpers';
import { stepHostChannel } from '../../helpers/step-host-channel';

// The plan does not need a WebGPU adapter here (its probe loads Dawn in a child: seconds).
process.env['KESTREL_PROBE_WEBGPU'] = '0';
delete process.env['KESTREL_BACKEND'];

const H200: WebgpuAdapterFacts = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: 'NVIDIA H200',
  software: false,
  maxBufferSize: 2 ** 31,
  maxStorageBufferBindingSize: 2 ** 30,
};
const RENDERER_WHY = reason('GPU_HOST_RENDERER', { detail: 'dawn.node failed to load', adapter: 'NVIDIA H200' });
const HOST: HostBackend = { id: 'webgpu', passedOver: [], reason: RENDERER_WHY, adapter: H200, memoryLimitBytes: H200.maxBufferSize };
const LOCAL: HostBackend = {
  id: 'wasm',
  passedOver: [
    { id: 'tfjs-node-gpu', reason: reason('BACKEND_NOT_INSTALLED', { backend: 'tfjs-node-gpu', package: '@tensorflow/tfjs-node-gpu' }) },
    { id: 'webgpu', reason: reason('BACKEND_WEBGPU_ON_HOST') },
  ],
  reason: reason('BACKEND_SELECTED', { backend: 'wasm' }),
  memoryLimitBytes: 4 * 2 ** 30,
};
const measured = (gpu: number, cpu: number, failures = [] as HostMeasurement['failures']): HostMeasurement => ({
  timings: [
    { id: 'webgpu', imagesPerSecond: gpu },
    { id: 'wasm', imagesPerSecond: cpu },
  ],
  workload: 'scale n, 256 px, batch 4',
  measuredAt: '2026-03-01T10:00:00.000Z',
  failures,
});
const input = (extra: Partial<StepHostInput>): StepHostInput => ({ host: HOST, local: LOCAL, forced: null, measured: null, ...extra });
const decided = (i: StepHostInput) => {
  const d = decideStepHost(i);
  assert.notEqual(d.use, 'measure');
  return d as Exclude<typeof d, { use: 'measure' }>;
};

test('unforced: the host and this process are timed, and the faster trains with both figures said', () => {
  assert.deepEqual(decideStepHost(input({})), { use: 'measure' });

  // The H200 case of the README: webgpu 1.6 img/s at the demo's batch, wasm 12.
  const cpu = decided(input({ measured: measured(1.6, 12) }));
  assert.equal(cpu.use, 'local');
  assert.equal(cpu.backend.id, 'wasm');
  assert.equal(cpu.backend.reason.code, 'BACKEND_CHOSEN_BY_MEASUREMENT');
  assert.match(cpu.backend.reason.message, /12\.00 images\/s on it against 1\.60 on webgpu/);
  const slower = cpu.backend.passedOver.find((p) => p.id === 'webgpu')!.reason;
  assert.equal(slower.code, 'BACKEND_MEASURED_SLOWER', 'what the ladder said of webgpu is replaced by the measurement');
  assert.match(slower.message, /webgpu trained 1\.60 images\/s against wasm's 12\.00 .*measured 2026-03-01/);
  assert.deepEqual(cpu.backend.passedOver.map((p) => p.id), ['tfjs-node-gpu', 'webgpu'], 'passed over in ladder order');
  assert.deepEqual(cpu.backend.measured, measured(1.6, 12).timings);
  assert.deepEqual(cpu.notes.map((n) => n.code), ['BACKEND_CHOSEN_BY_MEASUREMENT', 'BACKEND_MEASURED_SLOWER'], "the host's own reason only when it trains");
  assert.equal(cpu.backend.memoryLimitBytes, LOCAL.memoryLimitBytes);
  // The plan follows: webgpu (probed available) is marked unavailable with the measurement.
  const hw = alignProfileToBackend(
    {
      ...PROFILES.vmNoGpu,
      backends: [...PROFILES.vmNoGpu.backends, { id: 'webgpu', available: true, adapter: { name: 'NVIDIA H200', vendor: 'nvidia', software: false, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 }, reason: reason('BACKEND_WEBGPU_READY', { adapter: 'NVIDIA H200', maxBufferMiB: 2048 }) }],
    },
    cpu.backend,
  );
  assert.deepEqual(hw.backends.find((b) => b.id === 'webgpu')?.reason, slower);
  assert.equal(hw.backends.find((b) => b.id === 'webgpu')?.available, false);

  const gpu = decided(input({ measured: measured(50, 5) }));
  assert.equal(gpu.use, 'host');
  assert.equal(gpu.backend.id, 'webgpu');
  assert.deepEqual(gpu.backend.adapter, H200);
  assert.equal(gpu.backend.memoryLimitBytes, H200.maxBufferSize);
  assert.match(gpu.backend.reason.message, /^Training runs on the webgpu backend: .*50\.00 images\/s on it against 5\.00 on wasm/);
  assert.equal(gpu.backend.passedOver.find((p) => p.id === 'wasm')?.reason.code, 'BACKEND_MEASURED_SLOWER');
  assert.deepEqual(gpu.notes.map((n) => n.code), ['GPU_HOST_RENDERER', 'BACKEND_CHOSEN_BY_MEASUREMENT', 'BACKEND_MEASURED_SLOWER']);
  assert.deepEqual(measuredChoiceReasons(gpu.backend), gpu.notes.slice(1), 'the plan shows the same reasons');
});

test('a tie, an unmeasured or a failed figure keeps this process, and the failure is said', () => {
  assert.equal(decided(input({ measured: measured(5, 5) })).use, 'local');
  assert.equal(decided(input({ measured: measured(Number.NaN, 5) })).use, 'local');
  const failed = reason('BACKEND_MEASURE_FAILED', { backend: 'webgpu', detail: 'GPU_HOST_GONE' });
  const d = decided(input({ measured: measured(0, 5, [failed]) }));
  assert.equal(d.use, 'local');
  assert.deepEqual(d.notes.at(-1), failed);
  // This process failing its own timing: the host wins on its figure.
  assert.equal(decided(input({ measured: measured(2, 0) })).use, 'host');
});

test('forced: webgpu uses the host untimed; a forced backend of this process keeps it; one neither runs is unavailable', () => {
  for (const by of ['BACKEND_FORCED_OPTION', 'BACKEND_FORCED_ENV'] as const) {
    const d = decided(input({ forced: { id: 'webgpu', by } }));
    assert.equal(d.use, 'host');
    assert.equal(d.backend.reason.code, by);
    assert.equal(d.backend.measured, undefined);
    assert.deepEqual(d.notes.map((n) => n.code), ['GPU_HOST_RENDERER', by]);
  }
  // Forced on a software adapter too (as the ladder takes a forced software webgpu).
  assert.equal(decided(input({ host: { ...HOST, adapter: { ...H200, software: true } }, forced: { id: 'webgpu', by: 'BACKEND_FORCED_ENV' } })).use, 'host');
  const wasm = decided(input({ forced: { id: 'wasm', by: 'BACKEND_FORCED_OPTION' }, local: { ...LOCAL, reason: reason('BACKEND_FORCED_OPTION', { backend: 'wasm' }) } }));
  assert.equal(wasm.use, 'local');
  assert.equal(wasm.backend.reason.code, 'BACKEND_FORCED_OPTION');
  assert.deepEqual(wasm.notes.map((n) => n.code), ['GPU_HOST_NOT_FORCED']);
  assert.throws(
    () => decideStepHost(input({ forced: { id: 'cpu', by: 'BACKEND_FORCED_ENV' } })),
    (e: unknown) => e instanceof KestrelError && e.code === 'BACKEND_UNAVAILABLE' && /trains on webgpu/.test(e.message),
  );
  // A step host on the forced backend (the wasm host of test/worker/host-step.test.ts).
  assert.equal(decided(input({ host: { ...HOST, id: 'wasm', adapter: undefined }, forced: { id: 'wasm', by: 'BACKEND_FORCED_OPTION' } })).use, 'host');
});

test('unforced, the host is not timed when this process ranks as high, or when the host is a software adapter', () => {
  const cuda: HostBackend = { ...LOCAL, id: 'tfjs-node-gpu', reason: reason('BACKEND_SELECTED', { backend: 'tfjs-node-gpu' }) };
  const d = decided(input({ local: cuda }));
  assert.deepEqual([d.use, d.backend.id, d.notes.map((n) => n.code)], ['local', 'tfjs-node-gpu', ['GPU_HOST_NOT_NEEDED']]);
  assert.equal(decided(input({ host: { ...HOST, id: 'wasm' } })).use, 'local');
  const soft = decided(input({ host: { ...HOST, adapter: { ...H200, description: 'SwiftShader', software: true } } }));
  assert.equal(soft.use, 'local');
  assert.equal(soft.backend.passedOver.find((p) => p.id === 'webgpu')?.reason.code, 'BACKEND_WEBGPU_SOFTWARE');
});

test('every reason the choice gives has an English and a Chinese sentence', () => {
  for (const code of ['GPU_HOST_NOT_NEEDED', 'GPU_HOST_NOT_FORCED', 'BACKEND_WEBGPU_ON_HOST', 'BACKEND_CHOSEN_BY_MEASUREMENT', 'BACKEND_MEASURED_SLOWER', 'BACKEND_MEASURE_FAILED']) {
    assert.ok(messages.en[code], `${code} en`);
    assert.ok(messages.zh[code], `${code} zh`);
  }
});

test('forcedBackend: the run\'s setting, else KESTREL_BACKEND', () => {
  assert.deepEqual(forcedBackend({ backend: 'wasm' }, { KESTREL_BACKEND: 'webgpu' }), { id: 'wasm', by: 'BACKEND_FORCED_OPTION' });
  assert.deepEqual(forcedBackend({}, { KESTREL_BACKEND: ' webgpu ' }), { id: 'webgpu', by: 'BACKEND_FORCED_ENV' });
  assert.equal(forcedBackend({}, {}), null);
  assert.throws(() => forcedBackend({}, { KESTREL_BACKEND: 'cuda' }), (e: unknown) => e instanceof KestrelError && e.code === 'BACKEND_UNKNOWN');
});

// A real host over a MessageChannel, on wasm in this thread, reporting the H200 as its adapter.
const wasm = await initBackend({ skipWebgpu: true });
assert.equal(wasm.id, 'wasm', 'this machine has no native backend: wasm is the CPU rung here');
assert.equal(wasm.passedOver.find((p) => p.id === 'webgpu')?.reason.code, 'BACKEND_WEBGPU_ON_HOST');
// A forced webgpu is the host's: this process still takes the best of the rest, not Dawn.
const forcedHere = await initBackend({ force: 'webgpu', skipWebgpu: true });
assert.deepEqual([forcedHere.id, forcedHere.reason.code], ['wasm', 'BACKEND_SELECTED']);
const tmp = tempDir('kestrel-host-choice-');
const { client, sent } = stepHostChannel(() => ({ backend: 'webgpu', adapter: H200, runtime: `node ${process.version}` }));
after(() => tmp.cleanup());
const stepHost: StepHost = stepHostOf(client, RENDERER_WHY);
const TINY = { scale: 'n' as const, imgsz: 64, batch: 1, warmup: 0, steps: 1 };

test("the host times the ladder's step through the protocol; the slower side is not used, and the choice is cached under the host's key", async () => {
  const r = await client.request('time', { workload: TINY });
  assert.equal(r.backend, 'wasm', 'it ran on the backend current in the host');
  assert.ok(r.imagesPerSecond > 0 && Number.isFinite(r.imagesPerSecond), `timed ${r.imagesPerSecond} img/s`);
  await assert.rejects(client.request('time', { workload: { ...TINY, steps: 0 } }), /not a workload to time/);

  const file = join(tmp.dir, 'backend-choice.json');
  const local = { ...wasm };
  let hostSpeed = 0;
  const timedHost: StepHost = { ...stepHost, timeStep: async (w) => (hostSpeed = await stepHost.timeStep(w)) };
  const localCalls: number[] = [];
  // This process "measures" a multiple of what the host just measured: slower here, then faster.
  const choose = (factor: number, f = file) =>
    chooseStepHost(timedHost, local, {
      forced: null,
      choiceFile: f,
      workload: TINY,
      measureLocal: async (id, w) => {
        assert.deepEqual(w, TINY, 'both sides time the same workload');
        assert.equal(tf.getBackend(), id, "this process's backend is timed while it is the current one");
        localCalls.push(factor);
        return { id, imagesPerSecond: hostSpeed * factor };
      },
    });
  sent.clear();
  const slowHost = await choose(4);
  assert.equal(sent.get('time'), 1);
  assert.equal(localCalls.length, 1);
  assert.equal(slowHost.use, 'local');
  assert.equal(slowHost.backend.id, 'wasm');
  assert.ok(hostSpeed > 0);
  assert.deepEqual(slowHost.backend.measured, [
    { id: 'webgpu', imagesPerSecond: hostSpeed },
    { id: 'wasm', imagesPerSecond: hostSpeed * 4 },
  ]);
  assert.match(slowHost.backend.passedOver.find((p) => p.id === 'webgpu')!.reason.message, /scale n, 64 px, batch 1/);
  const key = stepHostChoiceKey(HOST, 'wasm');
  assert.notEqual(key, choiceKey('NVIDIA H200', ['webgpu', 'wasm']), "never the in-process webgpu's key");
  const stored = await readChoices(file);
  assert.deepEqual(stored.map((c) => [c.key, c.winner]), [[key, 'wasm']]);

  // Cached: no timing on either side, the same answer with the same figures and day.
  const again = await choose(0.25);
  assert.equal(sent.get('time'), 1);
  assert.equal(localCalls.length, 1);
  assert.equal(again.use, 'local');
  assert.deepEqual(again.backend.measured, slowHost.backend.measured);
  assert.deepEqual(again.backend.reason, slowHost.backend.reason);

  // Measured afresh where this process is slower: the host trains.
  const fastHost = await choose(0.25, join(tmp.dir, 'other.json'));
  assert.equal(sent.get('time'), 2);
  assert.equal(fastHost.use, 'host');
  assert.equal(fastHost.backend.id, 'webgpu');
  assert.equal((await readChoices(join(tmp.dir, 'other.json')))[0]?.winner, 'webgpu');
  assert.equal(sent.get('init'), undefined, 'choosing makes no model on the host');
});

test('a forced webgpu uses the host without timing; a host whose timing fails is not chosen and not cached', async () => {
  const file = join(tmp.dir, 'forced.json');
  sent.clear();
  const noLocal = async (): Promise<StepTiming> => assert.fail('this process must not be timed');
  const forced = await chooseStepHost(stepHost, wasm, { forced: { id: 'webgpu', by: 'BACKEND_FORCED_ENV' }, choiceFile: file, measureLocal: noLocal });
  assert.equal(forced.use, 'host');
  assert.equal(forced.backend.reason.code, 'BACKEND_FORCED_ENV');
  assert.equal(sent.get('time'), undefined);
  assert.equal(existsSync(file), false, 'nothing cached');

  const broken: StepHost = { ...stepHost, timeStep: () => Promise.reject(new Error('the window went away')) };
  const d = await chooseStepHost(broken, wasm, { forced: null, choiceFile: file, workload: TINY, measureLocal: async (id) => ({ id, imagesPerSecond: 3 }) });
  assert.equal(d.use, 'local');
  assert.ok(d.notes.some((n) => n.code === 'BACKEND_MEASURE_FAILED' && /went away/.test(n.message)));
  assert.equal(existsSync(file), false, 'a failed timing is measured again next time');
});

test('train(): a host measured slower gets no model and the run trains here; one measured faster trains, the plan saying both figures', async () => {
  const data = await demoSet(6);
  const cache = join(tmp.dir, 'train-choice.json');
  process.env['KESTREL_BACKEND_CACHE'] = cache;
  const seed = (gpu: number, cpu: number) =>
    writeFileSync(cache, JSON.stringify([{ key: stepHostChoiceKey(HOST, 'wasm'), winner: gpu > cpu ? 'webgpu' : 'wasm', timings: measured(gpu, cpu).timings, workload: 'scale n, 256 px, batch 4', measuredAt: '2026-03-01T10:00:00.000Z' }]));
  const run = async (name: string) => {
    const events: TrainingEvent[] = [];
    sent.clear();
    const cfg = { ...tinyConfig(join(tmp.dir, name), data, { epochs: 1, overrides: { batch: 2, accumulation: 1 } }), backend: undefined };
    const res = await train(cfg, { stepHost, onEvent: (e) => events.push(e) });
    const plan = events.find((e) => e.type === 'plan')!.plan as { reasons: Array<{ code: string; message: string }>; backend: string };
    return { res, plan, sent: Object.fromEntries(sent) };
  };
  try {
    seed(1.6, 12);
    const here = await run('slow-host');
    assert.equal(here.res.status, 'completed');
    assert.equal(here.plan.backend, 'wasm');
    assert.deepEqual(here.sent, { info: 1 }, 'only asked what it runs on: no timing (cached), no model, no step');
    assert.ok(here.plan.reasons.some((r) => r.code === 'BACKEND_MEASURED_SLOWER' && /webgpu trained 1\.60 images\/s against wasm's 12\.00/.test(r.message)), JSON.stringify(here.plan.reasons.map((r) => r.code)));
    assert.ok(here.plan.reasons.some((r) => r.code === 'BACKEND_CHOSEN_BY_MEASUREMENT'));

    seed(50, 5);
    const there = await run('fast-host');
    assert.equal(there.res.status, 'completed');
    assert.equal(there.plan.backend, 'webgpu');
    assert.equal(there.sent['init'], 1);
    assert.ok((there.sent['micro'] ?? 0) + (there.sent['step'] ?? 0) > 0, 'the steps ran on the host');
    assert.equal(there.sent['time'], undefined);
    assert.deepEqual(
      there.plan.reasons.filter((r) => r.code.startsWith('BACKEND_') || r.code.startsWith('GPU_HOST_')).map((r) => r.code),
      ['GPU_HOST_RENDERER', 'BACKEND_CHOSEN_BY_MEASUREMENT', 'BACKEND_MEASURED_SLOWER'],
    );
    assert.equal(JSON.parse(readFileSync(cache, 'utf8')).length, 1, 'the cache is read, not rewritten');
  } finally {
    delete process.env['KESTREL_BACKEND_CACHE'];
  }
});
