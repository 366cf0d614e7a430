import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { createDetector } from '../../../electron/engine/model/detector';
import { loadDetector } from '../../../electron/engine/model/persist';
import { lrAt } from '../../../electron/engine/plan/schedule';
import { hasCheckpoint, loadModelCheckpoint, loadTrainCheckpoint, saveCheckpoint, TrainStateSchema, type TrainState } from '../../../electron/engine/runs/checkpoint';
import { ModelEma } from '../../../electron/engine/train/ema';
import { train, type StepRecord } from '../../../electron/engine/train/index';
import { createOptimizer } from '../../../electron/engine/train/optim';
import { TrainingEventSchema, type TrainingEvent } from '../../../electron/shared/schemas/events';
import { TrainingPlanSchema } from '../../../electron/shared/schemas/plan';
import { demoSet, tempDir, tinyConfig } from './helpers';

const tmp = tempDir();
after(() => tmp.cleanup());

test('a run follows lrAt at every optimizer step and writes the run folder', async () => {
  const data = await demoSet();
  const runDir = join(tmp.dir, 'sched');
  const steps: StepRecord[] = [];
  const events: TrainingEvent[] = [];
  const res = await train(tinyConfig(runDir, data, { overrides: { batch: 4, accumulation: 2, optimizer: 'sgd' } }), {
    onStep: (s) => steps.push(s),
    onEvent: (e) => events.push(e),
  });
  assert.equal(res.status, 'completed');
  const plan = TrainingPlanSchema.parse(JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')));
  assert.equal(plan.optimizer, 'sgd');
  assert.equal(steps.length, plan.totalSteps);
  assert.equal(res.steps, plan.totalSteps);
  steps.forEach((s, i) => {
    assert.equal(s.step, i);
    const want = lrAt(plan.schedule, i);
    assert.equal(s.lr, want.lr, `lr at step ${i}`);
    assert.equal(s.biasLr, want.biasLr, `bias lr at step ${i}`);
    assert.equal(s.momentum, want.momentum, `momentum at step ${i}`);
    assert.equal(s.skipped, false);
  });
  // SGD warmup moves all three during the warmup.
  assert.ok(steps[0]!.biasLr > steps[0]!.lr && steps[0]!.momentum < plan.momentum);
  // Full groups hold `accumulation` micro-batches; only an epoch's last group may be short.
  const perEpoch = plan.stepsPerEpoch;
  steps.forEach((s, i) => {
    if ((i + 1) % perEpoch !== 0) assert.equal(s.microBatches, 2);
  });

  for (const f of ['plan.json', 'config.json', 'split.json', 'metrics.csv', 'events.jsonl', 'results.json']) assert.ok(existsSync(join(runDir, f)), f);
  const rows = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 1 + plan.epochs);
  const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n');
  for (const l of lines) TrainingEventSchema.parse(JSON.parse(l));
  const types = lines.map((l) => (JSON.parse(l) as TrainingEvent).type);
  // Warnings (such as where the weights started from) may come between the plan and the start.
  const main = types.filter((t) => t !== 'warning');
  assert.deepEqual([main[0], main[1], main.at(-1)], ['plan', 'train-start', 'train-end']);
  assert.equal(types.filter((t) => t === 'epoch-end').length, plan.epochs);
  assert.ok(await hasCheckpoint(join(runDir, 'weights', 'last')));
  const best = await loadModelCheckpoint(join(runDir, 'weights', 'best'));
  assert.equal(best.meta.spec.norm, plan.norm);
  assert.deepEqual(best.meta.classNames.length, plan.modelSpec.numClasses);
  tf.dispose([...best.ema.values()]);
  // weights/best is in the detector's own format: `kestrel val --weights` and loadDetector read it.
  const loaded = await loadDetector(join(runDir, 'weights', 'best'));
  assert.equal(loaded.manifest.extra?.['ema'], true);
  loaded.detector.dispose();
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { steps: number; evaluation: { perClass: unknown[] } | null };
  assert.equal(results.steps, plan.totalSteps);
  assert.ok(results.evaluation && results.evaluation.perClass.length === plan.modelSpec.numClasses);
  assert.ok(events.some((e) => e.type === 'batch-end'));
});

