// The improve loop once, end to end, in Chromium against the real handlers on the demo set: a
// finished run (trained by the app's own training process), a gallery image's label fixed and
// saved, an image dropped on Try it, the model's boxes opened as a draft in the label editor, one
// box corrected and the others deleted, the image added to the dataset (the files checked on
// disk), then the fine-tune planned and started from that run: its config names the parent,
// Past runs shows it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { dispatch } from '../../electron/app/index';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import type { ChannelName, Res } from '../../electron/shared/ipc-contract';
import { canvasMapper, dragImage, listedBoxes, near } from './editor-helpers';
import { ARTIFACTS, ensureRendererBuilt, openBrowser, shot, skipReason, startBridge, type Bridge } from './harness';

const skip = skipReason();
if (skip) console.log(`[e2e] ${skip}`);

/** The demo set the app generates here: small, so the parent run trains one epoch in well under a minute. */
const DEMO = { images: 24, size: [64, 96] as [number, number] };
/** The parent run: the smallest input size, one epoch (its boxes are rough: exactly what review is for). */
const PARENT = 'base';
/** The class the corrected box gets, and where it ends up, in image pixels. */
const FIXED_CLS = 2;
const FIXED: [number, number, number, number] = [4, 4, 30, 24];
/** The name the new image is dropped under (no demo image has it). */
const DROPPED = 'new-part.jpg';

async function call<C extends ChannelName>(bridge: Bridge, ch: C, payload: unknown): Promise<Res<C>> {
  const r = await dispatch(bridge.core.handlers, ch, payload);
  if (!r.ok) throw new Error(`${ch}: ${r.error.code} ${r.error.message}`);
  return r.value as Res<C>;
}

/** Waits until no training process runs (the supervisor's view), up to `ms`. */
async function untilIdle(bridge: Bridge, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while ((await call(bridge, 'train:status', {})).active !== null) {
    if (Date.now() > end) throw new Error('the training process did not end in time');
    await new Promise((ok) => setTimeout(ok, 500));
  }
}


