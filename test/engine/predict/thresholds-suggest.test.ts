// Per-class threshold suggestions, the verdict and the Results summary, on hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySuggestions, classCurves, cutBetween, suggestForClass, suggestThresholds } from '../../../electron/engine/predict/suggest';
import { defaultThresholds, ThresholdsSchema } from '../../../electron/shared/schemas/thresholds';
import { keepAtThresholds, summarizeAtThresholds, verdictOf } from '../../../electron/engine/predict/verdict';

const box = (x: number, y: number, s = 10) => ({ x1: x, y1: y, x2: x + s, y2: y + s });

test('classCurves marks hits by greedy matching at IoU 0.5, duplicates and ignore boxes handled', () => {
  const curves = classCurves(
    [
      {
        truths: [{ ...box(0, 0), cls: 0 }, { ...box(20, 20), cls: 0 }],
        detections: [
          { ...box(1, 0), score: 0.8, cls: 0 }, // duplicate of the 0.9 one: a false alarm
          { ...box(0, 0), score: 0.9, cls: 0 },
          { ...box(50, 50), score: 0.7, cls: 0 },
          { ...box(20, 20), score: 0.6, cls: 1 }, // wrong class
        ],
      },
      { truths: [{ ...box(0, 0), cls: 0, ignore: true }], detections: [{ ...box(0, 0), score: 0.5, cls: 0 }] },
    ],
    2,
  );
  assert.deepEqual(curves[0], { scores: [0.9, 0.8, 0.7], hits: [true, false, false], truths: 2 });
  assert.deepEqual(curves[1], { scores: [0.6], hits: [false], truths: 0 });
});

// scores 0.9 H, 0.8 H, 0.7 F, 0.6 H, 0.4 F, 0.3 H, 0.2 F with 4 defects:
// cut after k:  P 1, 1, .667, .75, .6, .667, .571   R .25, .5, .5, .75, .75, 1, 1
// F1            .4, .667, .571, .75, .667, .8, .727  -> best F1 0.8 after 0.3, cut (0.3+0.2)/2
const curve = { scores: [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2], hits: [true, true, false, true, false, true, false], truths: 4 };

test('suggestForClass: best F1', () => {
  const s = suggestForClass('scratch', curve, { kind: 'f1' });
  assert.equal(s.code, 'SUGGEST_BEST_F1');
  assert.equal(s.conf, 0.25);
  assert.equal(s.recall, 1);
  assert.ok(Math.abs(s.precision! - 4 / 6) < 1e-12);
  assert.ok(Math.abs(s.f1! - 0.8) < 1e-12);
});

test('suggestForClass: the highest threshold meeting a recall target', () => {
  const r75 = suggestForClass('scratch', curve, { kind: 'recall', target: 0.75 });
  assert.equal(r75.code, 'SUGGEST_RECALL_MET');
  assert.equal(r75.conf, 0.5); // keeps 0.9..0.6, drops 0.4
  assert.equal(r75.recall, 0.75);
  const r50 = suggestForClass('scratch', curve, { kind: 'recall', target: 0.5 });
  assert.equal(r50.conf, 0.75);
  // unreachable: the most recall there is (and, of equal recall, the better precision)
  const low = { scores: [0.9, 0.5, 0.4], hits: [true, false, true], truths: 4 };
  const r90 = suggestForClass('dent', low, { kind: 'recall', target: 0.9 });
  assert.equal(r90.code, 'SUGGEST_RECALL_NOT_MET');
  assert.equal(r90.recall, 0.5);
  assert.equal(r90.conf, 0.4);
});

test('suggestForClass: no data, no suggestion; equal scores stay together', () => {
  assert.equal(suggestForClass('x', { scores: [], hits: [], truths: 0 }, { kind: 'f1' }).code, 'SUGGEST_NO_TRUTHS');
  assert.equal(suggestForClass('x', { scores: [], hits: [], truths: 3 }, { kind: 'f1' }).conf, null);
  // 0.6 F, 0.6 H tie: cutting between them is impossible, so both count
  const tie = suggestForClass('x', { scores: [0.9, 0.6, 0.6, 0.1], hits: [true, false, true, false], truths: 2 }, { kind: 'recall', target: 1 });
  assert.equal(tie.conf, 0.35);
  assert.ok(Math.abs(tie.precision! - 2 / 3) < 1e-12);
  assert.equal(cutBetween([0.5, 0.4999], 0), 0.49995);
  assert.equal(cutBetween([0.8, 0.2], 0), 0.5);
});

