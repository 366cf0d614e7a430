// `kestrel predict`: text summary and progress (non-TTY lines), --json-events, a dataset split
// as source, the run's own dataset by default, and exit 2 for bad flags, weights and sources.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../electron/cli/commands/predict';
import { main } from '../../electron/cli/main';
import { capture } from '../helpers/cli';
import { tinyModelOnDemo } from '../helpers/tiny-model';

test('kestrel predict runs a run folder on a dataset, a folder and the run default; bad input exits 2', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-cli-predict-'));
  try {
    const runDir = join(root, 'runs', 'r1');
    const { dir, classNames } = await tinyModelOnDemo(root, join(runDir, 'weights', 'best'));
    await writeFile(join(runDir, 'config.json'), JSON.stringify({ datasetPath: dir }));

    // text: summary on stdout, progress lines on stderr (not a TTY here)
    const t = capture();
    assert.equal(await run(['--weights', runDir, '--source', `${join(dir, 'data.yaml')}:train`, '--conf', '0.01', '--save-images'], t.io), 0, t.err.join('\n'));
    const text = t.out.join('\n');
    assert.match(text, /^Predicted 8 image\(s\) in [\d.]+ s \([\d.]+ images\/s\)/m);
    assert.match(text, /NG \d+\s+OK \d+/);
    for (const n of classNames) assert.match(text, new RegExp(`^\\s+${n}\\s+\\d+$`, 'm'));
    assert.match(text, new RegExp(`Results in ${join(runDir, 'predict', '1').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`));
    assert.ok(t.err.some((l) => /\] 8\/8 100% .* ETA/.test(l)), t.err.join('\n'));
    const preds = JSON.parse(await readFile(join(runDir, 'predict', '1', 'predictions.json'), 'utf8')) as { images: unknown[]; source: { split: string }; runtime: string };
    assert.equal(preds.images.length, 8);
    // --runtime auto: ONNX Runtime where it loads (it does here), else TF.js
    assert.equal(preds.runtime, 'onnxruntime-node');
    assert.equal(preds.source.split, 'train');

    // JSON events, one per line; default source: the run's dataset, val split (2 of 10 demo images)
    const j = capture();
    assert.equal(await main(['predict', '--weights', runDir, '--json-events', '--tile', '64', '--overlap', '0.25', '--runtime', 'tfjs'], j.io), 0, j.err.join('\n'));
    const events = j.out.map((l) => JSON.parse(l) as { type: string; runtime?: string; summary?: { images: number } });
    assert.equal(events[0]!.type, 'predict-start');
    assert.equal(events[0]!.runtime, 'tfjs-wasm');
    assert.equal(events.at(-1)!.type, 'predict-end');
    assert.equal(events.at(-1)!.summary!.images, 2);
    assert.equal(events.filter((e) => e.type === 'image').length, 2);

    const codeOf = (c: ReturnType<typeof capture>) => /error (\w+)/.exec(c.err.join('\n'))?.[1];
    const noSource = capture();
    assert.equal(await run(['--weights', runDir, '--source', join(root, 'nope')], noSource.io), 2);
    assert.equal(codeOf(noSource), 'PREDICT_SOURCE_NOT_FOUND');
    const noWeights = capture();
    assert.equal(await run(['--weights', join(root, 'runs'), '--source', dir], noWeights.io), 2);
    assert.equal(codeOf(noWeights), 'PREDICT_NO_WEIGHTS');
    await writeFile(join(runDir, 'thresholds.json'), '{"version": 2}');
    const badThr = capture();
    assert.equal(await run(['--weights', runDir, '--source', dir], badThr.io), 2);
    assert.equal(codeOf(badThr), 'THRESHOLDS_INVALID');
    for (const flags of [['--runtime', 'gpu'], ['--tile', '7'], ['--conf', '2'], ['--overlap', '0.95'], ['--imgsz', '100'], ['--bogus']]) {
      const c = capture();
      assert.equal(await run(['--weights', runDir, ...flags], c.io), 2, flags.join(' '));
    }
    assert.equal(await run([], capture().io), 2);
    const help = capture();
    assert.equal(await run(['--help'], help.io), 0);
    assert.match(help.out.join('\n'), /--tile T/);
  } finally {
    delete process.env.KESTREL_BACKEND;
    await rm(root, { recursive: true, force: true });
  }
});
