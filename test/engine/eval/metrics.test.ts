import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateDetections, ap101, apUltralytics, plateauMiddle, IOU_THRESHOLDS } from '../../../electron/engine/eval/metrics';
import { EvaluationResultSchema, type Detection, type EvalTruth } from '../../../electron/shared/schemas/evaluation';
import { KestrelError } from '../../../electron/shared/errors';
import { truthsFromBoxes } from '../../../electron/engine/eval/truths';

const det = (x1: number, y1: number, x2: number, y2: number, cls: number, score: number): Detection => ({ x1, y1, x2, y2, cls, score });
const gt = (x1: number, y1: number, x2: number, y2: number, cls: number, ignore?: boolean): EvalTruth =>
  ignore === undefined ? { x1, y1, x2, y2, cls } : { x1, y1, x2, y2, cls, ignore };
const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

const NAMES2 = ['scratch', 'dent'];

test('IoU thresholds are exactly 0.50..0.95 in steps of 0.05', () => {
  assert.deepEqual(IOU_THRESHOLDS, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
});

test('perfect predictions: mAP 1, P = R = F1 = 1, diagonal confusion matrix', () => {
  const truths = [[gt(10, 10, 50, 50, 0), gt(60, 60, 90, 100, 1)], [gt(0, 0, 20, 30, 0)]];
  const preds = truths.map((im) => im.map((t) => det(t.x1, t.y1, t.x2, t.y2, t.cls, 0.9)));
  const r = evaluateDetections(preds, truths, NAMES2);
  assert.equal(r.map50, 1);
  assert.equal(r.map50_95, 1);
  for (const c of r.perClass) {
    assert.equal(c.ap50, 1);
    assert.equal(c.precision, 1);
    assert.equal(c.recall, 1);
    assert.equal(c.f1, 1);
  }
  assert.deepEqual(r.perClass.map((c) => [c.gtCount, c.predCount]), [[2, 2], [1, 1]]);
  // Mean F1 is 1 for every cut c <= 0.9 (grid 0..900) and 0 above: middle of the plateau = 450.
  close(r.bestConfidence, 0.45);
  assert.deepEqual(r.confusion.labels, ['scratch', 'dent', 'background']);
  assert.deepEqual(r.confusion.matrix, [
    [2, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
  ]);
  // The PR curve is precision 1 at every recall point.
  assert.deepEqual(r.prCurves[0]!.precision, new Array(101).fill(1));
  assert.equal(r.prCurves[0]!.recall.length, 101);
  assert.equal(r.imageCount, 2);
  // JSON-safe and valid against the IPC schema.
  assert.deepEqual(EvaluationResultSchema.parse(JSON.parse(JSON.stringify(r))), r);
});

test('empty predictions: mAP 0, recall 0, every box a miss in the background row', () => {
  const truths = [[gt(10, 10, 50, 50, 0), gt(60, 60, 90, 100, 1)], [gt(0, 0, 20, 30, 0)]];
  const r = evaluateDetections([[], []], truths, NAMES2);
  assert.equal(r.map50, 0);
  assert.equal(r.map50_95, 0);
  assert.deepEqual(r.perClass.map((c) => [c.recall, c.precision, c.gtCount, c.predCount]), [[0, 0, 2, 0], [0, 0, 1, 0]]);
  assert.deepEqual(r.confusion.matrix, [
    [0, 0, 0],
    [0, 0, 0],
    [2, 1, 0],
  ]);
});

test('empty ground truth: mAP 0, no class counted, every detection a false alarm', () => {
  const preds = [[det(10, 10, 50, 50, 0, 0.9), det(60, 60, 90, 100, 1, 0.3)], [det(0, 0, 10, 10, 1, 0.1)]];
  const r = evaluateDetections(preds, [[], []], NAMES2);
  assert.equal(r.map50, 0);
  assert.equal(r.map50_95, 0);
  assert.deepEqual(r.perClass.map((c) => [c.gtCount, c.predCount, c.ap50]), [[0, 1, 0], [0, 2, 0]]);
  // The 0.1 detection is below the matrix's 0.25 confidence.
  assert.deepEqual(r.confusion.matrix, [
    [0, 0, 1],
    [0, 0, 1],
    [0, 0, 0],
  ]);
  assert.ok(Number.isFinite(r.bestConfidence));
});

test('no images at all gives zeros, not NaN', () => {
  const r = evaluateDetections([], [], NAMES2);
  assert.equal(r.map50, 0);
  assert.equal(r.f1, 0);
  assert.doesNotThrow(() => EvaluationResultSchema.parse(r));
});

test('all predictions of the wrong class: mAP 0, all land off the diagonal', () => {
  const truths = [[gt(10, 10, 50, 50, 0)], [gt(0, 0, 20, 30, 0), gt(40, 40, 80, 80, 0)]];
  const preds = truths.map((im) => im.map((t) => det(t.x1, t.y1, t.x2, t.y2, 1, 0.8)));
  const r = evaluateDetections(preds, truths, NAMES2);
  assert.equal(r.map50, 0);
  assert.equal(r.map50_95, 0);
  assert.equal(r.perClass[0]!.recall, 0);
  // Only class 0 has ground truth, so the mean is over it alone.
  assert.equal(r.recall, 0);
  assert.deepEqual(r.confusion.matrix, [
    [0, 0, 0],
    [3, 0, 0],
    [0, 0, 0],
  ]);
});

test('duplicate detection: the second one is a false positive', () => {
  // 1 box, two detections on it (0.9, 0.8): outcomes TP, FP -> recall [1, 1], precision [1, 0.5].
  // Every recall point is reached at rank 1 with precision 1, so AP = 1; but at a cut c <= 0.8
  // precision is 0.5 (F1 2/3), while for 0.8 < c <= 0.9 it is 1 (F1 1): plateau 801..900,
  // middle 850.
  const truths = [[gt(0, 0, 10, 10, 0)]];
  const preds = [[det(0, 0, 10, 10, 0, 0.9), det(0, 0, 10, 10, 0, 0.8)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  assert.equal(r.map50, 1);
  close(r.bestConfidence, 0.85);
  assert.equal(r.perClass[0]!.precision, 1);
  // In the matrix one detection pairs with the box, the other is a false alarm.
  assert.deepEqual(r.confusion.matrix, [
    [1, 1],
    [0, 0],
  ]);
});

test('duplicate ranked above a true positive lowers AP (worked out by hand)', () => {
  // Boxes A, B. Detections: A 0.9 (TP), A again 0.8 (FP, A is taken), B 0.7 (TP).
  // recall    [0.5, 0.5, 1]   precision [1, 0.5, 2/3] -> envelope [1, 2/3, 2/3]
  // recall points 0..0.50 (51 points) read rank 1 -> 1; 0.51..1 (50 points) read rank 3 -> 2/3
  // AP = (51 * 1 + 50 * 2/3) / 101 = 253/303
  const truths = [[gt(0, 0, 10, 10, 0), gt(20, 20, 30, 30, 0)]];
  const preds = [[det(0, 0, 10, 10, 0, 0.9), det(0, 0, 10, 10, 0, 0.8), det(20, 20, 30, 30, 0, 0.7)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  close(r.map50, 253 / 303);
  // The boxes are exact, so every IoU threshold gives the same AP.
  close(r.map50_95, 253 / 303);
});

test('mixed confidences over two images: AP worked out by hand', () => {
  // 3 boxes (2 in image 0, 1 in image 1). Detections over the dataset by score:
  //   0.9 image 0 on box 1 -> TP;  0.8 image 1 far from any box -> FP;  0.7 image 1 on box 3 -> TP
  // cumulative TP [1, 1, 2], FP [0, 1, 1]
  // recall    [1/3, 1/3, 2/3]   precision [1, 1/2, 2/3] -> envelope [1, 2/3, 2/3]
  // recall points 0..0.33 (34 points): first rank with recall >= r is 1 -> 1
  //               0.34..0.66 (33 points): rank 3 -> 2/3
  //               0.67..1.00 (34 points): never reached -> 0
  // AP = (34 + 33 * 2/3) / 101 = 56/101 ≈ 0.5545
  const truths = [[gt(0, 0, 10, 10, 0), gt(50, 50, 70, 70, 0)], [gt(5, 5, 25, 25, 0)]];
  const preds = [[det(0, 0, 10, 10, 0, 0.9)], [det(80, 80, 90, 90, 0, 0.8), det(5, 5, 25, 25, 0, 0.7)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  close(r.perClass[0]!.ap50, 56 / 101);
  close(r.map50_95, 56 / 101);
  const pc = r.prCurves[0]!.precision;
  assert.equal(pc[33], 1);
  close(pc[34]!, 2 / 3);
  close(pc[66]!, 2 / 3);
  assert.equal(pc[67], 0);
  // F1 by cut: 0.8 < c <= 0.9: P 1, R 1/3 -> 0.5; 0.7 < c <= 0.8: P 1/2, R 1/3 -> 0.4;
  // c <= 0.7: P 2/3, R 2/3 -> 2/3 (best). Plateau 0..700, middle 350.
  close(r.bestConfidence, 0.35);
  close(r.perClass[0]!.precision, 2 / 3);
  close(r.perClass[0]!.recall, 2 / 3);
  close(r.perClass[0]!.f1, 2 / 3);
});

test('ap101 on the hand-worked sequence TP, FP, TP with 3 boxes', () => {
  const { ap, precision } = ap101([1, 0, 1], 3);
  close(ap, 56 / 101);
  assert.equal(precision.length, 101);
  assert.equal(ap101([1, 1], 0).ap, 0);
  // TP, FP, TP, TP over 3 boxes: recall [1/3, 1/3, 2/3, 1], precision [1, 1/2, 2/3, 3/4].
  // The envelope lifts rank 3 from 2/3 to 3/4 (a later point is better):
  // points 0..0.33 (34) -> 1; 0.34..0.66 (33) -> 3/4; 0.67..1 (34) -> 3/4
  // AP = (34 + 67 * 3/4) / 101 = 84.25/101
  close(ap101([1, 0, 1, 1], 3).ap, 84.25 / 101);
  assert.equal(ap101([], 3).ap, 0);
});

test('a detection with IoU 0.62 counts at IoU 0.50, 0.55, 0.60 only', () => {
  // Box 100x100, detection 100x62 inside it: IoU = 6200 / 10000 = 0.62.
  // AP is 1 at thresholds 0.50, 0.55, 0.60 and 0 at 0.65..0.95: AP50-95 = 3/10.
  const truths = [[gt(0, 0, 100, 100, 0)]];
  const preds = [[det(0, 0, 100, 62, 0, 0.9)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  assert.equal(r.map50, 1);
  close(r.map50_95, 0.3);
});

test('ignore boxes: a detection on one is dropped, an unmatched one is not a miss', () => {
  // Real box A and ignore box B; detections: B 0.95, A 0.9.
  // B's detection is neither TP nor FP; A's is TP; 1 real box -> AP 1, P 1, R 1.
  const truths = [[gt(0, 0, 10, 10, 0), gt(50, 50, 60, 60, 0, true), gt(80, 80, 90, 90, 0, true)]];
  const preds = [[det(50, 50, 60, 60, 0, 0.95), det(0, 0, 10, 10, 0, 0.9)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  assert.equal(r.map50, 1);
  assert.equal(r.perClass[0]!.gtCount, 1);
  assert.equal(r.perClass[0]!.precision, 1);
  assert.equal(r.perClass[0]!.recall, 1);
  // Neither the detection on B nor the untouched ignore box at (80,80) appears in the matrix.
  assert.deepEqual(r.confusion.matrix, [
    [1, 0],
    [0, 0],
  ]);
  // Control: without the flags all three boxes count: TP, TP over 3 boxes -> recall
  // [1/3, 2/3], precision 1; points 0..0.66 (67) -> 1, the rest 0: AP = 67/101.
  const plain = truths.map((im) => im.map((t) => gt(t.x1, t.y1, t.x2, t.y2, t.cls)));
  close(evaluateDetections(preds, plain, ['scratch']).map50, 67 / 101);
  // And a detection on an ignore box that nothing else claims would have been a FP:
  // FP(0.95), TP(0.9) over 1 box -> recall [0, 1], precision [0, 1/2] -> envelope [1/2, 1/2]
  // -> AP = 101 * 0.5 / 101 = 0.5.
  const onlyA = [[gt(0, 0, 10, 10, 0)]];
  close(evaluateDetections(preds, onlyA, ['scratch']).map50, 0.5);
});

test('a detection overlapping a real box and an ignore box goes to the real box', () => {
  // Detection (0,0,10,10); real box (0,0,10,16) IoU 100/160 = 0.625; ignore box equal, IoU 1.
  // COCO prefers the real box: TP at 0.50..0.60 (3 of 10 thresholds); above 0.625 only the
  // ignore box qualifies, so the detection is dropped there and the real box is a miss.
  const truths = [[gt(0, 0, 10, 16, 0), gt(0, 0, 10, 10, 0, true)]];
  const preds = [[det(0, 0, 10, 10, 0, 0.9)]];
  const r = evaluateDetections(preds, truths, ['scratch']);
  assert.equal(r.map50, 1);
  close(r.map50_95, 0.3);
});

test('confusion matrix counts (rows predicted, columns true, background last)', () => {
  // a1 found as a (diag); b1 found as a (confusion); a2 only found at 0.1 < 0.25 (miss);
  // a far detection of b (false alarm); a b detection with IoU 0.4 < 0.45 on b2 (false alarm + miss).
  const truths = [[gt(0, 0, 10, 10, 0), gt(20, 0, 30, 10, 1), gt(40, 0, 50, 10, 0), gt(0, 40, 10, 50, 1)]];
  const preds = [
    [
      det(0, 0, 10, 10, 0, 0.9),
      det(20, 0, 30, 10, 0, 0.8),
      det(40, 0, 50, 10, 0, 0.1),
      det(80, 80, 90, 90, 1, 0.6),
      det(0, 40, 4, 50, 1, 0.7),
    ],
  ];
  const r = evaluateDetections(preds, truths, ['a', 'b']);
  assert.deepEqual(r.confusion.matrix, [
    [1, 1, 0],
    [0, 0, 2],
    [1, 1, 0],
  ]);
  assert.equal(r.confusion.confidence, 0.25);
  assert.equal(r.confusion.iou, 0.45);
  // With a lower matrix IoU the IoU-0.4 detection now pairs with b2.
  const loose = evaluateDetections(preds, truths, ['a', 'b'], { confusionIou: 0.3 });
  assert.deepEqual(loose.confusion.matrix, [
    [1, 1, 0],
    [0, 1, 1],
    [1, 0, 0],
  ]);
});

test('a class index outside the class list is a KestrelError with a code', () => {
  assert.throws(
    () => evaluateDetections([[det(0, 0, 1, 1, 5, 0.5)]], [[]], ['a']),
    (e: unknown) => e instanceof KestrelError && e.code === 'EVAL_CLASS_OUT_OF_RANGE',
  );
  assert.throws(() => evaluateDetections([[]], [], ['a']), /1 prediction lists for 0 images/);
});

test('plateauMiddle picks the middle of the first highest plateau', () => {
  assert.equal(plateauMiddle([0, 1, 1, 1, 0.5]), 2);
  assert.equal(plateauMiddle([3, 2, 1]), 0);
  assert.equal(plateauMiddle([0, 0, 0, 0]), 1);
});

test('runs over 100 images x 300 detections with sane outputs (size check, not timed)', () => {
  // Deterministic pseudo-random scene: 10 boxes per image over 5 classes; 300 detections,
  // the first 10 jittered copies of the boxes, the rest random clutter at low scores.
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const names = ['a', 'b', 'c', 'd', 'e'];
  const truths: EvalTruth[][] = [];
  const preds: Detection[][] = [];
  for (let im = 0; im < 100; im++) {
    const t: EvalTruth[] = [];
    for (let k = 0; k < 10; k++) {
      const x = rnd() * 600;
      const y = rnd() * 600;
      t.push(gt(x, y, x + 20 + rnd() * 40, y + 20 + rnd() * 40, k % 5, k === 9));
    }
    const p: Detection[] = t.map((b) => det(b.x1 + rnd() * 4, b.y1 + rnd() * 4, b.x2 + rnd() * 4, b.y2, b.cls, 0.5 + rnd() / 2));
    while (p.length < 300) {
      const x = rnd() * 600;
      const y = rnd() * 600;
      p.push(det(x, y, x + 30, y + 30, Math.floor(rnd() * 5), rnd() * 0.5));
    }
    truths.push(t);
    preds.push(p);
  }
  const r = evaluateDetections(preds, truths, names);
  assert.equal(r.perClass.reduce((s, c) => s + c.predCount, 0), 30000);
  assert.equal(r.perClass.reduce((s, c) => s + c.gtCount, 0), 900);
  assert.ok(r.map50 > 0.8 && r.map50 <= 1, `map50 ${r.map50}`);
  assert.ok(r.map50_95 > 0 && r.map50_95 < r.map50, `map50_95 ${r.map50_95}`);
  assert.ok(r.bestConfidence >= 0.4, `best confidence ${r.bestConfidence}`);
  assert.doesNotThrow(() => EvaluationResultSchema.parse(r));
});

test('truthsFromBoxes turns difficult and crowd boxes into ignore boxes', () => {
  const t = truthsFromBoxes([
    { x1: 0, y1: 0, x2: 1, y2: 1, cls: 0 },
    { x1: 0, y1: 0, x2: 1, y2: 1, cls: 1, difficult: true },
    { x1: 0, y1: 0, x2: 1, y2: 1, cls: 2, crowd: true },
    { x1: 0, y1: 0, x2: 1, y2: 1, cls: 3, difficult: false },
  ]);
  assert.deepEqual(
    t.map((b) => b.ignore === true),
    [false, true, true, false],
  );
  assert.deepEqual(t[0], { x1: 0, y1: 0, x2: 1, y2: 1, cls: 0 });
});

test('Ultralytics-compatible AP adds the line from the highest recall to (1, 0), worked by hand', () => {
  // 2 boxes; ranked predictions TP then FP. Curve: (recall 0.5, precision 1), (0.5, 0.5).
  // COCO: precision 1 at recall 0, 0.01, ..., 0.50 (51 points), 0 above -> 51/101.
  // Ultralytics: envelope over (0,1) (0.5,1) (0.5,0.5) (1,0) -> 1 up to recall 0.5, then the
  // line from 0.5 down to 0 at recall 1, read at recall 0, 0.01, ..., 1 and integrated with
  // trapezoids: 0.5 x 1 (up to 0.50) + (1 + 0.49) / 2 x 0.01 (0.50 to 0.51, where the drop
  // gets smoothed) + 0.49 x 0.49 / 2 (0.51 to 1) = 0.5 + 0.00745 + 0.12005 = 0.6275.
  const outcomes = [1, 0];
  assert.ok(Math.abs(ap101(outcomes, 2).ap - 51 / 101) < 1e-12);
  assert.ok(Math.abs(apUltralytics(outcomes, 2) - 0.6275) < 1e-9);
  // All found at precision 1: both give 1.
  assert.ok(Math.abs(apUltralytics([1, 1], 2) - 1) < 1e-9);
  // Nothing predicted: Ultralytics skips the class (AP 0), as COCO gives 0.
  assert.equal(apUltralytics([], 2), 0);
});
