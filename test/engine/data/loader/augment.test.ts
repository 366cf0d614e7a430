import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  augmentSample,
  boxCandidates,
  cutmix,
  defaultAugmentOptions,
  flipHorizontal,
  flipVertical,
  hsvJitter,
  mosaic4,
  mosaicActive,
  planIndices,
  planSample,
  warpScaleTranslate,
  type Sample,
} from '../../../../electron/engine/data/augment/index';
import { createRng } from '../../../../electron/engine/data/rng';
import { brightOutside, brightShare, rectSample } from './helpers';

const R = { x1: 10, y1: 20, x2: 30, y2: 50 };

/** The pixels of every box are bright and nothing bright lies outside the boxes. */
function assertConsistent(s: Sample, label: string): void {
  for (let b = 0; b < s.cls.length; b++) {
    const [x1, y1, x2, y2] = Array.from(s.boxes.subarray(b * 4, b * 4 + 4)) as [number, number, number, number];
    assert.ok(x1 >= 0 && y1 >= 0 && x2 <= s.width && y2 <= s.height, `${label}: box inside the image`);
    assert.ok(brightShare(s.data, s.width, x1 + 1, y1 + 1, x2 - 1, y2 - 1) > 0.97, `${label}: box ${b} covers bright pixels`);
  }
  assert.equal(brightOutside(s.data, s.width, s.height, s.boxes), 0, `${label}: no bright pixel outside the boxes`);
}

test('horizontal flip keeps the box on the rectangle', () => {
  const s = flipHorizontal(rectSample(64, 64, R));
  assert.deepEqual(Array.from(s.boxes), [34, 20, 54, 50]);
  assertConsistent(s, 'flipLR');
});

test('vertical flip keeps the box on the rectangle', () => {
  const s = flipVertical(rectSample(64, 80, R));
  assert.deepEqual(Array.from(s.boxes), [10, 30, 30, 60]);
  assertConsistent(s, 'flipUD');
});

test('scale + translate warp maps the box exactly', () => {
  const s = warpScaleTranslate(rectSample(64, 64, R), 64, 1.5, 30, 36);
  // x' = (x - 32) * 1.5 + 30, y' = (y - 32) * 1.5 + 36
  assert.deepEqual(Array.from(s.boxes), [-3, 18, 27, 63].map((v, i) => (i === 0 ? Math.max(0, v) : v)));
  assertConsistent(s, 'warp');
});

test('boxes pushed mostly out of the image are dropped; small ones too', () => {
  const gone = warpScaleTranslate(rectSample(64, 64, R), 64, 1, 32 + 52, 32);
  assert.equal(gone.cls.length, 0);
  const keep = boxCandidates(Float32Array.from([0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10]), Float32Array.from([0, 0, 10, 10, 0, 0, 1.5, 10, 0, 0, 10, 0.9]), 1);
  assert.deepEqual(keep, [true, false, false]);
  // A box cut to 5% of its scaled area goes, even though its sides are over 2 px.
  assert.deepEqual(boxCandidates(Float32Array.from([0, 0, 20, 20]), Float32Array.from([0, 0, 4, 4]), 1), [false]);
});

test('HSV jitter on gray pixels changes only brightness; on colour it rotates hue', () => {
  const gray = new Uint8Array([100, 100, 100]);
  hsvJitter(gray, 0.3, 2, 1.5);
  assert.deepEqual(Array.from(gray), [150, 150, 150]);
  const red = new Uint8Array([200, 0, 0]);
  hsvJitter(red, 1 / 3, 1, 1);
  assert.deepEqual(Array.from(red), [0, 200, 0]);
  const sat = new Uint8Array([200, 100, 100]);
  hsvJitter(sat, 0, 0.5, 1);
  assert.deepEqual(Array.from(sat), [200, 150, 150]);
});

test('mosaic places four images with their boxes', () => {
  const parts = [0, 1, 2, 3].map((k) => rectSample(64, 64, R, k)) as [Sample, Sample, Sample, Sample];
  const m = mosaic4(parts, 64, 70, 50);
  assert.equal(m.width, 128);
  assert.deepEqual(Array.from(m.cls), [0, 1, 2, 3]);
  // Top-left image ends at (70, 50): its box shifts by (6, -14).
  assert.deepEqual(Array.from(m.boxes.subarray(0, 4)), [16, 6, 36, 36]);
  assertConsistent(m, 'mosaic');
});

