// The Plan step's pure decisions: run time, the "Fix it" of each warning, dataset blockers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reason } from '../../electron/shared/reason';
import { acceptedOf, applyOverrideFix, blockersOf, checkTileSize, defaultTileSize, finishAt, fixFor, fixLabelOf, MAX_FIX_EPOCHS, roughDuration, startLabelOf, startOptionsOf, tilesKindOf, tilingReasonOf, TILE_SIZE_STEP, trainingSeconds, type FixContext } from '../../renderer/src/lib/plan-view';
import { en } from '../../renderer/src/messages/en';
import { zh } from '../../renderer/src/messages/zh';
import { planTraining } from '../../electron/engine/plan/plan';
import { PROFILES } from '../engine/plan/profiles';

const ctx = (over: Partial<FixContext> = {}): FixContext => ({
  plan: { epochs: 10, stepsPerEpoch: 23, memory: { budgetBytes: 4e9, predictedBytes: 3e9, fixedBytes: 1e8, perImageBytes: 5e7, maxBatch: 71, source: 'estimate', calibratedAt: null } },
  overrides: {},
  imgsz: 320,
  sizes: [64, 96, 128, 160, 224, 320, 416, 512, 640],
  recommendedImgsz: 224,
  ...over,
});

test('training time: epochs x (train + a third of val) / speed', () => {
  assert.equal(trainingSeconds({ epochs: 10, trainImages: 900 }, 300, { imagesPerSec: 10 }), 10 * (90 + 10));
});

test('rough durations round the way people say them', () => {
  assert.deepEqual(roughDuration(20), { hours: 0, minutes: 1 });
  assert.deepEqual(roughDuration(7 * 60 + 20), { hours: 0, minutes: 7 });
  assert.deepEqual(roughDuration(110 * 60 + 100), { hours: 1, minutes: 50 });
  assert.deepEqual(roughDuration(4 * 3600 + 14 * 60), { hours: 4, minutes: 10 });
  assert.equal(finishAt(1000, 2), 3000);
});

test('a short run is fixed by enough epochs that the warmup is not cut', () => {
  const fix = fixFor(reason('PLAN_WARN_SHORT_RUN', { totalSteps: 230, warmupSteps: 23, wantedSteps: 69 }), ctx());
  assert.deepEqual(fix, { kind: 'epochs', epochs: Math.ceil(690 / 23) });
  const capped = fixFor(reason('PLAN_WARN_SHORT_RUN', { totalSteps: 10, warmupSteps: 1, wantedSteps: 100000 }), ctx());
  assert.deepEqual(capped, { kind: 'epochs', epochs: MAX_FIX_EPOCHS });
});

test('over budget: the largest batch that fits; hand-set LR: back to the planner', () => {
  const over = fixFor(reason('PLAN_WARN_OVER_BUDGET', { batch: 128, predictedGiB: 6, budgetGiB: 4, maxBatch: 71 }), ctx());
  assert.deepEqual(over, { kind: 'override', set: { batch: 71 }, clear: [] });
  const lr = fixFor(reason('PLAN_WARN_LR_HIGH', { lr: 0.5 }), ctx({ overrides: { lr: 0.5, batch: 8 } }));
  assert.ok(lr && lr.kind === 'override');
  if (lr?.kind === 'override') assert.deepEqual(applyOverrideFix({ lr: 0.5, batch: 8 }, lr), { batch: 8 });
  // Nothing to undo when the engineer did not set it.
  assert.equal(fixFor(reason('PLAN_WARN_LR_HIGH', { lr: 0.5 }), ctx()), null);
});

test('batch one: clear a hand-set batch, else the recommended (smaller) size', () => {
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx()), { kind: 'model', imgsz: 224 });
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx({ recommendedImgsz: null })), { kind: 'model', imgsz: 224 });
  assert.deepEqual(fixFor(reason('PLAN_WARN_BATCH_ONE'), ctx({ overrides: { batch: 1 } })), { kind: 'override', set: {}, clear: ['batch'] });
});

test('blockers: no boxes, no validation images', () => {
  assert.deepEqual(blockersOf({ trainImages: 10, valImages: 0, boxesPerImage: 0 }), ['noBoxes', 'noVal']);
  assert.deepEqual(blockersOf({ trainImages: 10, valImages: 3, boxesPerImage: 1.2 }), []);
});

test('the accepted plan sent with train:start is the plan\'s key figures', () => {
  const plan = { perDeviceBatch: 8, accumulation: 2, lr: 0.01, warmupSteps: 40, epochs: 30, optimizer: 'sgd' } as unknown as Parameters<typeof acceptedOf>[0];
  assert.deepEqual(acceptedOf(plan), { perDeviceBatch: 8, accumulation: 2, lr: 0.01, warmupSteps: 40, epochs: 30 });
});

