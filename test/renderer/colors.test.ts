// Box and label colours: text contrast >= 4.5:1 on every class colour; ground truth in a
// colour no class uses that stands out on green PCBs and grey steel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contrast, HALO_COLOR, luminance, PALETTE, parseHex, textColorOn, TRUTH_COLOR } from '../../renderer/src/lib/colors';

const GREEN_PCB = '#1f6b3a';
const GREY_STEEL = '#8c8c8c';
const WHITE = '#ffffff';

test('label text on every class colour (and the truth colour) has contrast >= 4.5:1', () => {
  for (const c of [...PALETTE, TRUTH_COLOR]) {
    const text = textColorOn(c);
    assert.ok(contrast(c, text) >= 4.5, `${text} on ${c}: ${contrast(c, text).toFixed(2)}`);
  }
});

test('black or white text always reaches 4.5:1, whatever the fill', () => {
  for (let v = 0; v < 256; v += 5) {
    const hex = `#${v.toString(16).padStart(2, '0').repeat(3)}`;
    assert.ok(contrast(hex, textColorOn(hex)) >= 4.5, hex);
  }
});

test('the ground-truth colour is no class colour and far in hue from each', () => {
  assert.ok(!PALETTE.map((p) => p.toLowerCase()).includes(TRUTH_COLOR.toLowerCase()));
  const [r, g, b] = parseHex(TRUTH_COLOR);
  for (const p of PALETTE) {
    const [pr, pg, pb] = parseHex(p);
    const dist = Math.hypot(r - pr, g - pg, b - pb);
    assert.ok(dist > 100, `${p} is too close to the truth colour (${dist.toFixed(0)})`);
  }
});

test('ground truth stands out on green PCBs, grey steel and white: halo or colour contrast >= 3', () => {
  for (const bg of [GREEN_PCB, GREY_STEEL, WHITE]) {
    const best = Math.max(contrast(TRUTH_COLOR, bg), contrast(HALO_COLOR, bg));
    assert.ok(best >= 3, `${bg}: ${best.toFixed(2)}`);
  }
  // The colour against its own halo: the line itself always reads.
  assert.ok(contrast(TRUTH_COLOR, HALO_COLOR) >= 4.5);
  assert.ok(luminance('#ffffff') > 0.99 && luminance('#000000') < 0.01);
});
