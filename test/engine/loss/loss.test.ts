import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import '../../../electron/engine/tf-gradients';
import { anchorsFor } from '../../../electron/engine/eval/decode';
import { assignBatch, assignBatchAsync, assignTargets, ciou, computeLoss, smoothForeground, writeTwoHot, type LossTargets } from '../../../electron/engine/loss/index';
import { createRng } from '../../../electron/engine/data/rng';
import { countSyncReads } from '../../helpers/sync-reads';

const IMGSZ = 64;
const NC = 3;
const R = 16;
const anchors = anchorsFor(IMGSZ, [8, 16, 32]);
const A = anchors.strides.length; // 64 + 16 + 4 = 84

function randomRaw(seed: number, b: number): { box: Float32Array; cls: Float32Array } {
  const rng = createRng(seed);
  return {
    box: Float32Array.from({ length: b * A * 4 * R }, () => rng.uniform(-2, 2)),
    cls: Float32Array.from({ length: b * A * NC }, () => rng.uniform(-4, 1)),
  };
}

const targets: LossTargets = {
  size: 2,
  batchIndex: new Int32Array([0, 0, 1]),
  cls: new Int32Array([2, 0, 1]),
  boxes: new Float32Array([4, 6, 30, 40, 20, 20, 60, 50, 10, 10, 50, 60]),
};

