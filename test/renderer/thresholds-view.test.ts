// The renderer's verdict at per-class thresholds agrees with the predict engine's
// summarizeAtThresholds; no precision without detections; the confusion matrix at thresholds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { summarizeAtThresholds } from '../../electron/engine/predict/verdict';
import { confusionAt, imageCounts, passesFilter, ratesOf, showsClass, summarize } from '../../renderer/src/lib/thresholds-view';

const box = fc.record({ x: fc.integer({ min: 0, max: 80 }), y: fc.integer({ min: 0, max: 80 }), w: fc.integer({ min: 4, max: 40 }), h: fc.integer({ min: 4, max: 40 }) });
const truth = fc.tuple(box, fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([b, cls, ign]) => ({ x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h, cls, ...(ign && b.w < 8 ? { ignore: true } : {}) }));
const det = fc.tuple(box, fc.integer({ min: 0, max: 2 }), fc.double({ min: 0.01, max: 1, noNaN: true })).map(([b, cls, score]) => ({ x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h, cls, score }));
const image = fc.record({ truths: fc.array(truth, { maxLength: 4 }), detections: fc.array(det, { maxLength: 6 }) });

test('summarize agrees with the engine at any per-class thresholds', () => {
  fc.assert(
    fc.property(fc.array(image, { maxLength: 8 }), fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { minLength: 3, maxLength: 3 }), (images, confs) => {
      const names = ['a', 'b', 'c'];
      const mine = summarize(images, 3, confs, 0.25);
      const engine = summarizeAtThresholds(images, names, { byClass: confs, fallback: 0.25 });
      assert.equal(mine.found, engine.found);
      assert.equal(mine.missed, engine.missed);
      assert.equal(mine.falseAlarms, engine.falseAlarms);
      assert.equal(mine.escapes, engine.escapes);
      assert.equal(mine.overkill, engine.overkill);
      assert.equal(mine.badImages, engine.badImages);
      assert.equal(mine.goodImages, engine.goodImages);
      mine.classes.forEach((c, i) => {
        assert.equal(c.found, engine.classes[i]!.found);
        assert.equal(c.missed, engine.classes[i]!.missed);
        assert.equal(c.falseAlarms, engine.classes[i]!.falseAlarms);
      });
    }),
    { numRuns: 200 },
  );
});

test('no detections: precision is unknown, not 1.000', () => {
  const s = summarize([{ truths: [{ x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 }], detections: [] }], 1, [0.5], 0.25);
  assert.deepEqual(ratesOf(s), { precision: null, recall: 0 });
  assert.equal(s.escapes, 1);
});

test('one image: a hit, a false alarm, a miss; filters by error type and class', () => {
  const img = {
    truths: [
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 },
      { x1: 50, y1: 50, x2: 60, y2: 60, cls: 1 },
    ],
    detections: [
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0, score: 0.9 },
      { x1: 30, y1: 30, x2: 40, y2: 40, cls: 0, score: 0.6 },
      { x1: 50, y1: 50, x2: 60, y2: 60, cls: 1, score: 0.3 },
    ],
  };
  const c = imageCounts(img, [0.5, 0.5], 0.25);
  assert.deepEqual({ found: c.found, missed: c.missed, fa: c.falseAlarms, v: c.verdict }, { found: 1, missed: 1, fa: 1, v: 'NG' });
  assert.ok(passesFilter(c, 'misses') && passesFilter(c, 'falseAlarms') && !passesFilter(c, 'correct'));
  // Lowering class 1's threshold finds the second defect.
  assert.equal(imageCounts(img, [0.5, 0.2], 0.25).missed, 0);
  assert.ok(showsClass(img, 1, [0.5, 0.5], 0.25));
  assert.ok(!showsClass({ truths: [], detections: img.detections }, 1, [0.5, 0.5], 0.25));
});

test('confusion at thresholds: rows predicted, columns true, background last', () => {
  const img = {
    truths: [
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 },
      { x1: 50, y1: 50, x2: 60, y2: 60, cls: 1 },
    ],
    detections: [
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 1, score: 0.9 }, // class 0 called class 1
      { x1: 30, y1: 30, x2: 40, y2: 40, cls: 0, score: 0.6 }, // false alarm
    ],
  };
  const m = confusionAt([img], 2, [0.5, 0.5], 0.25);
  assert.deepEqual(m, [
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
  ]);
});
