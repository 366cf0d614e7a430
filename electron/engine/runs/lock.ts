/**
 * One writer per run folder: a lock file (run.lock) holding the writer's pid, host name and
 * start time. A second writer gets RUN_LOCKED naming the pid that holds it; a lock whose pid is
 * dead on this host (process.kill(pid, 0) fails) is taken over with a warning. A training
 * process started by the runner that holds the lock (its parent) writes under the parent's lock.
 * The decision is pure (lockDecision); acquiring and releasing are the I/O edge.
 */
import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import { writeFileAtomic } from './atomic';
import { isFsError, rethrowFsError } from './fs-errors';
import { runPaths } from './run-dir';

/** What a run.lock file says. */
export const RunLockSchema = z.object({ pid: z.number().int().positive(), hostname: z.string(), startedAt: z.string() });
export type RunLock = z.infer<typeof RunLockSchema>;

/** What to do about an existing lock. */
export type LockDecision = 'ours' | 'held' | 'take-over' | 'replace-unreadable';

/**
 * The decision about an existing lock (null: unreadable) for process `me` (its pid, parent pid
 * and host), given whether the lock's pid is alive on this host.
 */
export function lockDecision(lock: RunLock | null, me: { pid: number; ppid: number; host: string }, alive: (pid: number) => boolean): LockDecision {
  if (!lock) return 'replace-unreadable';
  if (lock.hostname !== me.host) return 'held'; // Another machine's pid cannot be checked from here.
  if (lock.pid === me.pid || lock.pid === me.ppid) return 'ours';
  return alive(lock.pid) ? 'held' : 'take-over';
}

/** Whether `pid` is a live process on this host (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held lock: release it when the run's writer is done. */
export interface RunLockHandle {
  /** Removes the lock file if this process wrote it (a no-op for a lock the parent holds). */
  release(): Promise<void>;
  /** A warning to show, when the lock was taken over from a dead process or replaced. */
  notice: Reason | null;
}

async function readLock(file: string): Promise<RunLock | null | 'missing'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isFsError(err) && err.code === 'ENOENT') return 'missing';
    rethrowFsError(err, { path: file, op: 'read' });
  }
  try {
    const parsed = RunLockSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch (_err) {
    return null;
  }
}

/**
 * Takes the run folder's writer lock for this process. Throws RUN_LOCKED when another live
 * process holds it (or one on another host); takes over a dead process's lock (the handle's
 * notice says so). The folder must exist.
 */
export async function acquireRunLock(runDir: string, alive: (pid: number) => boolean = pidAlive): Promise<RunLockHandle> {
  const paths = runPaths(runDir);
  const mine: RunLock = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const text = JSON.stringify(mine) + '\n';
  const owned: RunLockHandle = {
    notice: null,
    release: async () => {
      const now = await readLock(paths.lock).catch(() => null);
      if (now && now !== 'missing' && now.pid === mine.pid && now.startedAt === mine.startedAt) await rm(paths.lock, { force: true }).catch(() => undefined);
    },
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(paths.lock, 'wx');
      try {
        await fh.writeFile(text);
      } finally {
        await fh.close();
      }
      return owned;
    } catch (err) {
      if (!isFsError(err) || err.code !== 'EEXIST') rethrowFsError(err, { path: paths.dir, op: 'write' });
    }
    const lock = await readLock(paths.lock);
    if (lock === 'missing') continue; // Released meanwhile: try again.
    const d = lockDecision(lock, { pid: process.pid, ppid: process.ppid, host: mine.hostname }, alive);
    if (d === 'ours') return { notice: null, release: async () => undefined };
    if (d === 'held' && lock) {
      const params = { runDir: paths.dir, pid: lock.pid, host: lock.hostname, since: lock.startedAt };
      throw new KestrelError('RUN_LOCKED', reason('RUN_LOCKED', params).message, params);
    }
    await writeFileAtomic(paths.lock, text);
    // Two takers at once: the one whose lock survived the renames wins.
    const check = await readLock(paths.lock);
    if (check !== 'missing' && check?.pid === mine.pid && check.startedAt === mine.startedAt) {
      owned.notice = lock
        ? reason('RUN_LOCK_TAKEN_OVER', { runDir: paths.dir, pid: lock.pid, host: lock.hostname, since: lock.startedAt })
        : reason('RUN_LOCK_UNREADABLE', { runDir: paths.dir });
      return owned;
    }
  }
  const now = await readLock(paths.lock);
  const held = now !== 'missing' && now ? now : { pid: 0, hostname: '?', startedAt: '?' };
  const params = { runDir: paths.dir, pid: held.pid, host: held.hostname, since: held.startedAt };
  throw new KestrelError('RUN_LOCKED', reason('RUN_LOCKED', params).message, params);
}
