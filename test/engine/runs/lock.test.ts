// One writer per run folder: the lock decision as a table, and acquiring, refusing, taking over
// and releasing a real run.lock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, lockDecision, pidAlive, type RunLock } from '../../../electron/engine/runs/lock';
import { KestrelError } from '../../../electron/shared/errors';
import { tempDir } from '../train/helpers';

const tmp = tempDir('kestrel-lock-');
after(() => tmp.cleanup());

test('lock decisions: ours, held by a live pid or another host, taken over from a dead pid, replaced when unreadable', () => {
  const me = { pid: 100, ppid: 50, host: 'pc' };
  const lock = (pid: number, host = 'pc'): RunLock => ({ pid, hostname: host, startedAt: 'then' });
  const alive = (pid: number) => pid === 7;
  const rows: Array<[RunLock | null, string]> = [
    [lock(100), 'ours'],
    [lock(50), 'ours'], // The runner that forked this training process.
    [lock(7), 'held'],
    [lock(8), 'take-over'],
    [lock(8, 'other-pc'), 'held'],
    [null, 'replace-unreadable'],
  ];
  for (const [l, want] of rows) assert.equal(lockDecision(l, me, alive), want, JSON.stringify(l));
});

test('pidAlive: this process is alive, a finished one is not', () => {
  assert.equal(pidAlive(process.pid), true);
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  assert.equal(pidAlive(Number(r.stdout)), false);
});

test('a second writer gets RUN_LOCKED naming the pid; a dead writer\'s lock is taken over with a warning; release removes it', async () => {
  const dir = join(tmp.dir, 'run');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'run.lock');
  const first = await acquireRunLock(dir);
  assert.equal(first.notice, null);
  const held = JSON.parse(readFileSync(file, 'utf8')) as RunLock;
  assert.deepEqual([held.pid, held.hostname], [process.pid, hostname()]);
  await first.release();
  assert.equal(existsSync(file), false);

  writeFileSync(file, JSON.stringify({ pid: 424242, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
  const err = await acquireRunLock(dir, () => true).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof KestrelError && err.code === 'RUN_LOCKED', String(err));
  assert.equal(err.details?.['pid'], 424242);
  assert.match(err.message, /pid 424242/);
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as RunLock).pid, 424242, 'the live writer keeps its lock');

  const taken = await acquireRunLock(dir, () => false);
  assert.equal(taken.notice?.code, 'RUN_LOCK_TAKEN_OVER');
  assert.match(taken.notice!.message, /pid 424242/);
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as RunLock).pid, process.pid);
  await taken.release();

  writeFileSync(file, '{not json');
  const replaced = await acquireRunLock(dir);
  assert.equal(replaced.notice?.code, 'RUN_LOCK_UNREADABLE');
  await replaced.release();
  assert.equal(existsSync(file), false);
});
