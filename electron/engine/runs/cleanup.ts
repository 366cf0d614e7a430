/**
 * Start-of-run housekeeping of a run folder, done by its one writer (after it took run.lock):
 * temp files and folders an interrupted atomic write left behind (`.name.<hex>.tmp`,
 * `dir.tmp-<hex>`, a write probe), and a stale `dir.old` beside a complete `dir`. A torn swap
 * (`dir` missing, `dir.old` there) is put back first, so no checkpoint is ever removed.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverDirSwap } from './atomic';
import { runPaths } from './run-dir';

/** Whether a folder entry is an abandoned temp file or folder of an atomic write (pure). */
export function isAbandonedTemp(name: string): boolean {
  return /^\..+\.[0-9a-f]{8}\.tmp$/.test(name) || /\.tmp-[0-9a-f]{8}$/.test(name) || name.startsWith('.kestrel-write-probe-');
}

/**
 * Removes abandoned temp files and folders of the run folder (the folder itself, weights/,
 * weights/last and weights/best) and stale `.old` checkpoint folders. Returns the names removed,
 * relative to the run folder.
 */
export async function cleanRunTemp(runDir: string): Promise<string[]> {
  const paths = runPaths(runDir);
  for (const dir of [paths.last, paths.best]) await recoverDirSwap(dir).catch(() => undefined);
  const removed: string[] = [];
  const folders: Array<[string, string]> = [[paths.dir, ''], [paths.weights, 'weights/'], [paths.last, 'weights/last/'], [paths.best, 'weights/best/']];
  for (const [dir, prefix] of folders) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const p = join(dir, name);
      let stale = isAbandonedTemp(name);
      // weights/last.old beside a complete weights/last: the swap finished but its clean-up did not.
      if (!stale && name.endsWith('.old') && dir === paths.weights) stale = await stat(join(dir, name.slice(0, -4))).then(() => true, () => false);
      if (!stale) continue;
      await rm(p, { recursive: true, force: true });
      removed.push(prefix + name);
    }
  }
  return removed;
}