test('a hand-set warmup of none or too long: back to the planned warmup, its steps on the button', () => {
  const none = fixFor(reason('PLAN_WARN_NO_WARMUP', { planned: 23 }), ctx({ overrides: { warmupEpochs: 0, lr: 0.01 } }));
  assert.deepEqual(none, { kind: 'override', set: {}, clear: ['warmupEpochs'], label: { key: 'plan.fix.warmupSteps', params: { steps: 23 } } });
  if (none?.kind === 'override') assert.deepEqual(applyOverrideFix({ warmupEpochs: 0, lr: 0.01 }, none), { lr: 0.01 });
  const long = fixFor(reason('PLAN_WARN_WARMUP_LONG', { warmupSteps: 200, totalSteps: 230, percent: 87, maxPercent: 10, planned: 23 }), ctx({ overrides: { warmupEpochs: 9 } }));
  assert.deepEqual(long, { kind: 'override', set: {}, clear: ['warmupEpochs'], label: { key: 'plan.fix.warmupSteps', params: { steps: 23 } } });
  // No planned figure in the warning: the button still says what it does, without a number.
  assert.deepEqual(fixFor(reason('PLAN_WARN_NO_WARMUP', {}), ctx({ overrides: { warmupEpochs: 0 } })), { kind: 'override', set: {}, clear: ['warmupEpochs'], label: { key: 'plan.fix.warmupPlanned', params: {} } });
  // Nothing to undo when the warmup is the planner's own.
  assert.equal(fixFor(reason('PLAN_WARN_NO_WARMUP', { planned: 23 }), ctx()), null);
});

test('a hand-set weight decay outside the safe range: back to the planned weight decay', () => {
  const w = reason('PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE', { weightDecay: 0.5, effectiveBatch: 64, min: 0.0001, max: 0.004, optimizer: 'SGD', planned: 0.0005 });
  const fix = fixFor(w, ctx({ overrides: { weightDecay: 0.5, batch: 8 } }));
  assert.deepEqual(fix, { kind: 'override', set: {}, clear: ['weightDecay'], label: { key: 'plan.fix.weightDecay', params: { weightDecay: 0.0005 } } });
  if (fix?.kind === 'override') assert.deepEqual(applyOverrideFix({ weightDecay: 0.5, batch: 8 }, fix), { batch: 8 });
  assert.equal(fixFor(w, ctx()), null);
});

test("the planner's own warnings on a hand-set warmup and weight decay get these fixes, and applying them clears the warnings", () => {
  const hw = PROFILES.vmNoGpu;
  const model = { scale: 'n' as const, imgsz: 64, numClasses: 1 };
  const plan = (o: Parameters<typeof planTraining>[3]) => planTraining(hw, model, { trainImages: 400 }, { epochs: 20, ...o });
  for (const overrides of [{ warmupEpochs: 0 }, { warmupEpochs: 15 }, { weightDecay: 0.5 }]) {
    const p = plan(overrides);
    const codes = p.warnings.map((w) => w.code).filter((c) => /WARMUP|WEIGHT_DECAY/.test(c));
    assert.equal(codes.length, 1, `${JSON.stringify(overrides)}: ${codes.join()}`);
    const w = p.warnings.find((x) => x.code === codes[0])!;
    const fix = fixFor(w, ctx({ plan: p, overrides }));
    assert.ok(fix?.kind === 'override', `${codes[0]} has a fix`);
    const label = fixLabelOf(fix);
    assert.ok(label.key === 'plan.fix.warmupSteps' || label.key === 'plan.fix.weightDecay', label.key);
    // The figure on the button is the planner's own value.
    if (label.key === 'plan.fix.warmupSteps') assert.equal(label.params['steps'], plan({}).warmupSteps);
    else assert.equal(label.params['weightDecay'], plan({}).weightDecay);
    const fixed = plan(applyOverrideFix(overrides, fix));
    assert.deepEqual(fixed.warnings.filter((x) => /WARMUP|WEIGHT_DECAY/.test(x.code)), []);
  }
});

