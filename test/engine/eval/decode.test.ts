import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  anchorsFor,
  decodePredictions,
  decodePredictionsAsync,
  undoLetterbox,
  EVAL_DECODE_OPTIONS,
  DISPLAY_DECODE_OPTIONS,
  type Anchors,
  type RawHeadOutput,
} from '../../../electron/engine/eval/decode';
import { nmsClassAware } from '../../../electron/engine/eval/nms';

const BINS = 16;
const close = (a: number, b: number, eps = 1e-4): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

before(async () => {
  await tf.setBackend('cpu');
});

/**
 * A hand-made head output for `b` images on a 64 px input (84 anchors): every class logit
 * -10 (sigmoid 4.5e-5, below any threshold) and every box bin 0, until `set` fills some in.
 */
function scene(b: number, nc: number): { box: Float32Array; cls: Float32Array; anchors: Anchors; a: number } {
  const anchors = anchorsFor(64);
  const a = anchors.strides.length;
  return { box: new Float32Array(b * a * 4 * BINS), cls: new Float32Array(b * a * nc).fill(-10), anchors, a };
}

/** Box logits of one anchor: a peak of 30 on each side's bin (softmax ~ one-hot at that bin). */
function setSides(s: ReturnType<typeof scene>, img: number, anchor: number, sides: [number, number, number, number]): void {
  const base = (img * s.a + anchor) * 4 * BINS;
  for (let side = 0; side < 4; side++) {
    for (let k = 0; k < BINS; k++) s.box[base + side * BINS + k] = k === sides[side] ? 30 : 0;
  }
}

function setLogit(s: ReturnType<typeof scene>, nc: number, img: number, anchor: number, cls: number, logit: number): void {
  s.cls[(img * s.a + anchor) * nc + cls] = logit;
}

/** One predicted box: its sides' bins at an anchor of an image, and the logits of the classes given (class -> logit). */
function place(s: ReturnType<typeof scene>, nc: number, img: number, anchor: number, sides: [number, number, number, number], logits: Record<number, number>): void {
  setSides(s, img, anchor, sides);
  for (const [cls, logit] of Object.entries(logits)) setLogit(s, nc, img, anchor, Number(cls), logit);
}

function raw(s: ReturnType<typeof scene>, b: number, nc: number): RawHeadOutput {
  return { box: tf.tensor3d(s.box, [b, s.a, 4 * BINS]), cls: tf.tensor3d(s.cls, [b, s.a, nc]) };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

test('anchorsFor: P3, P4, P5 centres row-major with their strides', () => {
  const an = anchorsFor(64);
  // 8x8 + 4x4 + 2x2
  assert.equal(an.strides.length, 84);
  assert.deepEqual([an.points[0], an.points[1], an.strides[0]], [4, 4, 8]);
  // anchor 9: stride 8, row 1, col 1
  assert.deepEqual([an.points[18], an.points[19]], [12, 12]);
  // first P4 anchor, then the last P5 anchor
  assert.deepEqual([an.points[128], an.points[129], an.strides[64]], [8, 8, 16]);
  assert.deepEqual([an.points[166], an.points[167], an.strides[83]], [48, 48, 32]);
  assert.equal(anchorsFor(640).strides.length, 8400);
  assert.throws(() => anchorsFor(70), /multiple of 32/);
});

test('DFL: one-hot bins give distances x stride around the anchor centre', () => {
  const nc = 2;
  const s = scene(1, nc);
  // Anchor 9 (centre 12,12, stride 8): l=1, t=2, r=3, b=1 bins -> 8, 16, 24, 8 px.
  place(s, nc, 0, 9, [1, 2, 3, 1], { 1: 2 });
  const r = raw(s, 1, nc);
  const [dets] = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS);
  tf.dispose([r.box, r.cls]);
  assert.equal(dets!.length, 1);
  const d = dets![0]!;
  assert.equal(d.cls, 1);
  close(d.score, sigmoid(2));
  close(d.x1, 4);
  close(d.y1, -4);
  close(d.x2, 36);
  close(d.y2, 20);
});

test('DFL takes the expectation of the bins, not the arg-max', () => {
  const nc = 1;
  const s = scene(1, nc);
  // Anchor 70 is on P4 (stride 16): 64 + 6 -> row 1, col 2 -> centre (40, 24).
  const base = 70 * 4 * BINS;
  // Left side: bins 2 and 3 equally likely -> 2.5 bins = 40 px. Other sides: one-hot at 1 -> 16 px.
  for (let side = 0; side < 4; side++) {
    for (let k = 0; k < BINS; k++) s.box[base + side * BINS + k] = side === 0 ? (k === 2 || k === 3 ? 30 : 0) : k === 1 ? 30 : 0;
  }
  setLogit(s, nc, 0, 70, 0, 0);
  const r = raw(s, 1, nc);
  const [dets] = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS);
  tf.dispose([r.box, r.cls]);
  assert.equal(dets!.length, 1);
  const d = dets![0]!;
  close(d.score, 0.5);
  close(d.x1, 0);
  close(d.y1, 8);
  close(d.x2, 56);
  close(d.y2, 40);
});

