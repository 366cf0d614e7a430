// The run's one config file: what goes into config.json, what stays with a process, and reading it back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { processConfig, readRunConfig, splitConfig, writeRunConfigOnce } from '../../../electron/engine/train/run-config';
import { tempDir, tinyConfig } from './helpers';

const tmp = tempDir('kestrel-run-config-');
after(() => tmp.cleanup());

test('config.json holds the run; resume, layout and faults stay with the process that was given them', async () => {
  const runDir = join(tmp.dir, 'r');
  const input = tinyConfig(runDir, '/data', { resume: false, layout: { perDeviceBatch: 2, accumulation: 4 }, faults: { nanAtSteps: [1] }, workers: 1 });
  const { run, process } = splitConfig(input);
  assert.deepEqual(process, { resume: false, layout: { perDeviceBatch: 2, accumulation: 4 }, faults: { nanAtSteps: [1] }, workers: 1, backend: 'wasm' });
  assert.deepEqual([run.resume, run.layout, run.faults, run.workers, run.epochs], [false, undefined, undefined, 1, 2]);
  await writeRunConfigOnce(input);
  // Written once: a second start does not overwrite it.
  await writeRunConfigOnce({ ...input, epochs: 9 });
  assert.equal(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).epochs, 2);
  assert.deepEqual(await readRunConfig(runDir), run);
  const resumed = await processConfig(runDir, { resume: true, layout: { perDeviceBatch: 1, accumulation: 8 } });
  assert.deepEqual([resumed.resume, resumed.layout, resumed.epochs, resumed.datasetPath], [true, { perDeviceBatch: 1, accumulation: 8 }, 2, '/data']);
  await assert.rejects(readRunConfig(join(tmp.dir, 'none')), /TRAIN_CONFIG_UNREADABLE|cannot be read/);
});
