/** An untrained model on a tiny demo set, for the commands that read saved weights (val, predict). */
import { join } from 'node:path';
import { initBackend } from '../../electron/engine/backend/index';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import { createDetector } from '../../electron/engine/model/detector';
import { saveDetector } from '../../electron/engine/model/persist';

/**
 * On the wasm backend (KESTREL_BACKEND too, for what the command starts): a demo set of 10 small
 * images under `root/demo` (8 train, 2 val) and an untrained scale-n 64 px detector for its
 * classes saved at `weightsDir`. Returns the dataset folder and its class names.
 */
export async function tinyModelOnDemo(root: string, weightsDir: string): Promise<{ dir: string; classNames: string[] }> {
  process.env.KESTREL_BACKEND = 'wasm';
  await initBackend({ force: 'wasm' });
  const { dir, classNames } = await generateDemoDataset(join(root, 'demo'), { images: 10, size: [64, 96], seed: 3 });
  const det = createDetector({ scale: 'n', imgsz: 64, numClasses: classNames.length, norm: 'batch' }, { seed: 4 });
  await saveDetector(det, weightsDir, { classNames });
  det.dispose();
  return { dir, classNames };
}
