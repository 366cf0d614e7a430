import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDemoDataset } from '../../electron/engine/data/demo/index';
import { ensureRendererBuilt } from './harness';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The packaged app runs the BUNDLED training process (out/main/trainer-entry.js, with the data
 * loader's worker thread in out/main/worker.js), not the TypeScript sources the other tests
 * use. Bundling has broken it before (a duplicate `require` declaration, a missing worker
 * file), so this builds the app as the installer does and trains one tiny epoch with it.
 */
test('the bundled training process (as packaged) trains a tiny job to the end', { timeout: 300_000 }, async () => {
  ensureRendererBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'kestrel-bundled-'));
  await generateDemoDataset(join(dir, 'data'), { seed: 5, images: 20 });
  const job = join(dir, 'job.json');
  const runDir = join(dir, 'run');
  writeFileSync(
    job,
    JSON.stringify({ runDir, datasetPath: join(dir, 'data'), model: { scale: 'n', imgsz: 64 }, epochs: 1, overrides: { batch: 4, accumulation: 1 }, resume: false }),
  );
  const types: string[] = [];
  let ok: boolean | null = null;
  const child = fork(join(ROOT, 'out/main/trainer-entry.js'), ['--job', job], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, KESTREL_CALIBRATIONS: join(dir, 'calibrations.json') },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('message', (m: { type: string; ok?: boolean; event?: { type: string } }) => {
    if (m.type === 'event' && m.event) types.push(m.event.type);
    if (m.type === 'done') ok = m.ok ?? null;
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 0, `the bundled trainer exited with ${code}:\n${stderr.slice(-2000)}`);
  assert.equal(ok, true);
  for (const t of ['plan', 'train-start', 'epoch-start', 'epoch-end', 'train-end']) assert.ok(types.includes(t), `event ${t} missing: ${types.join(',')}`);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { status: string; steps: number };
  assert.equal(results.status, 'completed');
  assert.ok(results.steps > 0);
});