test('each fix has its button text in English and Chinese, every figure filled', () => {
  const fixes = [
    { kind: 'epochs' as const, epochs: 30 },
    { kind: 'model' as const, imgsz: 224 },
    { kind: 'override' as const, set: { batch: 71 }, clear: [] },
    { kind: 'override' as const, set: {}, clear: ['lr' as const] },
    fixFor(reason('PLAN_WARN_NO_WARMUP', { planned: 23 }), ctx({ overrides: { warmupEpochs: 0 } }))!,
    fixFor(reason('PLAN_WARN_WEIGHT_DECAY_OVERRIDE_UNSAFE', { planned: 0.0005 }), ctx({ overrides: { weightDecay: 0.5 } }))!,
    fixFor(reason('PLAN_WARN_TILES_OFF', { imgsz: 192, percent: 100, minPx: 8, shrink: 10.4 }), ctx())!,
  ];
  const fill = (s: string, params: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  const texts = fixes.map((f) => {
    const l = fixLabelOf(f);
    return [fill(en[l.key], l.params), fill(zh[l.key], l.params)];
  });
  assert.deepEqual(texts, [
    ['train 30 epochs', '训练 30 轮'],
    ['use 224 px', '使用 224 px'],
    ['use batch 71', '使用批大小 71'],
    ['let Kestrel choose', '由 Kestrel 决定'],
    ['use the planned warmup (23 steps)', '使用规划的预热（23 步）'],
    ['use the planned weight decay (0.0005)', '使用规划的权重衰减（0.0005）'],
    ['use automatic tiles', '使用自动切块'],
  ]);
});

test('tiles turned off where the small boxes need them: the fix is automatic tiles', () => {
  assert.deepEqual(fixFor(reason('PLAN_WARN_TILES_OFF', { imgsz: 192, percent: 100, minPx: 8, shrink: 10.4 }), ctx()), { kind: 'tiles', tiles: 'auto' });
});

test('the Tiles choice: its select value, the tile size field and the size it starts at', () => {
  assert.deepEqual((['auto', 'off', 640] as const).map(tilesKindOf), ['auto', 'off', 'size']);
  assert.deepEqual(checkTileSize(' 640 ', 320), { ok: true, size: 640 });
  assert.deepEqual(checkTileSize('32', 320), { ok: true, size: 32 });
  assert.deepEqual(checkTileSize('8192', 320), { ok: true, size: 8192 });
  // Refused, each with a sentence that says what would be taken.
  assert.deepEqual(checkTileSize('500', 320), { ok: false, error: { key: 'plan.tiles.errorStep', params: { step: TILE_SIZE_STEP, lower: 480, upper: 512 } } });
  assert.deepEqual(checkTileSize('16', 320), { ok: false, error: { key: 'plan.tiles.errorRange', params: { min: 32, max: 8192 } } });
  assert.deepEqual(checkTileSize('9000', 320), { ok: false, error: { key: 'plan.tiles.errorRange', params: { min: 32, max: 8192 } } });
  for (const raw of ['', 'abc', '640.5', '-64', '1e3']) assert.deepEqual(checkTileSize(raw, 320), { ok: false, error: { key: 'plan.tiles.errorNumber', params: { example: 320 } } }, raw);
  const fill = (s: string, params: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  const refused = checkTileSize('500', 320);
  assert.ok(!refused.ok);
  assert.equal(fill(en[refused.error.key], refused.error.params), 'The tile size must be a multiple of 32 px: 480 or 512, for example.');
  assert.equal(fill(zh[refused.error.key], refused.error.params), '块大小必须是 32 px 的倍数，例如 480 或 512。');
  // "Tile size…" starts at the plan's tiles (automatic: the input size), else the input size.
  assert.equal(defaultTileSize({ size: 224 }, 320), 224);
  assert.equal(defaultTileSize({ size: 500 }, 320), 320, 'a CLI run\'s odd size is not offered');
  assert.equal(defaultTileSize(null, 320), 320);
});

test("the plan's tiling sentence is its decision, not the tile counts", () => {
  const decision = reason('PLAN_TILES_OFF', { imgsz: 64 });
  assert.deepEqual(tilingReasonOf({ reasons: [reason('PLAN_TILES_SAMPLES', {}), decision] }), decision);
  assert.equal(tilingReasonOf({ reasons: [] }), null);
});

test("the plan's Starting weights row and the choice's options", () => {
  const fill = (s: string, params: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  const say = (l: { key: keyof typeof en; params: Record<string, string | number> }) => fill(en[l.key], l.params);
  assert.equal(say(startLabelOf({})), 'random (from scratch)');
  assert.equal(say(startLabelOf({ pretrained: 'kestrel-synth-n' })), 'Kestrel’s pretrained weights kestrel-synth-n');
  assert.equal(say(startLabelOf({ parentRun: 'base', pretrained: 'ignored' })), 'the earlier run base', 'a fine-tune starts from its parent');
  // Shipped: all three offered; none (or an answer that does not say): the pretrained one disabled, saying why.
  const offered = startOptionsOf({ name: 'kestrel-synth-n', images: 20000 }, 'n');
  assert.deepEqual(offered.map((o) => [o.value, o.disabled]), [['auto', false], ['pretrained', false], ['scratch', false]]);
  assert.deepEqual(offered.map((o) => say(o.label)), ['Automatic', 'Kestrel’s pretrained weights', 'Random weights (from scratch)']);
  for (const shipped of [null, undefined]) {
    const none = startOptionsOf(shipped, 'm');
    assert.deepEqual(none.map((o) => [o.value, o.disabled]), [['auto', false], ['pretrained', true], ['scratch', false]]);
    assert.equal(say(none[1]!.label), 'Kestrel’s pretrained weights (none for YOLOv8m)');
    assert.equal(fill(zh[none[1]!.label.key], none[1]!.label.params), 'Kestrel 的预训练权重（YOLOv8m 没有）');
  }
});
