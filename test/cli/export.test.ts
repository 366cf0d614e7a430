/**
 * `kestrel export`: through the CLI's command table on a saved tiny run; what it prints, the
 * files it writes, --json, and exit code 2 with a coded sentence for bad flags and paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../electron/cli/main';
import { initBackend } from '../../electron/engine/backend/index';
import { createDetector } from '../../electron/engine/model/detector';
import { saveDetector } from '../../electron/engine/model/persist';
import { captureIO as capture } from '../helpers/cli';

test('kestrel export writes the ONNX model, its card and examples; bad flags exit 2 with a coded sentence', async () => {
  await initBackend({ force: 'wasm' });
  const root = await mkdtemp(join(tmpdir(), 'kestrel-cli-export-'));
  try {
    const runDir = join(root, 'runs', 'demo');
    const det = createDetector({ scale: 'n', imgsz: 64, numClasses: 2, norm: 'group' }, { seed: 4 });
    try {
      await saveDetector(det, join(runDir, 'weights', 'last'), { classNames: ['dent', 'rust'] });
    } finally {
      det.dispose();
    }

    let io = capture();
    const out = join(root, 'line');
    assert.equal(await main(['export', '--weights', runDir, '--opset', '12', '--nms', '--out', out], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    assert.match(text, /^Exported demo to .*demo-opset12-nms\.onnx$/m);
    assert.match(text, /ONNX opset 12 \+ NMS, [\d.]+ MB, input \[1, 3, 64, 64\], 2 classes/);
    assert.match(text, /thresholds: dent 0\.25, rust 0\.25; NMS IoU 0\.7/);
    for (const f of ['demo-opset12-nms.onnx', 'model.json', 'MODEL.md', 'run_model.mjs', 'run_model.py']) assert.ok(existsSync(join(out, f)), f);

    io = capture();
    assert.equal(await main(['export', '--weights', runDir, '--out', out, '--json'], io), 0);
    const json = JSON.parse(io.stdout.join('')) as { file: string; card: { opset: number; nms: boolean; classes: Array<{ name: string }> } };
    assert.equal(json.file, join(out, 'demo-opset17.onnx'));
    assert.equal(json.card.opset, 17);
    assert.equal(json.card.nms, false);

    const bad: Array<[string[], RegExp]> = [
      [['export'], /Give the run to export with --weights/],
      [['export', '--weights', join(root, 'none')], /error EXPORT_WEIGHTS_NOT_FOUND: No trained weights/],
      [['export', '--weights', runDir, '--opset', '11'], /error EXPORT_OPSET_UNSUPPORTED: ONNX opset 11 is not offered/],
      [['export', '--weights', runDir, '--opset', 'x'], /--opset must be 17 or 12/],
      [['export', '--weights', runDir, '--format', 'openvino'], /error EXPORT_FORMAT_UNKNOWN: Kestrel cannot export to "openvino". Use one of: onnx/],
      [['export', '--weights', runDir, '--bogus'], /error CLI_UNKNOWN_FLAG: kestrel export has no flag --bogus\./],
    ];
    for (const [argv, message] of bad) {
      io = capture();
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(io.stderr.join('\n'), message);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
