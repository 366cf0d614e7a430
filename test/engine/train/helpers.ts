// Fixtures of the training tests: a tiny demo defect set (made once per process) and a config
// small enough for a few seconds of CPU per run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoDataset } from '../../../electron/engine/data/demo/index';
import type { TrainConfigInput } from '../../../electron/shared/schemas/train-config';

const sets = new Map<string, Promise<string>>();

/** A demo defect set of `images` images (small sides), generated once per process. */
export function demoSet(images = 20, seed = 3): Promise<string> {
  const key = `${images}-${seed}`;
  let p = sets.get(key);
  if (!p) {
    const dir = join(tmpdir(), `kestrel-train-test-${process.pid}-${key}`);
    p = (async () => {
      if (!existsSync(join(dir, 'data.yaml'))) await generateDemoDataset(dir, { seed, images, size: [64, 96] });
      return dir;
    })();
    sets.set(key, p);
  }
  return p;
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'kestrel-train-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tiny run: scale n at 64 px, batch 4, wasm, no loader threads, no memory probe. */
export function tinyConfig(runDir: string, datasetPath: string, extra: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    runDir,
    datasetPath,
    model: { scale: 'n', imgsz: 64 },
    epochs: 2,
    overrides: { batch: 4, accumulation: 2 },
    workers: 0,
    backend: 'wasm',
    calibrate: 'off',
    augment: 'light',
    checkpointEverySeconds: 0,
    ...extra,
  };
}