test('letterbox undo: back to original pixels, clipped to the image', () => {
  // A 100x50 image letterboxed to 64: scale 0.64, 64x32 content, padY 16.
  const lb = { scale: 0.64, padX: 0, padY: 16, srcWidth: 100, srcHeight: 50 };
  const nc = 2;
  const s = scene(1, nc);
  place(s, nc, 0, 9, [1, 2, 3, 1], { 1: 2 }); // input box (4, -4, 36, 20) as above
  const r = raw(s, 1, nc);
  const [dets] = decodePredictions(r, s.anchors, { ...EVAL_DECODE_OPTIONS, letterbox: [lb] });
  tf.dispose([r.box, r.cls]);
  const d = dets![0]!;
  // x: 4/0.64 = 6.25, 36/0.64 = 56.25; y: (-4-16)/0.64 < 0 -> 0, (20-16)/0.64 = 6.25
  close(d.x1, 6.25);
  close(d.y1, 0);
  close(d.x2, 56.25);
  close(d.y2, 6.25);
  // Clipping on the far side too.
  const far = undoLetterbox({ x1: 60, y1: 40, x2: 70, y2: 60, score: 0.5, cls: 0 }, lb);
  assert.deepEqual(far, { x1: 93.75, y1: 37.5, x2: 100, y2: 50, score: 0.5, cls: 0 });
});

test('NMS: an overlapping box of the same class is suppressed, of another class kept', () => {
  const nc = 2;
  // Anchors 9 and 10 (centres (12,12), (20,12), stride 8), 3 bins each side -> 24 px:
  // boxes (-12,-12,36,36) and (-4,-12,44,36): IoU 1920/2688 = 0.714 > 0.7.
  for (const [cls10, expected] of [
    [0, 1],
    [1, 2],
  ] as const) {
    const s = scene(1, nc);
    setSides(s, 0, 9, [3, 3, 3, 3]);
    setSides(s, 0, 10, [3, 3, 3, 3]);
    setLogit(s, nc, 0, 9, 0, 3);
    setLogit(s, nc, 0, 10, cls10, 1);
    const r = raw(s, 1, nc);
    const [dets] = decodePredictions(r, s.anchors, DISPLAY_DECODE_OPTIONS);
    tf.dispose([r.box, r.cls]);
    assert.equal(dets!.length, expected, `anchor 10 class ${cls10}`);
    // The higher score comes first and survives.
    close(dets![0]!.score, sigmoid(3));
    close(dets![0]!.x1, -12);
  }
});

test('thresholds, multi-label and the detection cap', () => {
  const nc = 2;
  const s = scene(1, nc);
  // Anchor 0: both classes likely (0.88, 0.73); anchor 5: 0.2 (below display, above eval).
  place(s, nc, 0, 0, [1, 1, 1, 1], { 0: 2, 1: 1 });
  place(s, nc, 0, 5, [0, 0, 0, 0], { 1: Math.log(0.2 / 0.8) });
  const r = raw(s, 1, nc);
  const single = decodePredictions(r, s.anchors, DISPLAY_DECODE_OPTIONS)[0]!;
  assert.deepEqual(single.map((d) => d.cls), [0]);
  const multi = decodePredictions(r, s.anchors, { ...DISPLAY_DECODE_OPTIONS, multiLabel: true })[0]!;
  // Same box in two classes: class-aware NMS keeps both.
  assert.deepEqual(multi.map((d) => d.cls), [0, 1]);
  const low = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS)[0]!;
  assert.deepEqual(low.map((d) => [d.cls, Math.round(d.score * 100)]), [[0, 88], [1, 73], [1, 20]]);
  const capped = decodePredictions(r, s.anchors, { ...EVAL_DECODE_OPTIONS, maxDetections: 2 })[0]!;
  assert.deepEqual(capped.map((d) => d.cls), [0, 1]);
  const fewCandidates = decodePredictions(r, s.anchors, { ...EVAL_DECODE_OPTIONS, maxCandidates: 1 })[0]!;
  assert.equal(fewCandidates.length, 1);
  tf.dispose([r.box, r.cls]);
});

