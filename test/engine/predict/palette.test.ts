// Annotation colours: WCAG luminance and contrast on known values, label text >= 4.5:1 on every
// palette colour (and any colour), boxes visible (>= 3:1) on PCB green and steel grey.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLACK, BOX_PALETTE, boxVisibility, classColor, contrastRatio, hex, REFERENCE_BACKGROUNDS, relativeLuminance, textColorOn, WHITE } from '../../../electron/engine/predict/palette';

test('relative luminance and contrast match WCAG reference values', () => {
  assert.equal(relativeLuminance(BLACK), 0);
  assert.equal(relativeLuminance(WHITE), 1);
  assert.equal(contrastRatio(BLACK, WHITE), 21);
  assert.equal(contrastRatio(WHITE, BLACK), 21);
  // #777777 on white is the classic just-failing AA pair: 4.48:1
  assert.equal(Math.round(contrastRatio([119, 119, 119], WHITE) * 100) / 100, 4.48);
  // pure red on white: 4.0:1; luminance of pure green 0.7152
  assert.equal(Math.round(contrastRatio([255, 0, 0], WHITE) * 100) / 100, 4);
  assert.ok(Math.abs(relativeLuminance([0, 255, 0]) - 0.7152) < 1e-12);
});

test('label text reaches 4.5:1 on every palette colour and on any background', () => {
  for (const c of BOX_PALETTE) assert.ok(contrastRatio(textColorOn(c), c) >= 4.5, `${hex(c)}: ${contrastRatio(textColorOn(c), c)}`);
  // exhaustive over a grid of colours, including the mid-greys where it is tightest
  let worst = 21;
  for (let r = 0; r <= 255; r += 15) for (let g = 0; g <= 255; g += 15) for (let b = 0; b <= 255; b += 15) worst = Math.min(worst, contrastRatio(textColorOn([r, g, b]), [r, g, b]));
  assert.ok(worst >= 4.5, `worst ${worst}`);
});

test('every box colour (with its dark outline) stands out on PCB green and steel grey', () => {
  for (const [name, bg] of Object.entries(REFERENCE_BACKGROUNDS)) {
    for (const c of BOX_PALETTE) assert.ok(boxVisibility(c, bg) >= 3, `${hex(c)} on ${name}: ${boxVisibility(c, bg).toFixed(2)}`);
  }
  // on the green boards the colour itself must carry (a black outline vanishes on dark green)
  for (const c of BOX_PALETTE) assert.ok(contrastRatio(c, REFERENCE_BACKGROUNDS['pcb-green-dark']!) >= 3, hex(c));
  // a plain green box would not pass: the check can fail
  assert.ok(contrastRatio([0, 128, 0], REFERENCE_BACKGROUNDS['pcb-green-dark']!) < 3);
});

test('classColor cycles through the palette', () => {
  assert.deepEqual(classColor(0), BOX_PALETTE[0]);
  assert.deepEqual(classColor(BOX_PALETTE.length + 1), BOX_PALETTE[1]);
  assert.equal(hex([255, 8, 0]), '#ff0800');
});
