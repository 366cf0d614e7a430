// Annotated images: boxes in the class colour with a dark outline, labels with legible text,
// and Chinese class names drawn from the bundled font (distinct glyphs, not missing-glyph boxes).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { annotateImage, bundledFontFile, drawSizes, escapeMarkup, renderLabel } from '../../../electron/engine/predict/annotate';
import { classColor } from '../../../electron/engine/predict/palette';

const green = (w: number, h: number) => ({ data: new Uint8Array(w * h * 3).map((_, i) => [22, 74, 38][i % 3]!), width: w, height: h });

test('the bundled font exists and renders distinct CJK glyphs', async () => {
  assert.ok(existsSync(bundledFontFile()), bundledFontFile());
  const a = await renderLabel('划痕', '#000000', 24, bundledFontFile());
  const b = await renderLabel('裂纹', '#000000', 24, bundledFontFile());
  const c = await renderLabel('划痕', '#000000', 24, bundledFontFile());
  // two CJK glyphs at 24 px: about 48 px wide (a missing-glyph fallback would draw hex boxes or nothing)
  assert.ok(a.width >= 40 && a.width <= 60, `width ${a.width}`);
  assert.ok(a.height >= 20, `height ${a.height}`);
  const raw = async (png: Buffer) => (await sharp(png).ensureAlpha().raw().toBuffer()).toString('hex');
  assert.notEqual(await raw(a.png), await raw(b.png));
  assert.equal(await raw(a.png), await raw(c.png));
  assert.equal(escapeMarkup('a<b & "c"'), 'a&lt;b &amp; &quot;c&quot;');
});

test('annotateImage draws boxes in the class colour and readable labels', async () => {
  const img = green(320, 240);
  const jpeg = await annotateImage(img, [{ x1: 100, y1: 100, x2: 200, y2: 180, score: 0.87, cls: 1 }], { classNames: ['划痕', '凹坑 dent'], quality: 95 });
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [320, 240]);
  const px = (x: number, y: number) => [0, 1, 2].map((c) => data[(y * info.width + x) * 3 + c]!);
  const color = classColor(1); // yellow
  const close = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 40);
  // the left edge of the box at mid height carries the class colour
  assert.ok(close(px(100, 140), color), JSON.stringify(px(100, 140)));
  // inside the box the image is untouched
  assert.ok(close(px(150, 140), [22, 74, 38]));
  // the label tag sits above the box: yellow background with dark text pixels in it
  const { fontPx } = drawSizes(320, 240);
  let yellow = 0;
  let dark = 0;
  for (let y = 100 - fontPx; y < 98; y++) {
    for (let x = 102; x < 160; x++) {
      const p = px(x, y);
      if (close(p, color)) yellow++;
      else if (p[0]! + p[1]! + p[2]! < 150) dark++;
    }
  }
  assert.ok(yellow > 100 && dark > 30, `yellow ${yellow}, dark ${dark}`);
});
