// The label editor in Chromium against the real handlers: from a check problem, draw two boxes,
// move one, delete the other, save, and read the label file on disk, in YOLO, VOC and COCO.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { canvasMapper, dragImage, near } from './editor-helpers';
import { ARTIFACTS, ensureRendererBuilt, openBrowser, shot, skipReason, startBridge, type Bridge } from './harness';

const skip = skipReason();
if (skip) console.log(`[e2e] ${skip}`);

const W = 96;
const H = 64;

/** A labelled image a.png and an unlabelled b.png (the problem the editor is opened from). */
async function writeDataset(dir: string, format: 'yolo' | 'voc' | 'coco'): Promise<void> {
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  const put = (rel: string, data: string | Buffer) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  };
  if (format === 'yolo') {
    put('classes.txt', 'scratch\ndent\n');
    put('images/train/a.png', png);
    put('images/train/b.png', png);
    put('labels/train/a.txt', '1 0.5 0.5 0.25 0.25\n');
  } else if (format === 'voc') {
    put('JPEGImages/a.png', png);
    put('JPEGImages/b.png', png);
    put(
      'Annotations/a.xml',
      `<annotation>\n\t<filename>a.png</filename>\n\t<size><width>${W}</width><height>${H}</height><depth>3</depth></size>\n\t<object>\n\t\t<name>scratch</name>\n\t\t<difficult>0</difficult>\n\t\t<bndbox><xmin>11</xmin><ymin>11</ymin><xmax>40</xmax><ymax>30</ymax></bndbox>\n\t</object>\n</annotation>\n`,
    );
  } else {
    put('images/a.png', png);
    put('images/b.png', png);
    const coco = {
      images: [{ id: 1, file_name: 'a.png', width: W, height: H }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 30, 20], area: 600, iscrowd: 0 }],
      categories: [{ id: 1, name: 'scratch' }],
    };
    put('annotations/instances_train.json', JSON.stringify(coco, null, 2));
  }
}


describe('label editor in Chromium, window.api bridged to the real app handlers', { skip: skip ?? false, timeout: 10 * 60_000 }, () => {
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

  for (const format of ['yolo', 'voc', 'coco'] as const) {
    test(`${format}: draw, move, delete, save, and the file on disk says so`, async () => {
      const { page, errors } = browser;
      errors.length = 0;
      const dir = mkdtempSync(join(tmpdir(), `kestrel-e2e-editor-${format}-`));
      try {
        await writeDataset(dir, format);
        bridge.dialogs.folders.push(dir);
        await page.goto(`${bridge.baseUrl}/index.html`);
        await page.getByTestId('nav-dataset').click();
        await page.getByTestId('pick-folder').click();
        await page.getByTestId('dataset-report').waitFor({ timeout: 60_000 });
        const code = format === 'coco' ? 'DS_IMAGE_NOT_LISTED' : 'DS_IMAGE_WITHOUT_LABEL';
        const group = page.locator(`[data-testid="problem-group"][data-code="${code}"]`);
        await group.evaluate((el) => ((el as HTMLDetailsElement).open = true));
        await group.getByTestId('open-editor').first().click();
        await page.getByTestId('editor-canvas').waitFor();
        await page.getByTestId('editor-good-now').waitFor();
        assert.match(await page.getByTestId('editor-keys').innerText(), /W new box/);
        const at = await canvasMapper(page, W, H);

        await page.keyboard.press('w');
        await dragImage(page, at, [10, 10], [40, 30]);
        await page.keyboard.press('w');
        await dragImage(page, at, [55, 20], [85, 50]);
        assert.equal(await page.getByTestId('editor-boxes').locator('li').count(), 2);
        await dragImage(page, at, [25, 20], [30, 25]); // move the first box by (5, 5)
        await page.mouse.click(at(70, 35).x, at(70, 35).y); // select the second
        await page.keyboard.press('Delete');
        assert.equal(await page.getByTestId('editor-boxes').locator('li').count(), 1);
        await page.keyboard.press('Control+s');
        await page.getByTestId('editor-note').waitFor();
        await shot(page, `10-label-editor-${format}`);

        let box: [number, number, number, number];
        if (format === 'yolo') {
          const lines = readFileSync(join(dir, 'labels/train/b.txt'), 'utf8').trim().split('\n');
          assert.equal(lines.length, 1);
          const [c, xc, yc, w, h] = (lines[0] ?? '').split(' ').map(Number) as [number, number, number, number, number];
          assert.equal(c, 0);
          box = [(xc - w / 2) * W, (yc - h / 2) * H, (xc + w / 2) * W, (yc + h / 2) * H];
        } else if (format === 'voc') {
          const xml = readFileSync(join(dir, 'Annotations/b.xml'), 'utf8');
          assert.equal(xml.match(/<object>/g)?.length, 1);
          assert.match(xml, /<name>scratch<\/name>/);
          const n = (tag: string) => Number(new RegExp(`<${tag}>(\\d+)</${tag}>`).exec(xml.slice(xml.indexOf('<object>')))?.[1]);
          box = [n('xmin') - 1, n('ymin') - 1, n('xmax'), n('ymax')];
        } else {
          const coco = JSON.parse(readFileSync(join(dir, 'annotations/instances_train.json'), 'utf8')) as {
            images: { id: number; file_name: string }[];
            annotations: { image_id: number; bbox: number[] }[];
          };
          const b = coco.images.find((i) => i.file_name === 'b.png');
          assert.ok(b, 'the image is now listed');
          const anns = coco.annotations.filter((a) => a.image_id === b.id);
          assert.equal(anns.length, 1);
          const [x = 0, y = 0, w = 0, h = 0] = anns[0]!.bbox;
          box = [x, y, x + w, y + h];
          assert.equal(coco.annotations.length, 2, 'the other image keeps its annotation');
        }
        near(box[0], 15, 'x1');
        near(box[1], 15, 'y1');
        near(box[2], 45, 'x2');
        near(box[3], 35, 'y2');

        // Undo works across the save: the deleted box comes back and a second save writes it.
        await page.keyboard.press('Control+z');
        assert.equal(await page.getByTestId('editor-boxes').locator('li').count(), 2);
        await page.getByTestId('editor-save').click();
        await page.waitForFunction(() => !document.querySelector('[data-testid="editor-dirty"]'));
        const count =
          format === 'yolo'
            ? readFileSync(join(dir, 'labels/train/b.txt'), 'utf8').trim().split('\n').length
            : format === 'voc'
              ? (readFileSync(join(dir, 'Annotations/b.xml'), 'utf8').match(/<object>/g)?.length ?? 0)
              : (JSON.parse(readFileSync(join(dir, 'annotations/instances_train.json'), 'utf8')) as { annotations: unknown[] }).annotations.length - 1;
        assert.equal(count, 2);
        await page.getByTestId('editor-close').click();
        assert.deepEqual(errors, []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
