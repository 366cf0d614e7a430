// `node <checkout>/bin/kestrel.mjs` from any working folder: the CLI and the training process it
// forks find tsx from the checkout (import.meta.resolve), not from the folder they run in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { TrainingEventSchema } from '../../../electron/shared/schemas/events';
import { demoSet, tempDir } from '../../engine/train/helpers';

const bin = fileURLToPath(new URL('../../../bin/kestrel.mjs', import.meta.url));
const tmp = tempDir('kestrel-any-folder-');
after(() => tmp.cleanup());

function kestrel(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, KESTREL_WASM_THREADS: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('kestrel plan runs with a working folder outside the checkout', () => {
  const r = kestrel('plan', '--train-images', '200', '--classes', '2', '--json');
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out) as { perDeviceBatch: number; modelSpec: { imgsz: number } };
  assert.ok(plan.perDeviceBatch >= 1);
});

test('kestrel train forks its training process from a working folder outside the checkout', async () => {
  const data = await demoSet();
  const r = kestrel('train', '--data', data, '--imgsz', '64', '--epochs', '1', '--batch', '4', '--accumulate', '1', '--workers', '0', '--backend', 'wasm', '--calibrate', 'off', '--name', 'far', '--out', 'runs', '--json-events');
  assert.equal(r.code, 0, r.err);
  const events = r.out.trim().split('\n').map((l) => TrainingEventSchema.parse(JSON.parse(l)));
  assert.ok(events.some((e) => e.type === 'train-start'), 'the training process started');
  assert.equal(events.at(-1)!.type, 'train-end');
  // --out is relative to the working folder.
  assert.ok(events.some((e) => e.type === 'train-end' && e.runDir === join(tmp.dir, 'runs', 'far')));
});
