import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../electron/cli/commands/val';
import { EvaluationResultSchema } from '../../electron/shared/schemas/evaluation';
import { capture } from '../helpers/cli';
import { tinyModelOnDemo } from '../helpers/tiny-model';

test('kestrel val evaluates saved weights on a dataset (text and --json), and refuses bad input with exit 2', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-val-'));
  try {
    const weights = join(root, 'weights');
    const { dir, classNames } = await tinyModelOnDemo(root, weights);

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