/** The loss written independently in plain TS from the same assignment, as the reference. */
function referenceLoss(raw: { box: Float32Array; cls: Float32Array }, t: LossTargets) {
  const b = t.size;
  const softmax = (o: number) => {
    const m = Math.max(...raw.box.slice(o, o + R));
    const e = Array.from({ length: R }, (_, i) => Math.exp(raw.box[o + i]! - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  };
  const predPx = new Float32Array(b * A * 4);
  const predGrid = new Float32Array(b * A * 4);
  const logp: number[][] = [];
  for (let i = 0; i < b * A; i++) {
    const k = i % A;
    const s = anchors.strides[k]!;
    for (let side = 0; side < 4; side++) {
      const p = softmax((i * 4 + side) * R);
      logp.push(p.map(Math.log));
      const d = p.reduce((acc, v, j) => acc + v * j, 0);
      const sign = side < 2 ? -1 : 1;
      const centre = anchors.points[2 * k + (side % 2)]!;
      predGrid[4 * i + side] = centre / s + sign * d;
      predPx[4 * i + side] = centre + sign * d * s;
    }
  }
  const asg = assignTargets({
    batchSize: b, numAnchors: A, numClasses: NC,
    predScores: raw.cls.map((x) => 1 / (1 + Math.exp(-x))), predBoxes: predPx,
    anchorPoints: anchors.points, gtBatchIndex: t.batchIndex, gtClasses: t.cls, gtBoxes: t.boxes,
  });
  const norm = Math.max(asg.scoreSum, 1);
  let cls = 0;
  for (let i = 0; i < raw.cls.length; i++) {
    const x = raw.cls[i]!;
    const y = asg.targetScores[i]!;
    cls += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  }
  let box = 0;
  let dfl = 0;
  for (let i = 0; i < b * A; i++) {
    if (!asg.fg[i]) continue;
    const s = anchors.strides[i % A]!;
    let w = 0;
    for (let c = 0; c < NC; c++) w += asg.targetScores[i * NC + c]!;
    const tb = [0, 1, 2, 3].map((c) => asg.targetBoxes[4 * i + c]! / s) as [number, number, number, number];
    const pb = [0, 1, 2, 3].map((c) => predGrid[4 * i + c]!) as [number, number, number, number];
    box += (1 - ciou(...pb, ...tb).ciou) * w;
    const ax = anchors.points[2 * (i % A)]! / s;
    const ay = anchors.points[2 * (i % A) + 1]! / s;
    const sides = [ax - tb[0], ay - tb[1], tb[2] - ax, tb[3] - ay];
    let d = 0;
    for (let side = 0; side < 4; side++) {
      const th = new Float32Array(R);
      writeTwoHot(th, 0, sides[side]!, R);
      const lp = logp[i * 4 + side]!;
      for (let j = 0; j < R; j++) d -= th[j]! * lp[j]!;
    }
    dfl += (d / 4) * w;
  }
  return { box: (7.5 * box) / norm, cls: (0.5 * cls) / norm, dfl: (1.5 * dfl) / norm, positives: asg.positives };
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`computeLoss matches the plain reference and has finite, non-zero gradients (${backend})`, async () => {
    await initBackend({ force: backend });
    const raw = randomRaw(7, 2);
    const ref = referenceLoss(raw, targets);
    assert.ok(ref.positives > 0);
    const box = tf.tensor3d(raw.box, [2, A, 4 * R]);
    const cls = tf.tensor3d(raw.cls, [2, A, NC]);
    const before = tf.memory().numTensors;
    const parts = computeLoss({ box, cls }, targets, anchors);
    const [t, b, c, d] = [parts.total, parts.box, parts.cls, parts.dfl].map((x) => x.dataSync()[0]!) as [number, number, number, number];
    tf.dispose([parts.total, parts.box, parts.cls, parts.dfl]);
    assert.equal(tf.memory().numTensors, before, 'computeLoss leaks tensors');
    const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1e-6, Math.abs(y));
    assert.ok(rel(b, ref.box) < 1e-4, `box ${b} vs ${ref.box}`);
    assert.ok(rel(c, ref.cls) < 1e-4, `cls ${c} vs ${ref.cls}`);
    assert.ok(rel(d, ref.dfl) < 1e-4, `dfl ${d} vs ${ref.dfl}`);
    // total = (box + cls + dfl) x batch size, as Ultralytics.
    assert.ok(rel(t, 2 * (b + c + d)) < 1e-5);
    assert.equal(parts.positives, ref.positives);

    const grads = tf.grads((bx: tf.Tensor, cl: tf.Tensor) => {
      const l = computeLoss({ box: bx as tf.Tensor3D, cls: cl as tf.Tensor3D }, targets, anchors);
      tf.dispose([l.box, l.cls, l.dfl]);
      return l.total;
    })([box, cls]);
    for (const g of grads) {
      const v = g.dataSync();
      assert.ok(v.every(Number.isFinite), 'non-finite gradient');
      assert.ok(v.some((x) => x !== 0), 'all-zero gradient');
    }
    tf.dispose([...grads, box, cls]);
  });

  test(`images without boxes: only the class loss, against all-zero targets (${backend})`, async () => {
    await initBackend({ force: backend });
    const empty: LossTargets = { size: 2, batchIndex: new Int32Array(0), cls: new Int32Array(0), boxes: new Float32Array(0) };
    const box = tf.zeros([2, A, 4 * R]) as tf.Tensor3D;
    const cls = tf.zeros([2, A, NC]) as tf.Tensor3D;
    const l = computeLoss({ box, cls }, empty, anchors);
    // BCE(0, 0) = log 2 per entry: 0.5 x 2 x 84 x 3 x 0.693147 / max(0, 1) = 174.673.
    assert.ok(Math.abs(l.cls.dataSync()[0]! - 0.5 * 2 * A * NC * Math.log(2)) < 1e-2);
    assert.equal(l.box.dataSync()[0], 0);
    assert.equal(l.dfl.dataSync()[0], 0);
    assert.equal(l.positives, 0);
    assert.equal(l.normaliser, 1);
    tf.dispose([l.total, l.box, l.cls, l.dfl, box, cls]);
  });
}