describe('the improve loop in Chromium: predict, review, add, fine-tune', { skip: skip ?? false, timeout: 15 * 60_000 }, () => {
  let bridge: Bridge;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let demoDir: string;
  let newImages: string;

  before(async () => {
    ensureRendererBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    bridge = await startBridge({ demo: DEMO });
    // The parent run through the app's own channels and training process (what the wizard does).
    demoDir = (await call(bridge, 'dataset:demo', {})).path;
    await call(bridge, 'dataset:check', { path: demoDir });
    await call(bridge, 'train:start', { datasetPath: demoDir, model: { scale: 'n', imgsz: 64 }, epochs: 1, name: PARENT });
    await untilIdle(bridge, 8 * 60_000);
    const parent = (await call(bridge, 'runs:list', {})).runs.find((r) => r.id === PARENT);
    assert.equal(parent?.status, 'completed', 'the parent run finished');
    // Images the dataset has never seen: the same generator, another seed.
    newImages = mkdtempSync(join(tmpdir(), 'kestrel-e2e-new-images-'));
    await generateDemoDataset(newImages, { seed: 7, images: 6, size: DEMO.size });
    browser = await openBrowser(bridge);
  });
  after(async () => {
    await browser?.close();
    if (bridge) await untilIdle(bridge, 3 * 60_000).catch(() => undefined);
    await bridge?.close();
    if (newImages) rmSync(newImages, { recursive: true, force: true });
  });

  test('drop an image on Try it, correct the draft, add it to the dataset, fine-tune from the run', async () => {
    const { page, errors } = browser;
    errors.length = 0;
    await page.goto(`${bridge.baseUrl}/index.html`);

    // The finished run, from Past runs.
    await page.getByTestId('nav-runs').click();
    const row = page.locator('[data-testid="runs-table"] tbody tr', { hasText: PARENT }).first();
    await row.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('results').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('run-header').innerText(), new RegExp(PARENT));
    assert.equal(await page.getByTestId('run-parent').count(), 0, 'a run from scratch has no parent');

    // A miss in the gallery opens in the label editor with its ground truth: a wrong class is fixed and saved.
    await page.getByTestId('gallery-edit').first().click();
    await page.getByTestId('editor-image').waitFor();
    const valImage = await page.getByTestId('editor-image').innerText();
    const labelFile = join(demoDir, valImage.replace(/^images\//, 'labels/').replace(/\.\w+$/, '.txt'));
    const truths = readFileSync(labelFile, 'utf8').trim().split('\n');
    assert.equal((await listedBoxes(page)).length, truths.length, 'the ground truth of the image');
    const wrong = Number(truths[0]!.split(' ')[0]);
    const right = (wrong + 1) % 3;
    await page.getByTestId('editor-boxes').locator('li button').first().click();
    await page.getByTestId('editor-class').selectOption(String(right));
    await page.keyboard.press('Control+s');
    await page.getByTestId('editor-note').waitFor();
    assert.equal(Number(readFileSync(labelFile, 'utf8').trim().split('\n')[0]!.split(' ')[0]), right, 'the label file on disk has the fixed class');
    await page.getByTestId('editor-close').click();
    assert.match(await page.getByTestId('finetune-offer').innerText(), /1 image relabelled, 0 images added/);

    // Drop a new image on Try it (the page gets the file's bytes, as from the file manager).
    const source = join(newImages, 'images', 'train', readdirSync(join(newImages, 'images', 'train'))[0]!);
    const bytes = readFileSync(source);
    const { width: W = 0, height: H = 0 } = await sharp(bytes).metadata();
    const dt = await page.evaluateHandle(
      ({ b64, name }) => {
        const bin = atob(b64);
        const data = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) data[i] = bin.charCodeAt(i);
        const t = new DataTransfer();
        t.items.add(new File([data], name, { type: 'image/jpeg' }));
        t.items.add(new File(['not an image'], 'notes.txt', { type: 'text/plain' }));
        return t;
      },
      { b64: bytes.toString('base64'), name: DROPPED },
    );
    await page.getByTestId('try-it').scrollIntoViewIfNeeded();
    await page.dispatchEvent('[data-testid="try-it"]', 'dragover', { dataTransfer: dt });
    assert.match(await page.getByTestId('try-drop').innerText(), /Drop the images/);
    await page.dispatchEvent('[data-testid="try-it"]', 'drop', { dataTransfer: dt });
    await page.getByTestId('try-summary').waitFor({ timeout: 3 * 60_000 });
    assert.match(await page.getByTestId('try-summary').innerText(), /^1 image: [01] NG, [01] OK/);
    assert.match(await page.getByTestId('try-left-out').innerText(), /^1 file was left out/, 'the text file is named as left out');
    const drafts = Number(await page.getByTestId('try-defects').getAttribute('data-count'));
    const copies = readdirSync(join(bridge.userDataDir, 'runs', PARENT, 'dropped'));
    assert.equal(copies.length, 1, 'the drop was saved in the run folder');
    await shot(page, '16-improve-try-it');

    // The draft in the label editor: the model's boxes, to correct.
    await page.getByTestId('try-review').click();
    await page.getByTestId('editor-add').waitFor();
    await page.getByTestId('editor-image').waitFor(); // the image and its draft are loaded
    assert.match(await page.getByTestId('editor-image').innerText(), /new-part\.jpg$/);
    const at = await canvasMapper(page, W, H);
    if (drafts === 0) {
      // Nothing found: the engineer draws the defect the model missed.
      await page.getByTestId('editor-good-now').waitFor();
      await page.keyboard.press('w');
      await dragImage(page, at, [FIXED[0], FIXED[1]], [FIXED[2], FIXED[3]]);
    } else {
      assert.equal((await listedBoxes(page)).length, drafts, "every box of the model's is in the draft");
      // Correct the first box: select it, resize it corner by corner to the real defect.
      await page.getByTestId('editor-boxes').locator('li button').first().click();
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = (await listedBoxes(page))[0]!.box;
      await dragImage(page, at, [x2, y2], [W - 4, H - 4]);
      near((await listedBoxes(page))[0]!.box[2]!, W - 4, 'se corner dragged');
      await dragImage(page, at, [x1, y1], [FIXED[0], FIXED[1]]);
      await dragImage(page, at, [W - 4, H - 4], [FIXED[2], FIXED[3]]);
      // The model's other boxes were false alarms: delete them.
      while ((await listedBoxes(page)).length > 1) {
        await page.getByTestId('editor-boxes').locator('li button').nth(1).click();
        await page.keyboard.press('Delete');
      }
    }
    await page.getByTestId('editor-boxes').locator('li button').first().click();
    await page.getByTestId('editor-class').selectOption(String(FIXED_CLS));
    const [fixed] = await listedBoxes(page);
    assert.equal(fixed!.cls, FIXED_CLS);
    FIXED.forEach((v, i) => near(fixed!.box[i]!, v, `corrected box corner ${i}`));

    // Add it to the dataset's training images, in the dataset's own format (YOLO here).
    const trainBefore = readdirSync(join(demoDir, 'images', 'train')).length;
    await page.getByTestId('editor-add').click();
    await page.getByTestId('editor-note').waitFor();
    assert.match(await page.getByTestId('editor-note').innerText(), /Added to the training images as .*new-part\.jpg/);
    await shot(page, '17-improve-review');
    const added = join(demoDir, 'images', 'train', DROPPED);
    assert.ok(existsSync(added), 'the image was copied into the train split');
    assert.deepEqual(readFileSync(added), bytes, 'byte for byte');
    const lines = readFileSync(join(demoDir, 'labels', 'train', 'new-part.txt'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1, 'one box: the corrected one');
    const [c, xc, yc, w, h] = lines[0]!.split(' ').map(Number) as [number, number, number, number, number];
    assert.equal(c, FIXED_CLS);
    near((xc - w / 2) * W, FIXED[0], 'x1 on disk');
    near((yc - h / 2) * H, FIXED[1], 'y1 on disk');
    near((xc + w / 2) * W, FIXED[2], 'x2 on disk');
    near((yc + h / 2) * H, FIXED[3], 'y2 on disk');
    assert.equal(readdirSync(join(demoDir, 'images', 'train')).length, trainBefore + 1);
    // Adding the same picture again is refused with its code: it is in the dataset now.
    assert.equal(await page.getByTestId('editor-add').isDisabled(), true, 'added once');
    await page.getByTestId('editor-close').click();

    // Then fine-tune: the offer names the change; the Plan step plans a fine-tune of the run.
    const offer = page.getByTestId('finetune-offer');
    await offer.waitFor();
    assert.match(await offer.innerText(), /1 image relabelled, 1 image added/);
    await page.getByTestId('improve-corrections').click();
    await page.getByTestId('plan-summary').waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('finetune-banner').getAttribute('data-parent'), PARENT);
    assert.match(await page.getByTestId('finetune-banner').innerText(), new RegExp(`Fine-tuning from ${PARENT} \\(YOLOv8n, 64 px\\)`));
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('epochs').blur();
    await page.waitForFunction(() => document.querySelector('[data-testid="plan-epochs"]')?.textContent === '1' && !document.querySelector('.stale'), null, { timeout: 60_000 });
    // The dataset was checked again: the plan trains on the added image too, as a fine-tune.
    assert.match(await page.getByTestId('plan-summary').innerText(), new RegExp(`${trainBefore + 1} images`));
    await page.getByTestId('plan-details').locator('summary').click();
    assert.match(await page.getByTestId('plan-reasons').innerText(), new RegExp(`Fine-tuning from the earlier run ${PARENT}`));
    await shot(page, '18-improve-plan');

    await page.getByTestId('plan-accept').click();
    await page.getByTestId('train').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('finetune-banner').count(), 0, 'the fine-tune started: no banner any more');
    const child = (await call(bridge, 'train:status', {})).active?.runId ?? (await call(bridge, 'runs:list', {})).runs[0]!.id;
    assert.notEqual(child, PARENT);
    const config = JSON.parse(readFileSync(join(bridge.userDataDir, 'runs', child, 'config.json'), 'utf8')) as { from?: string; datasetPath: string; model: { scale: string } };
    assert.equal(config.from, join(bridge.userDataDir, 'runs', PARENT, 'weights', 'best'), 'the new run starts from the parent weights');
    assert.equal(config.datasetPath, demoDir);
    // The training process stands in for nothing here; stop it (a checkpoint is saved) to keep the test short.
    if (await page.getByTestId('train-stop').count()) await page.getByTestId('train-stop').click();
    await untilIdle(bridge, 5 * 60_000);

    // Past runs: the new run names its parent.
    await page.getByTestId('nav-runs').click();
    const childRow = page.locator('[data-testid="runs-table"] tbody tr', { hasText: child }).first();
    await childRow.waitFor();
    assert.match(await childRow.getByTestId('run-parent').innerText(), new RegExp(`fine-tuned from ${PARENT}`));
    await shot(page, '19-improve-runs');
    assert.deepEqual(errors, []);
  });
});