test('suggestThresholds names every class', () => {
  const s = suggestThresholds([{ truths: [{ ...box(0, 0), cls: 1 }], detections: [{ ...box(0, 0), cls: 1, score: 0.7 }, { ...box(40, 0), cls: 1, score: 0.3 }] }], ['a', 'b'], { kind: 'f1' });
  assert.deepEqual(s.map((x) => [x.name, x.code, x.conf]), [['a', 'SUGGEST_NO_TRUTHS', null], ['b', 'SUGGEST_BEST_F1', 0.5]]);
});

test('verdict: NG when any detection reaches its class threshold', () => {
  const confs = { byClass: [0.5, 0.3], fallback: 0.25 };
  assert.equal(verdictOf([], confs), 'OK');
  assert.equal(verdictOf([{ cls: 0, score: 0.49 }, { cls: 1, score: 0.29 }], confs), 'OK');
  assert.equal(verdictOf([{ cls: 0, score: 0.49 }, { cls: 1, score: 0.3 }], confs), 'NG');
  assert.equal(verdictOf([{ cls: 5, score: 0.25 }], confs), 'NG'); // unknown class: the fallback
  assert.deepEqual(keepAtThresholds([{ cls: 0, score: 0.5 }, { cls: 0, score: 0.4 }], confs), [{ cls: 0, score: 0.5 }]);
});

test('summarizeAtThresholds counts finds, misses, false alarms, escapes and overkill', () => {
  const confs = { byClass: [0.5, 0.3], fallback: 0.25 };
  const s = summarizeAtThresholds(
    [
      // 1 bad, found -> caught
      { truths: [{ ...box(0, 0), cls: 0 }], detections: [{ ...box(0, 0), cls: 0, score: 0.6 }] },
      // 2 bad, the dent's detection is below 0.3 -> missed, OK -> escape
      { truths: [{ ...box(0, 0), cls: 1 }], detections: [{ ...box(0, 0), cls: 1, score: 0.2 }] },
      // 3 good, a scratch at 0.55 -> false alarm, NG -> overkill
      { truths: [], detections: [{ ...box(0, 0), cls: 0, score: 0.55 }] },
      // 4 good, a scratch at 0.4 stays below 0.5 -> passed
      { truths: [], detections: [{ ...box(0, 0), cls: 0, score: 0.4 }] },
      // 5 bad, scratch missed, a dent false alarm elsewhere -> NG for the wrong reason: caught
      { truths: [{ ...box(0, 0), cls: 0 }], detections: [{ ...box(50, 50), cls: 1, score: 0.35 }] },
      // 6 only an ignore box: a good part; a detection on it is neither find nor false alarm
      { truths: [{ ...box(0, 0), cls: 0, ignore: true }], detections: [{ ...box(0, 0), cls: 0, score: 0.9 }] },
    ],
    ['scratch', 'dent'],
    confs,
  );
  assert.deepEqual(s.classes, [
    { name: 'scratch', found: 1, missed: 1, falseAlarms: 1 },
    { name: 'dent', found: 0, missed: 1, falseAlarms: 1 },
  ]);
  assert.deepEqual(
    { found: s.found, missed: s.missed, falseAlarms: s.falseAlarms, bad: s.badImages, good: s.goodImages, escapes: s.escapes, overkill: s.overkill, caught: s.caught, passed: s.passed },
    { found: 1, missed: 2, falseAlarms: 2, bad: 3, good: 3, escapes: 1, overkill: 2, caught: 2, passed: 1 },
  );
});

test('applySuggestions takes suggested values, keeps the rest, records the recall target', () => {
  const t = defaultThresholds(['a', 'b', 'c'], new Date(0));
  t.classes[1] = { name: 'b', conf: 0.6, source: 'user' };
  const s = suggestThresholds(
    [{ truths: [{ ...box(0, 0), cls: 0 }], detections: [{ ...box(0, 0), cls: 0, score: 0.8 }, { ...box(40, 0), cls: 0, score: 0.2 }] }],
    ['a', 'b', 'c', 'd'],
    { kind: 'recall', target: 0.9 },
  );
  const out = ThresholdsSchema.parse(applySuggestions(t, s, { kind: 'recall', target: 0.9 }, new Date(1000)));
  assert.deepEqual(out.classes, [
    { name: 'a', conf: 0.5, source: 'suggested' },
    { name: 'b', conf: 0.6, source: 'user' }, // no truths of b: the engineer's value stays
    { name: 'c', conf: 0.25, source: 'default' },
    { name: 'd', conf: 0.25, source: 'default' },
  ]);
  assert.equal(out.recallTarget, 0.9);
  assert.equal(out.updatedAt, '1970-01-01T00:00:01.000Z');
});