test('batch: each image decoded on its own; nothing above threshold gives []; no tensor leaks', async () => {
  const nc = 1;
  const s = scene(3, nc);
  place(s, nc, 0, 9, [1, 1, 1, 1], { 0: 1 });
  place(s, nc, 2, 80, [1, 1, 1, 1], { 0: 2 });
  place(s, nc, 2, 81, [1, 1, 1, 1], { 0: 0 });
  const r = raw(s, 3, nc);
  const before = tf.memory().numTensors;
  const dets = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS);
  const asyncDets = await decodePredictionsAsync(r, s.anchors, EVAL_DECODE_OPTIONS);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(dets.map((d) => d.length), [1, 0, 2]);
  assert.deepEqual(asyncDets, dets);
  // Anchor 80 is P5 (stride 32) row 0 col 0: centre (16,16), 1 bin = 32 px.
  assert.deepEqual([dets[2]![0]!.x1, dets[2]![0]!.y2].map(Math.round), [-16, 48]);
  // Nothing at all above the threshold: the early return path, still no leak.
  const none = scene(2, nc);
  const r2 = raw(none, 2, nc);
  const before2 = tf.memory().numTensors;
  assert.deepEqual(decodePredictions(r2, none.anchors, EVAL_DECODE_OPTIONS), [[], []]);
  assert.equal(tf.memory().numTensors, before2);
  tf.dispose([r.box, r.cls, r2.box, r2.cls]);
});

test('shape mismatches are reported, not decoded', () => {
  const s = scene(1, 1);
  const r = raw(s, 1, 1);
  assert.throws(() => decodePredictions(r, anchorsFor(96), EVAL_DECODE_OPTIONS), /84 predictions per image but 189 anchors/);
  assert.throws(() => decodePredictions(r, s.anchors, { ...EVAL_DECODE_OPTIONS, letterbox: [] }), /1 images but 0 letterbox/);
  tf.dispose([r.box, r.cls]);
});

test('nmsClassAware on unsorted input keeps the best of each overlapping group', () => {
  const boxes = [0, 0, 10, 10, /* */ 1, 0, 11, 10, /* */ 50, 50, 60, 60, /* */ 0, 0, 10, 10];
  const scores = [0.5, 0.9, 0.4, 0.3];
  const classes = [0, 0, 0, 1];
  assert.deepEqual(nmsClassAware(boxes, scores, classes, 0.7, 300), [1, 2, 3]);
  assert.deepEqual(nmsClassAware(boxes, scores, classes, 0.7, 2), [1, 2]);
  // IoU of boxes 0 and 1 is 90/110 = 0.818: kept at a 0.85 threshold.
  assert.deepEqual(nmsClassAware(boxes, scores, classes, 0.85, 300), [1, 0, 2, 3]);
});

test('random head output at 320 px, batch 4, multi-label: runs and respects every bound (size check, not timed)', () => {
  const an = anchorsFor(320);
  const a = an.strides.length;
  const b = 4;
  const nc = 3;
  const r = tf.tidy(() => ({
    box: tf.randomNormal([b, a, 4 * BINS], 0, 2, 'float32', 1) as tf.Tensor3D,
    cls: tf.randomNormal([b, a, nc], -3, 2, 'float32', 2) as tf.Tensor3D,
  }));
  const dets = decodePredictions(r, an, EVAL_DECODE_OPTIONS);
  tf.dispose([r.box, r.cls]);
  assert.equal(dets.length, b);
  for (const im of dets) {
    assert.ok(im.length > 0 && im.length <= 300);
    for (let i = 1; i < im.length; i++) assert.ok(im[i - 1]!.score >= im[i]!.score);
    for (const d of im) {
      assert.ok(d.score >= 0.001 && d.x2 >= d.x1 && d.y2 >= d.y1);
    }
  }
});

test('the wasm backend decodes the same as cpu', async () => {
  const nc = 2;
  const s = scene(2, nc);
  place(s, nc, 0, 9, [1, 2, 3, 1], { 1: 2 });
  place(s, nc, 1, 70, [2, 2, 2, 2], { 0: 1, 1: 0.5 });
  const onCpu = (() => {
    const r = raw(s, 2, nc);
    const d = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS);
    tf.dispose([r.box, r.cls]);
    return d;
  })();
  assert.equal(await tf.setBackend('wasm'), true, 'the wasm backend should load');
  try {
    assert.equal(tf.getBackend(), 'wasm');
    const r = raw(s, 2, nc);
    const onWasm = decodePredictions(r, s.anchors, EVAL_DECODE_OPTIONS);
    tf.dispose([r.box, r.cls]);
    assert.equal(onWasm.length, 2);
    assert.deepEqual(onWasm.map((d) => d.map((x) => x.cls)), onCpu.map((d) => d.map((x) => x.cls)));
    onWasm.flat().forEach((d, i) => {
      const c = onCpu.flat()[i]!;
      close(d.x1, c.x1);
      close(d.y2, c.y2);
      close(d.score, c.score);
    });
  } finally {
    await tf.setBackend('cpu');
  }
});