test('mosaic uses only the real pixels of letterboxed images', () => {
  const s = rectSample(64, 64, R);
  s.content = { x: 0, y: 8, width: 64, height: 48 };
  const m = mosaic4([s, s, s, s], 64, 64, 64);
  // Bottom-right image starts at (64, 64) with its content row 8.
  assert.deepEqual(Array.from(m.boxes.subarray(12, 16)), [74, 76, 94, 106]);
  assertConsistent(m, 'mosaic-letterbox');
});

test('CutMix pastes boxes of the other image that fall in the patch and keeps the first image free', () => {
  const a = rectSample(64, 64, { x1: 2, y1: 2, x2: 12, y2: 12 });
  const b = rectSample(64, 64, { x1: 20, y1: 20, x2: 60, y2: 60 }, 2);
  let pasted = 0;
  for (let seed = 0; seed < 30; seed++) {
    const m = cutmix(a, b, createRng(seed));
    assert.ok(m.cls.length >= 1 && m.cls[0] === 0);
    if (m.cls.length > 1) pasted++;
    assertConsistent(m, `cutmix ${seed}`);
  }
  assert.ok(pasted > 5, `CutMix pasted boxes in ${pasted} of 30 tries`);
});

test('the full pipeline keeps boxes and pixels consistent for many seeds', () => {
  const base = [0, 1, 2, 3, 4].map((k) => {
    const s = rectSample(96, 96, { x1: 10 + k * 5, y1: 30, x2: 50 + k * 5, y2: 70 }, k);
    s.content = { x: 0, y: 0, width: 96, height: 96 };
    return s;
  });
  // HSV off here: it would move the bright/dark threshold the check relies on.
  const opts = defaultAugmentOptions({ hsvH: 0, hsvS: 0, hsvV: 0, flipUD: 0.5, cutmix: 0.3 });
  let boxes = 0;
  for (let seed = 0; seed < 40; seed++) {
    const rng = createRng(seed);
    const plan = planSample(rng, opts, 0, seed % 5, 5);
    assert.ok(planIndices(plan).every((i) => i >= 0 && i < 5));
    const out = augmentSample(plan, rng, opts, (i) => base[i] as Sample, 96);
    assert.equal(out.width, 96);
    boxes += out.cls.length;
    for (let b = 0; b < out.cls.length; b++) {
      const [x1, y1, x2, y2] = Array.from(out.boxes.subarray(b * 4, b * 4 + 4)) as [number, number, number, number];
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 96 && y2 <= 96 && x2 - x1 > 2 && y2 - y1 > 2);
      // Thin boxes have no interior 1 px in from the edge: check them whole.
      const m = x2 - x1 > 4 && y2 - y1 > 4 ? 1 : 0;
      assert.ok(brightShare(out.data, 96, x1 + m, y1 + m, x2 - m, y2 - m) > 0.9, `seed ${seed} box ${b}`);
    }
    // The base images are shared between samples and must come back untouched.
    assert.equal(base[0]?.data[(40 * 96 + 20) * 3], 240);
  }
  assert.ok(boxes > 40, `only ${boxes} boxes survived 40 samples`);
});

test('the same generator state gives the same augmented sample', () => {
  const base = rectSample(64, 64, R);
  const opts = defaultAugmentOptions();
  const run = (): Sample => {
    const rng = createRng(5, 1, 9);
    return augmentSample(planSample(rng, opts, 0, 0, 1), rng, opts, () => base, 64);
  };
  const a = run();
  const b = run();
  assert.deepEqual(a.data, b.data);
  assert.deepEqual(a.boxes, b.boxes);
});

test('mosaic closes for the last epochs', () => {
  const opts = defaultAugmentOptions({ epochs: 30 });
  assert.equal(mosaicActive(opts, 19), true);
  assert.equal(mosaicActive(opts, 20), false);
  assert.equal(mosaicActive(defaultAugmentOptions(), 1000), true);
  assert.equal(mosaicActive(defaultAugmentOptions({ mosaic: 0 }), 0), false);
  const rng = createRng(1);
  assert.deepEqual(planSample(rng, opts, 25, 3, 10).mosaicWith, []);
});
