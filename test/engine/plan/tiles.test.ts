// Training on tiles in the plan (electron/engine/plan/tiles.ts): when `--tiles auto` tiles, the
// user's off and SIZE, the reasons in English and Chinese, and the plan's `tiles` field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTraining } from '../../../electron/engine/plan/index';
import { parseTrainTilesMode, planTrainTiles, tileSamplesReason } from '../../../electron/engine/plan/tiles';
import { tileSamples } from '../../../electron/engine/data/tiles';
import { formatReason } from '../../../electron/shared/reason';
import type { ImageRecord } from '../../../electron/shared/schemas/dataset';
import { TrainingPlanSchema } from '../../../electron/shared/schemas/plan';
import { TrainTilesModeSchema } from '../../../electron/shared/schemas/user-choice';
import { PROFILES } from './profiles';

const images = (n: number, w: number, h: number, box: number): ImageRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: `im${i}`, file: `/d/im${i}.jpg`, width: w, height: h, boxes: [{ x1: 100, y1: 100, x2: 100 + box, y2: 100 + box, cls: 0 }], labelFile: null }));

test('auto tiles at the input size when images are large and their boxes small (predict --tile auto\'s rule)', () => {
  // 2000x1500 at 192 px: 10.4x the input; a 15 px box shrinks to 15 x 192/2000 = 1.4 px < 8: all boxes small.
  const d = planTrainTiles('auto', images(20, 2000, 1500, 15), 192);
  assert.deepEqual(d.tiles && { size: d.tiles.size, overlap: d.tiles.overlap, minVisible: d.tiles.minVisible, backgroundRatio: d.tiles.backgroundRatio }, { size: 192, overlap: 0.2, minVisible: 0.4, backgroundRatio: 0.5 });
  assert.equal(d.reason.code, 'PLAN_TILES_AUTO_SMALL');
  assert.equal(d.reason.params['percent'], 100);
  assert.equal(d.reason.params['shrink'], 10.4);
  assert.deepEqual(d.tiles!.reason, d.reason);
  // 200x200 images at 224 px (NEU-DET-like): not larger than the input.
  assert.equal(planTrainTiles('auto', images(5, 200, 200, 20), 224).reason.code, 'PLAN_TILES_AUTO_IMAGE_SMALL');
  assert.equal(planTrainTiles('auto', images(5, 200, 200, 20), 224).tiles, null);
  // 1000x1000 with 300 px boxes at 224: 4.5x, but boxes stay 67 px.
  const big = planTrainTiles('auto', images(5, 1000, 1000, 300), 224);
  assert.deepEqual([big.tiles, big.reason.code, big.reason.params['percent']], [null, 'PLAN_TILES_AUTO_NO_SMALL', 0]);
  assert.equal(planTrainTiles('auto', images(3, 2000, 1500, 15).map((r) => ({ ...r, boxes: [] })), 192).reason.code, 'PLAN_TILES_AUTO_NO_BOXES');
});

test("the user's off and SIZE win over the rule", () => {
  const off = planTrainTiles('off', images(20, 2000, 1500, 15), 192);
  assert.deepEqual([off.tiles, off.reason.code], [null, 'PLAN_TILES_OFF']);
  // Off where auto would tile: the choice stands, with a warning that says what whole images cost.
  assert.deepEqual(off.warnings.map((w) => [w.code, w.params['percent'], w.params['minPx'], w.params['shrink'], w.params['imgsz']]), [['PLAN_WARN_TILES_OFF', 100, 8, 10.4, 192]]);
  assert.match(formatReason(off.warnings[0]!, 'zh'), /已关闭切块/);
  // Off where auto would not tile either: nothing to warn about.
  assert.deepEqual(planTrainTiles('off', images(5, 200, 200, 20), 224).warnings, []);
  assert.deepEqual(planTrainTiles('auto', images(20, 2000, 1500, 15), 192).warnings, []);
  const sized = planTrainTiles(384, images(5, 200, 200, 20), 192);
  assert.equal(sized.tiles?.size, 384);
  assert.equal(sized.reason.code, 'PLAN_TILES_SIZE');
  assert.deepEqual(['auto', 'OFF', ' 512 ', '16', '9000', '12.5', 'yes', ''].map(parseTrainTilesMode), ['auto', 'off', 512, null, null, null, null, null]);
  // The flag and the app's schema take the same sizes (LIMITS.tileSize).
  for (const raw of ['32', '31', '500', '8192', '8193']) assert.equal(parseTrainTilesMode(raw) !== null, TrainTilesModeSchema.safeParse(Number(raw)).success, raw);
});

test('the plan records its tiles and says why, with the tile counts, in English and Chinese', () => {
  const train = images(20, 2000, 1500, 15);
  const d = planTrainTiles('auto', train, 192);
  const cut = tileSamples(train, { size: 192, overlap: 0.2, seed: 0 });
  const counts = tileSamplesReason(cut.stats, d.tiles!);
  const plan = planTraining(PROFILES.vmNoGpu, { scale: 'n', imgsz: 192, numClasses: 1 }, { trainImages: cut.samples.length }, { epochs: 5 }, { tiling: { tiles: d.tiles, reasons: [d.reason, counts] } });
  assert.equal(TrainingPlanSchema.parse(plan).tiles?.size, 192);
  assert.equal(plan.trainImages, cut.samples.length);
  // Each image: the 15 px box at (100,100) lies whole in 1 tile of the 13x10 grid -> 20 defect tiles, 10 background.
  assert.deepEqual([cut.stats.objectTiles, cut.stats.backgroundTiles, cut.stats.samples], [20, 10, 30]);
  const codes = plan.reasons.map((r) => r.code);
  assert.ok(codes.includes('PLAN_TILES_AUTO_SMALL') && codes.includes('PLAN_TILES_SAMPLES'), codes.join());
  for (const r of [d.reason, counts, ...(['off', 256] as const).map((m) => planTrainTiles(m, train, 192).reason)]) {
    assert.doesNotMatch(r.message, /\{\w+\}|undefined|NaN/, r.code);
    assert.doesNotMatch(formatReason(r, 'zh'), /\{\w+\}|undefined|NaN/, r.code);
  }
  assert.match(counts.message, /^20 of 20 training images cut into 192 px tiles: 20 tiles with defects and 10 background tiles/);
  // Without a tiling decision the plan trains on whole images; an older plan.json (no field) reads as such.
  const whole = planTraining(PROFILES.vmNoGpu, { scale: 'n', imgsz: 192, numClasses: 1 }, { trainImages: 20 }, { epochs: 5 });
  assert.equal(whole.tiles, null);
  const { tiles: _t, ...older } = whole;
  assert.equal(TrainingPlanSchema.parse(older).tiles, null);
});
