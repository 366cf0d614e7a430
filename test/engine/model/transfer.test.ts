// Weight transfer for fine-tuning: copy by name and shape, class-head rows matched by class name,
// new classes fresh (with the prior bias), removed ones dropped, EMA shadow filled, report exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../electron/engine/backend/index';
import { clsBiasPrior, resolveArchitecture } from '../../../electron/engine/model/arch';
import { createDetector, type Detector } from '../../../electron/engine/model/detector';
import {
  classHeadConvs,
  fineTuneStart,
  freshState,
  matchClasses,
  readState,
  stateShapes,
  transferIntoDetector,
  transferReasons,
  transferWeights,
  type ParentWeights,
} from '../../../electron/engine/model/transfer';
import { formatReason } from '../../../electron/shared/reason';
import { TransferReportSchema } from '../../../electron/shared/schemas/finetune';
import type { ModelSpec } from '../../../electron/shared/schemas/model';

const IMGSZ = 64;
const spec = (numClasses: number, norm: ModelSpec['norm'] = 'batch', imgsz = IMGSZ): ModelSpec => ({ scale: 'n', imgsz, numClasses, norm });
const PARENT_CLASSES = ['scratch', 'dent', 'stain'];

/** A parent with non-trivial values everywhere (running statistics too), as plain arrays. */
function parentWeights(s: ModelSpec = spec(3), names: string[] = PARENT_CLASSES): ParentWeights {
  const tensors = freshState(s, 11);
  // Make the running statistics and norm parameters distinguishable from any fresh init.
  for (const [name, t] of tensors) {
    if (/running_|gamma|beta/.test(name)) t.values = t.values.map((_v, i) => 0.5 + ((i * 7 + name.length) % 13) / 10);
  }
  return { tensors, classNames: names, spec: s };
}

