// The tiling tests' dataset: ten 640x480 images, each with one 6 px box, and no stored memory
// calibration (KESTREL_CALIBRATIONS points at a missing file, so the Plan step and the trainer
// both plan from the estimate; the calibrated case is plan-calibration.test.ts). At input 64
// (10x) a 6 px box shrinks to 0.6 px scaled down whole, so 'auto' tiles. No val split: the
// trainer holds out its own share, and the Plan step must count the same. Cleaned up after the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { img, makeTree } from '../engine/data/helpers';

/** How many images the set has. */
export const SMALL_BOX_IMAGES = 10;

export async function smallBoxesOnLargeImages(prefix: string): Promise<{ root: string; dir: string }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const savedEnv = process.env['KESTREL_CALIBRATIONS'];
  process.env['KESTREL_CALIBRATIONS'] = join(root, 'none.json');
  const files: Record<string, ReturnType<typeof img> | string> = { 'data.yaml': 'path: .\ntrain: images\nnames: [pit]\n' };
  for (let i = 0; i < SMALL_BOX_IMAGES; i++) {
    files[`images/im${i}.jpg`] = img(i + 1, 'jpg', { w: 640, h: 480 });
    const cx = (100 + 40 * i) / 640;
    files[`labels/im${i}.txt`] = `0 ${cx.toFixed(5)} ${(200 / 480).toFixed(5)} ${(6 / 640).toFixed(5)} ${(6 / 480).toFixed(5)}\n`;
  }
  const tree = await makeTree(files);
  after(async () => {
    if (savedEnv === undefined) delete process.env['KESTREL_CALIBRATIONS'];
    else process.env['KESTREL_CALIBRATIONS'] = savedEnv;
    rmSync(root, { recursive: true, force: true });
    await tree.cleanup();
  });
  return { root, dir: tree.dir };
}