test('label smoothing leaves background anchors at 0 and spreads eps over the other classes of foreground ones', async () => {
  await initBackend({ force: 'cpu' });
  const empty: LossTargets = { size: 1, batchIndex: new Int32Array(0), cls: new Int32Array(0), boxes: new Float32Array(0) };
  const box = tf.zeros([1, A, 4 * R]) as tf.Tensor3D;
  const cls = tf.fill([1, A, NC], 2) as tf.Tensor3D;
  const l = computeLoss({ box, cls }, empty, anchors, { labelSmoothing: 0.1 });
  // No boxes: every anchor is background, its targets stay 0, so smoothing changes nothing:
  // BCE(2, 0) = softplus(2) = 2.126928 per anchor and class; x A x NC x gain 0.5.
  assert.ok(Math.abs(l.cls.dataSync()[0]! - 0.5 * A * NC * Math.log1p(Math.exp(2))) < 1e-2);
  tf.dispose([l.total, l.box, l.cls, l.dfl, box, cls]);
  // A foreground anchor with target 0.8 for class 1 of 3: 0.8 x 0.9 = 0.72 for it, 0.8 x 0.1 / 2 = 0.04 for the others.
  const t = smoothForeground(new Float32Array([0, 0.8, 0, 0, 0, 0]), 3, 0.1);
  assert.deepEqual(Array.from(t).map((v) => Math.round(v * 1e6) / 1e6), [0.04, 0.72, 0.04, 0, 0, 0]);
});

test('assignBatchAsync gives assignBatch\'s assignment, and computeLoss with it the same loss and gradients, reading nothing', async () => {
  await initBackend({ force: 'cpu' });
  const raw = randomRaw(11, 2);
  const box = tf.tensor3d(raw.box, [2, A, 4 * R]);
  const cls = tf.tensor3d(raw.cls, [2, A, NC]);
  try {
    const before = tf.memory().numTensors;
    const sync = assignBatch({ box, cls }, targets, anchors);
    const asg = await assignBatchAsync({ box, cls }, targets, anchors);
    assert.equal(tf.memory().numTensors, before, 'the assignment leaks tensors');
    assert.ok(asg.positives > 0);
    assert.deepEqual(asg, sync);

    // Loss and gradients, counting the synchronous reads made while computing them.
    const lossAndGrads = (given?: typeof asg): { values: Float32Array[]; reads: number } => {
      const { value: out, reads } = countSyncReads(() => {
        const { value, grads } = tf.valueAndGrads((bx: tf.Tensor, cl: tf.Tensor) => {
          const l = computeLoss({ box: bx as tf.Tensor3D, cls: cl as tf.Tensor3D }, targets, anchors, {}, given);
          tf.dispose([l.box, l.cls, l.dfl]);
          return l.total;
        })([box, cls]);
        return [value, ...grads];
      });
      const values = out.map((t) => Float32Array.from(t.dataSync()));
      tf.dispose(out);
      return { values, reads };
    };
    const inline = lossAndGrads();
    const given = lossAndGrads(asg);
    assert.ok(inline.reads > 0, 'the inline assignment should read the predictions');
    // With the assignment given, nothing is read from the device (dataSync throws on webgpu).
    assert.equal(given.reads, 0);
    for (let i = 0; i < inline.values.length; i++) assert.deepEqual(given.values[i], inline.values[i], `output ${i}`);

    const one = { box: tf.slice(box, [0, 0, 0], [1, -1, -1]), cls: tf.slice(cls, [0, 0, 0], [1, -1, -1]) };
    const wrong = assignBatch(one, { size: 1, batchIndex: new Int32Array([0]), cls: new Int32Array([2]), boxes: new Float32Array([4, 6, 30, 40]) }, anchors);
    tf.dispose([one.box, one.cls]);
    assert.throws(() => computeLoss({ box, cls }, targets, anchors, {}, wrong), /assignment covers 84 anchors/);
    assert.throws(() => assignBatch({ box, cls }, { ...targets, size: 3 }, anchors), /2 predictions but a batch of 3/);
  } finally {
    tf.dispose([box, cls]);
  }
});