/** A batch of two 64 px images with some structure. */
function images(): tf.Tensor4D {
  const data = new Float32Array(2 * IMGSZ * IMGSZ * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
  return tf.tensor4d(data, [2, IMGSZ, IMGSZ, 3]);
}

async function forward(det: Detector): Promise<{ box: Float32Array; cls: Float32Array; anchors: number; nc: number }> {
  const x = images();
  const out = det.forward(x, false);
  const res = { box: (await out.box.data()) as Float32Array, cls: (await out.cls.data()) as Float32Array, anchors: out.cls.shape[1], nc: out.cls.shape[2] };
  tf.dispose([x, out.box, out.cls]);
  return res;
}

async function detectorFrom(p: ParentWeights): Promise<Detector> {
  const det = createDetector(p.spec, { seed: 99 });
  det.setState(new Map([...p.tensors].map(([n, t]) => [n, tf.tensor(t.values, t.shape)])));
  return det;
}

test('stateShapes and freshState match the built detector exactly', async () => {
  await initBackend({ force: 'wasm' });
  for (const norm of ['batch', 'group'] as const) {
    const s = spec(3, norm);
    const det = createDetector(s, { seed: 5 });
    const shapes = stateShapes(resolveArchitecture(s));
    assert.deepEqual([...shapes.keys()], [...det.state().keys()]);
    for (const [n, v] of det.state()) assert.deepEqual(shapes.get(n), v.shape, n);
    const fresh = freshState(s, 5);
    const read = await readState(det);
    for (const [n, v] of read) assert.deepEqual(fresh.get(n)?.values, v.values, n);
    det.dispose();
  }
  assert.deepEqual(classHeadConvs(resolveArchitecture(spec(3))), ['m22.cls0.2', 'm22.cls1.2', 'm22.cls2.2']);
});

test('matchClasses lines classes up by name', () => {
  assert.deepEqual(matchClasses(['a', 'b', 'c'], ['c', 'x', 'a']), { classMap: [2, -1, 0], keptClasses: ['c', 'a'], newClasses: ['x'], removedClasses: ['b'] });
  assert.deepEqual(matchClasses(['a'], ['b']), { classMap: [-1], keptClasses: [], newClasses: ['b'], removedClasses: ['a'] });
});

test('3 classes reordered, one new, one removed: rows copied by name, the new row fresh with its prior', () => {
  const parent = parentWeights();
  const childSpec = spec(3);
  const child = freshState(childSpec, 4);
  // Child: stain (parent row 2), crack (new), scratch (parent row 0); dent is removed.
  const { values, report } = transferWeights(parent, { spec: childSpec, state: child }, ['stain', 'crack', 'scratch']);
  TransferReportSchema.parse(report);
  assert.deepEqual(report.classMap, [2, -1, 0]);
  assert.deepEqual(report.keptClasses, ['stain', 'scratch']);
  assert.deepEqual(report.newClasses, ['crack']);
  assert.deepEqual(report.removedClasses, ['dent']);
  assert.deepEqual(report.reshapedByClass, ['m22.cls0.2.filter', 'm22.cls0.2.bias', 'm22.cls1.2.filter', 'm22.cls1.2.bias', 'm22.cls2.2.filter', 'm22.cls2.2.bias']);
  assert.deepEqual(report.fresh, []);
  assert.deepEqual(report.dropped, []);
  assert.equal(report.copied, child.size - 6);

  // A backbone filter and a running mean are the parent's, bit for bit.
  assert.deepEqual(values.get('m0.filter')!.values, parent.tensors.get('m0.filter')!.values);
  assert.deepEqual(values.get('m4.cv1.running_var')!.values, parent.tensors.get('m4.cv1.running_var')!.values);
  assert.notDeepEqual(values.get('m0.filter')!.values, child.get('m0.filter')!.values);

  // Class head of level 1: filter [1, 1, c3, 3], rows by name.
  const pf = parent.tensors.get('m22.cls1.2.filter')!;
  const cf = values.get('m22.cls1.2.filter')!;
  const fresh = child.get('m22.cls1.2.filter')!;
  const c3 = cf.shape[2]!;
  for (let ci = 0; ci < c3; ci++) {
    assert.equal(cf.values[ci * 3 + 0], pf.values[ci * 3 + 2]); // stain
    assert.equal(cf.values[ci * 3 + 1], fresh.values[ci * 3 + 1]); // crack: fresh
    assert.equal(cf.values[ci * 3 + 2], pf.values[ci * 3 + 0]); // scratch
  }
  // Biases: kept rows copied, the new row keeps the YOLO class prior for 3 classes at stride 16.
  const pb = parent.tensors.get('m22.cls1.2.bias')!.values;
  const cb = values.get('m22.cls1.2.bias')!.values;
  assert.equal(cb[0], pb[2]);
  assert.equal(cb[2], pb[0]);
  assert.equal(cb[1], Math.fround(clsBiasPrior(3, 16, IMGSZ)));
  // The inputs were not changed.
  assert.notEqual(values.get('m0.filter')!.values, parent.tensors.get('m0.filter')!.values);
  // Copied values: everything but the fresh class row of each level.
  const freshRowValues = [0, 1, 2].reduce((a, l) => a + values.get(`m22.cls${l}.2.filter`)!.shape[2]! + 1, 0);
  assert.equal(report.copiedValues, report.totalValues - freshRowValues);

  const rs = transferReasons(report, 'neu-half', 'best');
  assert.deepEqual(rs.map((r) => r.code), ['FINETUNE_TRANSFERRED', 'FINETUNE_NEW_CLASSES', 'FINETUNE_REMOVED_CLASSES']);
  assert.match(rs[1]!.message, /crack/);
  assert.match(formatReason(rs[2]!, 'zh'), /dent/);
});

test('2 parent classes into 3 at another input size: the backbone copies whole, the new class gets the child\'s prior', () => {
  const parent = parentWeights(spec(2, 'batch', 128), ['dent', 'scratch']);
  const childSpec = spec(3, 'batch', 64);
  const { values, report } = transferWeights(parent, { spec: childSpec, state: freshState(childSpec, 1) }, ['scratch', 'dent', 'hole']);
  assert.deepEqual(report.classMap, [1, 0, -1]);
  assert.deepEqual(report.skipped, []);
  // Input size does not change any weight shape: the backbone copies whole.
  assert.deepEqual(values.get('m9.cv2.filter')!.values, parent.tensors.get('m9.cv2.filter')!.values);
  // The new class's prior is the child's (64 px), not the parent's.
  assert.equal(values.get('m22.cls0.2.bias')!.values[2], Math.fround(clsBiasPrior(3, 8, 64)));
});

test('BatchNorm parent into a GroupNorm child: statistics dropped; GroupNorm parent into BatchNorm: statistics fresh', () => {
  const bn = parentWeights(spec(3, 'batch'));
  const gnSpec = spec(3, 'group');
  const a = transferWeights(bn, { spec: gnSpec, state: freshState(gnSpec, 0) }, PARENT_CLASSES);
  assert.ok(a.report.dropped.length > 0 && a.report.dropped.every((n) => /running_(mean|var)$/.test(n)));
  assert.deepEqual(a.report.fresh, []);
  assert.deepEqual(a.report.reshapedByClass, []);

  const gn = parentWeights(gnSpec);
  const bnSpec = spec(3, 'batch');
  const b = transferWeights(gn, { spec: bnSpec, state: freshState(bnSpec, 0) }, PARENT_CLASSES);
  assert.equal(b.report.fresh.length, a.report.dropped.length);
  assert.ok(b.report.fresh.every((n) => /running_(mean|var)$/.test(n)));
  assert.deepEqual(b.values.get('m0.running_var')!.values, new Float32Array(16).fill(1));
  assert.deepEqual(b.values.get('m0.gamma')!.values, gn.tensors.get('m0.gamma')!.values);
  assert.deepEqual(transferReasons(b.report, 'p', 'last').map((r) => r.code), ['FINETUNE_TRANSFERRED', 'FINETUNE_TENSORS_FRESH']);
});

test('a tensor with another shape is skipped with its reason; no shared class is said', () => {
  const parent = parentWeights();
  const odd = parent.tensors.get('m1.filter')!;
  parent.tensors.set('m1.filter', { shape: [1, 1, 1, odd.values.length], values: odd.values });
  const s = spec(2);
  const { values, report } = transferWeights(parent, { spec: s, state: freshState(s, 0) }, ['x', 'y']);
  assert.deepEqual(report.skipped.map((k) => k.name), ['m1.filter']);
  assert.match(report.skipped[0]!.reason, /\[1, 1, 1, \d+\] differs from the new network's \[3, 3, 16, 32\]/);
  assert.ok(report.fresh.includes('m1.filter'));
  assert.deepEqual(values.get('m1.filter')!.values, freshState(s, 0).get('m1.filter')!.values);
  assert.deepEqual(report.keptClasses, []);
  assert.ok(transferReasons(report, 'p', 'best').some((r) => r.code === 'FINETUNE_NO_SHARED_CLASSES'));
  assert.throws(() => transferWeights(parent, { spec: s, state: freshState(s, 0) }, ['x']), /1 class names for a 2-class network/);
});

test('same class list: the child detector and its EMA give exactly the parent\'s output; reordered: columns permuted', async () => {
  await initBackend({ force: 'wasm' });
  const parent = parentWeights();
  const parentDet = await detectorFrom(parent);
  const want = await forward(parentDet);

  const child = createDetector(spec(3), { seed: 7 });
  const emaShadow = new Map([...child.state()].map(([n, v]) => [n, tf.variable(tf.zerosLike(v), false)]));
  const before = tf.memory().numTensors;
  const report = await transferIntoDetector(parent, child, PARENT_CLASSES, emaShadow);
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  assert.equal(report.copied, child.state().size);
  assert.deepEqual(report.reshapedByClass, []);
  const got = await forward(child);
  assert.deepEqual(got.box, want.box);
  assert.deepEqual(got.cls, want.cls);
  // The EMA shadow holds the parent's weights too.
  const emaDet = createDetector(spec(3), { seed: 8 });
  emaDet.setState(emaShadow);
  const fromEma = await forward(emaDet);
  assert.deepEqual(fromEma.cls, want.cls);

  // Reordered and shrunk: [dent, scratch] -> child columns are the parent's columns 1 and 0.
  const small = createDetector(spec(2), { seed: 9 });
  const r2 = await transferIntoDetector(parent, small, ['dent', 'scratch']);
  assert.deepEqual(r2.removedClasses, ['stain']);
  const out2 = await forward(small);
  assert.deepEqual(out2.box, want.box);
  for (let a = 0; a < want.anchors; a += 7) {
    assert.ok(Math.abs(out2.cls[a * 2 + 0]! - want.cls[a * 3 + 1]!) < 1e-5, `anchor ${a} dent`);
    assert.ok(Math.abs(out2.cls[a * 2 + 1]! - want.cls[a * 3 + 0]!) < 1e-5, `anchor ${a} scratch`);
  }
  for (const d of [parentDet, child, emaDet, small]) d.dispose();
  tf.dispose([...emaShadow.values()]);
});

test('fineTuneStart gives the session its raw and EMA tensors: separate copies of the transferred state', async () => {
  await initBackend({ force: 'wasm' });
  const parent = parentWeights();
  const before = tf.memory().numTensors;
  const start = fineTuneStart(parent, spec(2, 'batch', 128), ['dent', 'new'], 3);
  const shapes = stateShapes(resolveArchitecture(spec(2, 'batch', 128)));
  assert.deepEqual([...start.raw.keys()], [...shapes.keys()]);
  assert.deepEqual(start.report.classMap, [1, -1]);
  assert.notEqual(start.raw.get('m0.filter'), start.ema.get('m0.filter'));
  assert.deepEqual(await start.raw.get('m0.filter')!.data(), parent.tensors.get('m0.filter')!.values);
  assert.deepEqual(await start.ema.get('m22.cls2.2.bias')!.data(), new Float32Array([parent.tensors.get('m22.cls2.2.bias')!.values[1]!, Math.fround(clsBiasPrior(2, 32, 128))]));
  // A session applies them like a checkpoint's: setState on a detector built with the same seed.
  const det = createDetector(spec(2, 'batch', 128), { seed: 3 });
  det.setState(start.raw);
  assert.deepEqual(await det.state().get('m4.cv2.running_mean')!.data(), parent.tensors.get('m4.cv2.running_mean')!.values);
  det.dispose();
  tf.dispose([...start.raw.values(), ...start.ema.values()]);
  assert.equal(tf.memory().numTensors, before);
});
