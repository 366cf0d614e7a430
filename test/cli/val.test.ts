import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../electron/engine/backend/index';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import { createDetector } from '../../electron/engine/model/detector';
import { saveDetector } from '../../electron/engine/model/persist';
import { run } from '../../electron/cli/commands/val';
import { EvaluationResultSchema } from '../../electron/shared/schemas/evaluation';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

test('kestrel val evaluates saved weights on a dataset (text and --json), and refuses bad input with exit 2', async () => {
  process.env.KESTREL_BACKEND = 'wasm';
  await initBackend({ force: 'wasm' });
  const root = await mkdtemp(join(tmpdir(), 'kestrel-val-'));
  try {
    const { dir, classNames } = await generateDemoDataset(join(root, 'demo'), { images: 10, size: [64, 96], seed: 3 });
    const det = createDetector({ scale: 'n', imgsz: 64, numClasses: classNames.length, norm: 'batch' }, { seed: 4 });
    const weights = join(root, 'weights');
    await saveDetector(det, weights, { classNames });
    det.dispose();

    const j = capture();
    assert.equal(await run(['--weights', weights, '--data', dir, '--json', '--batch', '2'], j.io), 0, j.err.join('\n'));
    const parsed = JSON.parse(j.out.join('\n')) as Record<string, unknown>;
    const result = EvaluationResultSchema.parse(parsed);
    assert.equal(result.imageCount, 2); // every fifth demo image is a val image
    assert.equal(result.perClass.length, classNames.length);
    assert.deepEqual(result.perClass.map((c) => c.name), classNames);
    assert.ok(result.map50 >= 0 && result.map50 <= 1 && result.map50_95 <= result.map50 + 1e-9);
    assert.equal(parsed['imgsz'], 64);

    const t = capture();
    assert.equal(await run(['--weights', weights, '--data', dir, '--imgsz', '96'], t.io), 0, t.err.join('\n'));
    const text = t.out.join('\n');
    assert.match(text, /at 96 px/);
    assert.match(text, /mAP50 \d\.\d{3}\s+mAP50-95 \d\.\d{3}/);
    for (const name of ['all', ...classNames]) assert.match(text, new RegExp(`^${name}\\s`, 'm'));

    const missing = capture();
    assert.equal(await run(['--data', dir], missing.io), 2);
    const badSize = capture();
    assert.equal(await run(['--weights', weights, '--data', dir, '--imgsz', '100'], badSize.io), 2);
    const noWeights = capture();
    assert.equal(await run(['--weights', join(root, 'nothing'), '--data', dir, '--json'], noWeights.io), 2);
    assert.equal((JSON.parse(noWeights.out.join('\n')) as { error: { code: string } }).error.code, 'MODEL_WEIGHTS_NOT_FOUND');
  } finally {
    delete process.env.KESTREL_BACKEND;
    await rm(root, { recursive: true, force: true });
  }
});
