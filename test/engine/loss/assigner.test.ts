import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignTargets, type AssignerInput } from '../../../electron/engine/loss/assigner';

/*
 * Hand-made case, 2 images, 6 anchors, 2 classes (pixels):
 *   a0 (4,4)  a1 (12,4)  a2 (4,12)  a3 (12,12)  a4 (28,28)  a5 (20,8)
 * Image 0 boxes: G0 = [0,0,16,16] class 1, G1 = [8,0,24,16] class 0. Image 1: no boxes.
 * Candidates (centre strictly inside): G0: a0 a1 a2 a3; G1: a1 a3 a5.
 * Predictions (image 0):
 *   a0 box [0,0,16,16], score(c1) 0.81  -> G0: CIoU 1,      metric sqrt(.81) x 1^6 = 0.9
 *   a1 box [0,0,8,8],   score(c1) 0.64  -> G0: IoU 64/256 = .25, centres (4,4)/(8,8):
 *        rho^2 = (64+64)/4 = 32, c^2 = 512: CIoU .1875; metric .8 x .1875^6 = 3.476e-5
 *                                        -> G1: no overlap: CIoU < 0 -> 0: not a positive
 *   a2 box [40,40,48,48]                -> G0: no overlap: metric 0: not a positive
 *   a3 box [0,0,16,16], score(c1) .25, score(c0) .36
 *                                        -> G0: CIoU 1, metric .5
 *                                        -> G1: IoU 128/384 = 1/3, centres (8,8)/(16,8): rho^2 = 64,
 *                                           c^2 = 24^2 + 16^2 = 832: CIoU .25641; metric .6 x .25641^6 = 1.705e-4
 *   a5 box [8,0,24,16], score(c0) .49   -> G1: CIoU 1, metric .7
 * a3 is a positive of both: it goes to the box it overlaps most, G0 (1 > .256).
 * Normalisation (target = metric x max IoU of the box's positives / max metric of them):
 *   G0 (a0, a1, a3): max metric .9, max IoU 1: a0 1, a1 3.476e-5 / .9 = 3.862e-5, a3 .5/.9 = .5556
 *   G1 (a5): a5 .7/.7 = 1
 */
const A = 6;
const NC = 2;
function input(): AssignerInput {
  const anchors = [4, 4, 12, 4, 4, 12, 12, 12, 28, 28, 20, 8];
  const predBoxes = new Float32Array(2 * A * 4);
  predBoxes.set([0, 0, 16, 16, 0, 0, 8, 8, 40, 40, 48, 48, 0, 0, 16, 16, 40, 40, 48, 48, 8, 0, 24, 16]);
  predBoxes.set(predBoxes.slice(0, A * 4), A * 4);
  const predScores = new Float32Array(2 * A * NC).fill(0.01);
  const setScore = (a: number, c: number, s: number) => (predScores[a * NC + c] = s);
  setScore(0, 1, 0.81);
  setScore(1, 1, 0.64);
  setScore(3, 1, 0.25);
  setScore(3, 0, 0.36);
  setScore(5, 0, 0.49);
  return {
    batchSize: 2,
    numAnchors: A,
    numClasses: NC,
    predScores,
    predBoxes,
    anchorPoints: new Float32Array(anchors),
    gtBatchIndex: new Int32Array([0, 0]),
    gtClasses: new Int32Array([1, 0]),
    gtBoxes: new Float32Array([0, 0, 16, 16, 8, 0, 24, 16]),
  };
}

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} != ${want}`);

test('task-aligned assigner on a hand-made case', () => {
  const r = assignTargets(input());
  assert.deepEqual([...r.fg], [1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...r.gtIndex.slice(0, A)], [0, 0, -1, 0, -1, 1]);
  assert.equal(r.positives, 4);
  const score = (a: number, c: number) => r.targetScores[a * NC + c]!;
  close(score(0, 1), 1, 1e-5, 'a0 -> G0');
  close(score(1, 1), 3.862e-5, 1e-7, 'a1 -> G0');
  close(score(3, 1), 0.5 / 0.9, 1e-5, 'a3 -> G0');
  close(score(5, 0), 1, 1e-5, 'a5 -> G1');
  // Only the assigned box's class carries a target.
  assert.equal(score(0, 0), 0);
  assert.equal(score(3, 0), 0);
  assert.deepEqual([...r.targetBoxes.slice(5 * 4, 6 * 4)], [8, 0, 24, 16]);
  close(r.scoreSum, 1 + 3.862e-5 + 0.5 / 0.9 + 1, 1e-4, 'score sum');
  // Image 1 has no boxes: nothing assigned there.
  assert.ok(r.targetScores.slice(A * NC).every((v) => v === 0));
});

test('top-k keeps only the best-aligned anchors of a box', () => {
  const r = assignTargets(input(), { topk: 2 });
  // G0 keeps a0 (.9) and a3 (.5), drops a1 (3.5e-5); G1 keeps a5 and a3, a3 still goes to G0.
  assert.deepEqual([...r.fg.slice(0, A)], [1, 0, 0, 1, 0, 1]);
  close(r.targetScores[3 * NC + 1]!, 0.5 / 0.9, 1e-5, 'a3');
});

test('a batch without boxes assigns nothing', () => {
  const inp = { ...input(), gtBatchIndex: new Int32Array(0), gtClasses: new Int32Array(0), gtBoxes: new Float32Array(0) };
  const r = assignTargets(inp);
  assert.equal(r.positives, 0);
  assert.equal(r.scoreSum, 0);
  assert.ok(r.gtIndex.every((v) => v === -1));
});
