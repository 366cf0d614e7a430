/**
 * The Results views of the browser test, after a real run: the verdict at per-class
 * thresholds, saving them, the gallery (filters, enlarge), Try it, Export, the report, then
 * the same page in Chinese (no English words from the engine), at 1024x640 and in the dark
 * theme, and Past runs (name, note, dataset column, comparison, delete). Screenshots go to
 * test-artifacts/ like the rest of the wizard's.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, shot, VIEWPORT, type Bridge } from './harness';

/** Latin words a Chinese screen may show: product, metric and format names, units, the verdicts. */
const ALLOWED = new Set(['Kestrel', 'YOLOv8n', 'YOLOv8s', 'YOLOv8m', 'mAP50', 'mAP50-95', 'AP50', 'AP50-95', 'px', 'NG', 'OK', 'PDF', 'ONNX', 'JSON', 'SGD', 'AdamW', 'F1', 'IoU', 'GiB', 'MiB', 'KiB', 'thresholds.json', 'mAP', 'CPU', 'GPU', 'wasm', 'BatchNorm', 'GroupNorm', 'SyncBatchNorm', 'CUDA', 'EMA', 'CutMix', 'Nesterov', 'max', 'round', 'NVIDIA', 'LR']);

/** English-looking words in a text, leaving out names with digits, dots, dashes or underscores (files, runs, paths) and `exclude`. */
export function englishWords(text: string, exclude: readonly string[]): string[] {
  const skip = new Set([...ALLOWED, ...exclude]);
  // Names the engineer chose (classes, runs) are not English from the engine: cut them out first
  // (a <select> lists its options without spaces between them).
  let rest = text;
  for (const name of [...exclude].sort((a, b) => b.length - a.length)) if (name) rest = rest.split(name).join(' ');
  return rest
    .split(/[\s，。：；、（）()【】“”《》！？,:;!?/\\|·×…'"]+/)
    .filter((w) => /^[A-Za-z]{3,}$/.test(w) && !skip.has(w));
}

/** Runs the Results checks on the run the wizard just trained. */
export async function checkResults(page: Page, bridge: Bridge): Promise<void> {
  const runsDir = join(bridge.userDataDir, 'runs');
  const runId = readdirSync(runsDir).find((n) => !n.startsWith('.'))!;
  const runDir = join(runsDir, runId);

  // Which run, and the verdict in plain words before the figures.
  assert.match(await page.getByTestId('run-header').innerText(), new RegExp(runId));
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor();
  assert.match(await verdict.innerText(), /The model finds \d+ of \d+ defects? and misses \d+; it raises \d+ false alarms?\./);
  const precision = await page.getByTestId('precision').innerText();
  const m = /finds (\d+) of/.exec(await verdict.innerText());
  const falseAlarms = Number(await page.getByTestId('false-alarms').innerText());
  if (Number(m?.[1]) + falseAlarms === 0) assert.equal(precision, '–', 'no precision 1.000 without detections');
  await shot(page, '05-results');

  // Per-class thresholds: one slider per class; moving one updates the verdict; saving writes thresholds.json.
  const sliders = page.getByTestId('threshold-slider');
  const classes = await sliders.count();
  assert.ok(classes >= 2, `a slider per class (saw ${classes})`);
  await sliders.first().fill('0.05');
  await page.getByTestId('save-thresholds').click();
  await page.getByTestId('results-notice').waitFor();
  assert.match(await page.getByTestId('results-notice').innerText(), /thresholds\.json/);
  const saved = JSON.parse(readFileSync(join(runDir, 'thresholds.json'), 'utf8')) as { classes: { conf: number }[] };
  assert.equal(saved.classes.length, classes);
  assert.equal(saved.classes[0]!.conf, 0.05);
  await page.getByTestId('thresholds').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, '05-results-thresholds.png') });

  // Gallery: captions with badges, filters, click to enlarge.
  const items = page.getByTestId('gallery-item');
  if ((await items.count()) > 0) {
    await items.first().click();
    await page.getByTestId('enlarged').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '05-results-enlarged.png') });
    await page.keyboard.press('Escape');
    await page.getByTestId('filter-error').selectOption('misses');
    const shown = await page.getByTestId('gallery-item').count();
    const withMiss = await page.getByTestId('badge-miss').count();
    assert.equal(withMiss, shown, 'the misses filter shows only images with misses');
    await page.getByTestId('filter-error').selectOption('all');
  }

  // Try it: the demo set's validation images, picked in main's (scripted) folder dialog.
  bridge.dialogs.folders.push(join(bridge.userDataDir, 'demo-dataset', 'images', 'val'));
  await page.getByTestId('try-folder').click();
  await page.getByTestId('try-summary').waitFor({ timeout: 5 * 60_000 });
  assert.match(await page.getByTestId('try-summary').innerText(), /\d+ images?: \d+ NG, \d+ OK/);
  assert.match(await page.getByTestId('try-verdict').innerText(), /^(OK|NG)$/);
  await page.getByTestId('try-it').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, '08-try-it.png') });
  await page.getByTestId('try-ng-only').check();

  // Export for the production line: the destination comes from main's dialog; the notice says where.
  const dest = mkdtempSync(join(tmpdir(), 'kestrel-e2e-export-'));
  bridge.dialogs.folders.push(dest);
  await page.getByTestId('export').click();
  await page.waitForFunction(() => /exported to/i.test(document.querySelector('[data-testid="results-notice"]')?.textContent ?? ''), null, { timeout: 5 * 60_000 });
  const exported = readdirSync(dest, { recursive: true }).map(String);
  assert.ok(exported.length > 0, 'export wrote files');
  const onnx = exported.find((f) => f.endsWith('.onnx'));
  if (onnx) {
    // The exported model runs in ONNX Runtime, as on the line PC.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(dest, onnx));
    const name = session.inputNames[0]!;
    const size = 96;
    const out = await session.run({ [name]: new ort.Tensor('float32', new Float32Array(3 * size * size), [1, 3, size, size]) });
    assert.ok(Object.values(out)[0]!.dims.length >= 2);
  }
  await shot(page, '09-export');

  // The report: plots drawn by uPlot saved as PNGs, report.html in the run folder.
  await page.getByTestId('save-report').click();
  await page.waitForFunction(() => /report saved/i.test(document.querySelector('[data-testid="results-notice"]')?.textContent ?? ''), null, { timeout: 120_000 });
  const report = join(runDir, 'report.html');
  assert.ok(existsSync(report));
  assert.ok(existsSync(join(runDir, 'plots', 'loss.png')) || existsSync(join(runDir, 'plots', 'pr.png')), 'PNG plots in the run folder');
  const html = readFileSync(report, 'utf8');
  assert.match(html, /Verdict at the chosen thresholds/);
  const reportPage = await page.context().newPage();
  await reportPage.setViewportSize(VIEWPORT);
  await reportPage.goto(`file://${report}`);
  await reportPage.screenshot({ path: join(ARTIFACTS, '15-report.png'), fullPage: false });
  await reportPage.close();

  // Chinese: the whole Results screen, no English words from the engine.
  await page.getByTestId('locale').selectOption('zh');
  await page.getByText('这些阈值在验证图像上的含义').waitFor();
  const classNames = await page.getByTestId('threshold-row').evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent?.trim() ?? ''));
  // The notices quote folder paths (the engineer's own words): left out of the check.
  const zhText = await page.locator('main').evaluate((m: HTMLElement) => {
    const notes = [...m.querySelectorAll<HTMLElement>('[data-testid="results-notice"], [data-testid="try-summary"]')];
    notes.forEach((n) => (n.hidden = true));
    const text = m.innerText;
    notes.forEach((n) => (n.hidden = false));
    return text;
  });
  assert.deepEqual(englishWords(zhText, [...classNames, runId]), [], 'the Chinese Results screen shows no English words');
  await shot(page, '11-results-zh');
  await page.getByTestId('locale').selectOption('en');

  // 1024x640: the per-class table fits its panel without a horizontal scroll bar.
  await page.setViewportSize({ width: 1024, height: 640 });
  const fits = await page.getByTestId('per-class').evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0) + 1);
  assert.ok(fits, 'the per-class table fits at 1024x640');
  await shot(page, '12-results-1024');
  await page.setViewportSize(VIEWPORT);

  // Dark theme, following the system setting.
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
  assert.equal(bg, '#14181f');
  await shot(page, '13-results-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Past runs: a dataset column, a name and a note, a side-by-side table, delete with confirmation.
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('runs-table').waitFor();
  assert.match(await page.getByTestId('run-dataset').first().innerText(), /demo-dataset/);
  await page.getByTestId('run-edit').first().click();
  await page.getByTestId('run-title').fill('Demo, first try');
  await page.getByTestId('run-note').fill('Two epochs only: a smoke run.');
  await page.getByTestId('run-save').click();
  await page.getByText('Demo, first try').waitFor();
  await page.locator('[data-testid="runs-table"] tbody input[type="checkbox"]').first().check();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByTestId('compare-table').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('compare-table').innerText(), /AP50-95/);
  await shot(page, '14-runs');
  await page.getByTestId('run-delete').first().click();
  await page.getByTestId('run-delete-confirm').waitFor();
  await page.getByTestId('run-delete-yes').click();
  await page.getByTestId('runs-empty').waitFor();
  assert.ok(existsSync(join(runsDir, '.trash')), 'the run moved to the trash');
}