test('checkpoint round trip: weights, EMA, optimizer slots and state come back exactly', async () => {
  await initBackend({ force: 'wasm' });
  const spec = { scale: 'n' as const, imgsz: 64, numClasses: 2, norm: 'batch' as const };
  const det = createDetector(spec, { seed: 5 });
  const opt = createOptimizer('adamw', det.params());
  const grads = Object.fromEntries(det.params().map((p) => [p.name, tf.onesLike(p.variable)]));
  opt.apply(grads, { lr: 0.01, momentum: 0.9, weightDecay: 0.01 });
  tf.dispose(Object.values(grads));
  const ema = new ModelEma(det.state(), { updates: 7 });
  const dir = join(tmp.dir, 'ckpt', 'last');
  const state: TrainState = TrainStateSchema.parse({
    version: 1, epoch: 3, batchInEpoch: 4, step: 17, optimizer: 'adamw', optimizerStep: opt.step, emaUpdates: 7,
    layout: { perDeviceBatch: 4, accumulation: 2 }, lrFactor: 0.5, seed: 9, best: { fitness: 0.3, epoch: 2, metrics: { map50: 0.5, map50_95: 0.28 } },
    staleEpochs: 1, epochLoss: { total: 4, box: 1, cls: 2, dfl: 1, batches: 2 }, imagesSeen: 100, elapsedMs: 1234, savedAt: new Date().toISOString(),
  });
  const optState = opt.getState();
  await saveCheckpoint(dir, { format: 'kestrel-detector', version: 1, spec, classNames: ['a', 'b'], imgsz: 64, epoch: 3, step: 17, metrics: null, savedAt: state.savedAt }, { model: det, ema: ema.shadow, raw: det.state(), optimizer: optState.slots }, state);
  const back = await loadTrainCheckpoint(dir);
  try {
    assert.deepEqual(back.state, state);
    assert.deepEqual(back.meta.spec, spec);
    for (const [n, v] of det.state()) assert.deepEqual(back.raw.get(n)!.dataSync(), v.dataSync(), n);
    for (const [n, v] of ema.shadow) assert.deepEqual(back.ema.get(n)!.dataSync(), v.dataSync(), n);
    assert.deepEqual(Object.keys(back.optimizer).sort(), Object.keys(optState.slots).sort());
    for (const [n, v] of Object.entries(optState.slots)) assert.deepEqual(back.optimizer[n]!.dataSync(), v.dataSync(), n);
    // A restored optimizer continues exactly where the saved one was.
    const det2 = createDetector(spec, { seed: 99 });
    det2.setState(back.raw);
    const opt2 = createOptimizer('adamw', det2.params());
    opt2.setState({ kind: 'adamw', step: back.state.optimizerStep, slots: back.optimizer });
    assert.equal(opt2.step, opt.step);
    opt2.dispose();
    det2.dispose();
  } finally {
    tf.dispose([...back.raw.values(), ...back.ema.values(), ...Object.values(back.optimizer), ...Object.values(optState.slots)]);
    ema.dispose();
    opt.dispose();
    det.dispose();
  }
});

test('a stop saves a checkpoint mid-epoch, ends cleanly, and resume finishes the planned steps', async () => {
  const data = await demoSet();
  const runDir = join(tmp.dir, 'stop');
  const stop = new AbortController();
  const first: StepRecord[] = [];
  const events: TrainingEvent[] = [];
  const cfg = tinyConfig(runDir, data, { epochs: 2 });
  const res = await train(cfg, {
    signal: stop.signal,
    onStep: (s) => {
      first.push(s);
      if (s.step === 0) stop.abort();
    },
    onEvent: (e) => events.push(e),
  });
  assert.equal(res.status, 'stopped');
  assert.equal(first.length, 1);
  const end = events.at(-1)!;
  assert.equal(end.type, 'train-end');
  assert.equal(end.type === 'train-end' && end.status, 'stopped');
  assert.ok(events.some((e) => e.type === 'checkpoint-saved' && e.kind === 'last'));
  const saved = JSON.parse(readFileSync(join(runDir, 'weights', 'last', 'train-state.json'), 'utf8')) as TrainState;
  assert.equal(saved.epoch, 0);
  assert.equal(saved.step, 1);
  assert.equal(saved.batchInEpoch, 2, 'stopped after the first accumulation group of 2 micro-batches');

  const second: StepRecord[] = [];
  const resumed = await train({ ...cfg, resume: true }, { onStep: (s) => second.push(s) });
  assert.equal(resumed.status, 'completed');
  const plan = resumed.plan;
  assert.equal(second[0]!.step, 1, 'the schedule continues where it stopped');
  assert.equal(first.length + second.length, plan.totalSteps);
  assert.equal(resumed.steps, plan.totalSteps);
});
