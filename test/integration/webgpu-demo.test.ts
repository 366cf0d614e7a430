// `kestrel demo` on webgpu end to end, sized for CI's software GPU (lavapipe on two cores): ten
// generated images at 64 px, one epoch (two optimizer steps and a validation). It must train on
// webgpu, end with a completed run, finite losses and saved weights, and print none of Dawn's
// limit notices beyond the training process's own. Skipped, saying why, without a WebGPU adapter.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDawnLimitNotice } from '../../electron/engine/backend/dawn-noise';
import { probeWebgpuAdapter } from '../../electron/engine/backend/webgpu-probe';
import { useSoftwareVulkanIfUnset } from '../../electron/engine/backend/webgpu-icd';
import { TrainingEventSchema, type TrainingEvent } from '../../electron/shared/schemas/events';
import { tempDir } from '../engine/train/helpers';

const bin = fileURLToPath(new URL('../../bin/kestrel.mjs', import.meta.url));
/** The CI variant of the demo: what finishes in about a minute on a software GPU. */
export const WEBGPU_DEMO_ARGS = ['--images', '10', '--epochs', '1', '--imgsz', '64'] as const;

useSoftwareVulkanIfUnset();
let skip: string | false = false;
try {
  const a = await probeWebgpuAdapter();
  console.log(`webgpu demo on ${a.description || a.vendor} (software: ${a.software})`);
} catch (err) {
  skip = `no WebGPU adapter: ${err instanceof Error ? err.message : String(err)}`;
  console.log(`webgpu demo skipped: ${skip}`);
}

const tmp = tempDir('kestrel-webgpu-demo-');
after(() => tmp.cleanup());

test('kestrel demo trains on webgpu (software GPU) in about a minute: a completed run, finite losses, saved weights', { skip }, () => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'demo', ...WEBGPU_DEMO_ARGS, '--out', join(tmp.dir, 'runs'), '--data-dir', join(tmp.dir, 'data'), '--json-events'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, KESTREL_BACKEND: 'webgpu', KESTREL_WASM_THREADS: '1' },
  });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stderr.slice(-3000)}`);
  const events: TrainingEvent[] = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => TrainingEventSchema.parse(JSON.parse(l)));
  const start = events.find((e) => e.type === 'train-start');
  assert.ok(start && start.type === 'train-start');
  assert.equal(start.backend, 'webgpu');
  // The plan is made for the backend that trains (it once said wasm here).
  const plan = events.find((e) => e.type === 'plan');
  assert.ok(plan && plan.type === 'plan');
  assert.equal((plan.plan as { backend?: unknown }).backend, 'webgpu');
  assert.equal(start.trainImages + start.valImages, 10);
  const epochs = events.filter((e) => e.type === 'epoch-end');
  assert.equal(epochs.length, 1);
  const e = epochs[0]!;
  assert.ok(e.type === 'epoch-end' && Number.isFinite(e.trainLoss.total) && e.trainLoss.total > 0, JSON.stringify(e));
  const end = events.at(-1)!;
  assert.ok(end.type === 'train-end' && end.status === 'completed', JSON.stringify(end));
  assert.ok(existsSync(join(end.runDir, 'weights', 'best')) && existsSync(join(end.runDir, 'weights', 'last')));
  // The hardware probe asks Dawn in a child and filters its notices; the demo trains in this
  // process, whose own Dawn instance prints them once (a process cannot filter its own stderr).
  const notices = r.stderr.split('\n').filter(isDawnLimitNotice).length;
  assert.ok(notices <= 2, `Dawn's limit notices printed ${notices} times:\n${r.stderr.slice(-2000)}`);
  console.log(`kestrel demo ${WEBGPU_DEMO_ARGS.join(' ')} on webgpu: ${seconds.toFixed(1)} s wall, train loss ${e.type === 'epoch-end' ? e.trainLoss.total.toFixed(3) : '?'}, ${notices} Dawn notice lines on stderr`);
});
