import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { ARTIFACTS, ensureRendererBuilt, openBrowser, shot, skipReason, startBridge, WORKER_ENTRY, type Bridge } from './harness';

const skip = skipReason();
if (skip) console.log(`[e2e] ${skip}`);

/** Epochs of the end-to-end training run: enough to see two epochs of live updates. */
const E2E_EPOCHS = 2;

/** A small YOLO dataset with the usual mistakes: what an engineer's first folder often looks like. */
async function writeBrokenDataset(dir: string): Promise<void> {
  for (const d of ['images/train', 'labels/train']) mkdirSync(join(dir, d), { recursive: true });
  const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#777' } }).png().toBuffer();
  writeFileSync(join(dir, 'images/train/good.png'), png);
  writeFileSync(join(dir, 'images/train/unlabelled.png'), png);
  writeFileSync(join(dir, 'images/train/empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(dir, 'classes.txt'), 'scratch\n');
  writeFileSync(join(dir, 'labels/train/good.txt'), '0 0.5 0.5 0.2 0.2\n0 0.5 0.5\n7 0.5 0.5 0.1 0.1\n0 1.5 0.5 0.1 0.1\n0 abc 0.5 0.1 0.1\n');
  writeFileSync(join(dir, 'labels/train/orphan.txt'), '0 0.5 0.5 0.2 0.2\n');
}

describe('wizard in Chromium, window.api bridged to the real app handlers', { skip: skip ?? false, timeout: 15 * 60_000 }, () => {
  let bridge: Bridge;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  before(async () => {
    ensureRendererBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    bridge = await startBridge();
    browser = await openBrowser(bridge);
  });
  after(async () => {
    await browser?.close();
    await bridge?.close();
  });

  test('walks Machine -> Dataset (demo) -> Plan -> Train -> Results', async (t) => {
    const { page, errors } = browser;
    errors.length = 0;
    await page.goto(`${bridge.baseUrl}/index.html`);

    // 1. Machine: the real hardware probe of this machine.
    await page.getByTestId('machine').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('backend-used').innerText(), /wasm|cpu|tfjs-node/);
    await shot(page, '01-machine');

    // 2. Dataset: the built-in demo set, generated and checked by the real engine.
    await page.getByTestId('machine-next').click();
    await page.getByTestId('use-demo').click();
    await page.getByTestId('dataset-report').waitFor({ timeout: 180_000 });
    const splitText = await page.getByTestId('split-table').innerText();
    assert.match(splitText, /train\s+\d+/);
    const classRows = await page.getByTestId('class-table').locator('tbody tr').count();
    assert.ok(classRows >= 2, `the demo set has several classes (saw ${classRows})`);
    await page.getByTestId('samples').locator('canvas').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('chart-classes').locator('canvas').waitFor();
    await shot(page, '02-dataset');

    // 3. Plan: the real planner for this machine and dataset, with reasons and the LR chart.
    await page.getByTestId('dataset-next').click();
    await page.getByTestId('plan').waitFor({ timeout: 60_000 });
    await page.getByTestId('imgsz').selectOption('160');
    await page.getByTestId('epochs').fill(String(E2E_EPOCHS));
    await page.getByTestId('epochs').blur();
    // Wait for the re-plan with these inputs (debounced) to be on screen.
    await page.waitForFunction((n) => document.querySelector('[data-testid="plan-epochs"]')?.textContent === String(n) && !document.querySelector('.stale'), E2E_EPOCHS, { timeout: 60_000 });
    const batch = Number(await page.getByTestId('plan-batch').innerText());
    assert.ok(batch >= 1, 'the plan has a per-device batch');
    assert.ok((await page.getByTestId('plan-reasons').locator('li').count()) >= 3, 'each decision comes with a reason');
    await page.getByTestId('chart-lr').locator('canvas').waitFor();
    await shot(page, '03-plan');

    // 4. Train: a real training process, forked by the app's supervisor.
    if (!existsSync(WORKER_ENTRY)) {
      t.todo(`PENDING: ${WORKER_ENTRY} does not exist yet (training-runs issue); the Train and Results steps are not exercised.`);
      assert.deepEqual(errors, []);
      return;
    }
    await page.getByTestId('plan-accept').click();
    await page.getByTestId('train').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (n) => {
        const el = document.querySelector('[data-testid="train-epoch"]');
        return el !== null && new RegExp(`\\b${n}\\b`).test(el.textContent ?? '') && document.querySelector('[data-testid="images-per-sec"]')?.textContent !== '–';
      },
      E2E_EPOCHS,
      { timeout: 10 * 60_000 },
    );
    await shot(page, '04-train');
    await page.getByTestId('see-results').waitFor({ timeout: 10 * 60_000 });
    const mapPoints = await page.evaluate(() => document.querySelectorAll('[data-testid="chart-map"] .u-legend').length);
    assert.ok(mapPoints >= 1);
    await shot(page, '04-train-done');

    // 5. Results of the finished run.
    await page.getByTestId('see-results').click();
    await page.getByTestId('results').waitFor({ timeout: 60_000 });
    const map50 = Number(await page.getByTestId('map50').innerText());
    assert.ok(map50 >= 0 && map50 <= 1);
    await shot(page, '05-results');
    assert.deepEqual(errors, []);
  });

  test('a broken dataset shows its problems, grouped by code, without crashing', async () => {
    const { page, errors } = browser;
    errors.length = 0;
    const dir = mkdtempSync(join(tmpdir(), 'kestrel-e2e-broken-'));
    try {
      await writeBrokenDataset(dir);
      bridge.dialogs.folders.push(dir);
      await page.goto(`${bridge.baseUrl}/index.html`);
      await page.getByTestId('nav-dataset').click();
      await page.getByTestId('pick-folder').click();
      await page.getByTestId('problems').waitFor({ timeout: 60_000 });
      await page.getByTestId('checking').waitFor({ state: 'detached' });
      const groups = page.getByTestId('problem-group');
      const codes = await groups.evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
      assert.ok(codes.length >= 3, `several kinds of problem are listed (saw ${codes.join(', ')})`);
      assert.match((await page.getByTestId('problems').textContent()) ?? '', /good\.txt|empty\.jpg|orphan\.txt/);
      await shot(page, '06-dataset-broken');
      // The same page in Simplified Chinese: strings from the zh message file, numbers for zh-CN.
      await page.getByTestId('locale').selectOption('zh');
      await page.getByText('选择图像').waitFor();
      assert.match((await page.getByTestId('problems').textContent()) ?? '', /问题/);
      await shot(page, '07-dataset-broken-zh');
      await page.getByTestId('locale').selectOption('en');
      assert.deepEqual(errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
