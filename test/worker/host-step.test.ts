// Training through a training-step host (the app's hidden WebGPU renderer) gives the run the
// in-process step gives. The host (electron/gpu-host/host.ts) serves over a real MessageChannel
// (Node's worker_threads: the structured clone a browser's MessagePort uses) on wasm, in this
// thread; train() sends it micro-batches and updates through createStepClient and reads weights
// back for validation and checkpoints. Both runs accumulate two micro-batches per update, stop
// after their first update and resume from the checkpoint, and skip a NaN update: every loss,
// gradient norm, skip, validation and saved weight must match. (A host's out-of-memory error is
// mapped in test/gpu-host/host.test.ts; the in-process recovery from it is the same code.) The
// Electron wiring around it (main's port through the utilityProcess) needs the Electron binary
// and is not run here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/engine/backend/index';
import { loadTrainCheckpoint } from '../../electron/engine/runs/checkpoint';
import { train, type StepRecord, type TrainOptions } from '../../electron/engine/train/index';
import { stepHostOf } from '../../electron/worker/host-step';
import type { TrainingEvent } from '../../electron/shared/schemas/events';
import { demoSet, tempDir, tinyConfig } from '../engine/train/helpers';
import { stepHostChannel } from '../helpers/step-host-channel';

// The plan does not need a WebGPU adapter here (its probe loads Dawn in a child: seconds).
process.env['KESTREL_PROBE_WEBGPU'] = '0';
await initBackend({ force: 'wasm' });

const tmp = tempDir('kestrel-host-step-');
const { client, sent } = stepHostChannel(() => ({ backend: tf.getBackend(), adapter: null, runtime: `node ${process.version}` }));
after(() => tmp.cleanup());

interface Trace {
  steps: StepRecord[];
  events: TrainingEvent[];
}

/** One epoch of 10 images at batch 2 x 2 (3 updates, the last of one micro-batch): stops after the first, resumes; a NaN at step 1. */
async function stopAndResume(runDir: string, extra: Pick<TrainOptions, 'stepHost'>): Promise<Trace> {
  const data = await demoSet(12);
  const cfg = tinyConfig(runDir, data, { epochs: 1, overrides: { batch: 2, accumulation: 2 }, faults: { nanAtSteps: [1] } });
  const trace: Trace = { steps: [], events: [] };
  const stop = new AbortController();
  const first = await train(cfg, {
    ...extra,
    signal: stop.signal,
    onStep: (s) => {
      trace.steps.push(s);
      if (s.step === 0) stop.abort();
    },
    onEvent: (e) => trace.events.push(e),
  });
  assert.equal(first.status, 'stopped');
  const second = await train({ ...cfg, resume: true }, { ...extra, onStep: (s) => trace.steps.push(s), onEvent: (e) => trace.events.push(e) });
  assert.equal(second.status, 'completed');
  return trace;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

test('a run trained through the step host matches the in-process run: losses, updates, a NaN skip, validation, checkpoint and resume', async () => {
  const t0 = performance.now();
  const here = await stopAndResume(join(tmp.dir, 'here'), {});
  const t1 = performance.now();
  const there = await stopAndResume(join(tmp.dir, 'host'), { stepHost: stepHostOf(client, null) });
  console.log(`in-process ${((t1 - t0) / 1000).toFixed(1)} s, through the host ${((performance.now() - t1) / 1000).toFixed(1)} s; requests ${JSON.stringify(Object.fromEntries(sent))}`);

  // The host did the training: every micro-batch and update went there.
  const micro = there.events.filter((e) => e.type === 'batch-end').length;
  assert.equal(sent.get('init'), 2, 'one model per session: the first, and the resumed one from its checkpoint');
  assert.equal(sent.get('micro'), micro);
  assert.equal(sent.get('update'), there.steps.length);
  assert.equal(sent.get('state'), 2, 'weights read back once at the stop, once at the epoch end (validation, best, last)');

  // The same updates: schedule, skips, gradient norms.
  assert.equal(there.steps.length, here.steps.length);
  assert.ok(here.steps.some((s) => s.skipped), 'the NaN step was skipped');
  let worst = 0;
  here.steps.forEach((h, i) => {
    const t = there.steps[i]!;
    assert.deepEqual([t.step, t.epoch, t.lr, t.skipped, t.microBatches, t.images], [h.step, h.epoch, h.lr, h.skipped, h.microBatches, h.images], `step ${i}`);
    if (!h.skipped) worst = Math.max(worst, rel(t.gradNorm, h.gradNorm));
  });
  // The same losses, micro-batch by micro-batch.
  const losses = (tr: Trace) => tr.events.flatMap((e) => (e.type === 'batch-end' ? [e.loss.total] : []));
  const [lh, lt] = [losses(here), losses(there)];
  assert.equal(lt.length, lh.length);
  lh.forEach((l, i) => (worst = Math.max(worst, rel(lt[i]!, l))));
  console.log(`largest relative difference of a loss or gradient norm: ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-5, `losses or gradient norms differ by ${worst}`);

  assert.deepEqual(here.steps.map((s) => s.microBatches), [2, 2, 1]);
  // Validation of the same EMA weights.
  const maps = (tr: Trace) => tr.events.flatMap((e) => (e.type === 'epoch-end' ? [e.metrics?.map50_95 ?? -1] : []));
  assert.equal(maps(there).length, 1);
  maps(here).forEach((m, i) => assert.ok(Math.abs(maps(there)[i]! - m) <= 1e-4, `epoch ${i} mAP50-95 ${maps(there)[i]} vs ${m}`));

  // The same last checkpoint: raw weights, EMA, optimizer slots and loop state.
  const [a, b] = await Promise.all([loadTrainCheckpoint(join(tmp.dir, 'here', 'weights', 'last')), loadTrainCheckpoint(join(tmp.dir, 'host', 'weights', 'last'))]);
  try {
    const { savedAt: _x, elapsedMs: _y, ...sa } = a.state;
    const { savedAt: _z, elapsedMs: _w, ...sb } = b.state;
    assert.deepEqual(sb, sa);
    let wdiff = 0;
    const compare = (x: Map<string, tf.Tensor> | Record<string, tf.Tensor>, y: Map<string, tf.Tensor> | Record<string, tf.Tensor>) => {
      const ex = x instanceof Map ? [...x] : Object.entries(x);
      const my = y instanceof Map ? y : new Map(Object.entries(y));
      assert.equal(my.size, ex.length);
      for (const [n, t] of ex) {
        const u = my.get(n);
        assert.ok(u, n);
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(t, u))).dataSync()[0]!);
        const s = tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
        wdiff = Math.max(wdiff, d / Math.max(s, 1e-6));
      }
    };
    compare(a.raw, b.raw);
    compare(a.ema, b.ema);
    compare(a.optimizer, b.optimizer);
    console.log(`largest relative difference of a saved weight: ${wdiff.toExponential(2)}`);
    assert.ok(wdiff <= 1e-4, `saved weights differ by ${wdiff}`);
  } finally {
    for (const c of [a, b]) tf.dispose([...c.raw.values(), ...c.ema.values(), ...Object.values(c.optimizer)]);
  }
  const start = there.events.find((e) => e.type === 'train-start');
  assert.ok(start && start.type === 'train-start' && start.backend === 'wasm', 'train-start names the host backend');
  assert.equal(readFileSync(join(tmp.dir, 'host', 'metrics.csv'), 'utf8').trim().split('\n').length, 2);
});
