import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old file or the new one,
 * never half of each: write a temp file beside it, fsync, then rename over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A full disk or a failed rename leaves no half-written temp file behind.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** JSON variant of writeFileAtomic, pretty-printed so run folders are readable by people. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Replaces a whole directory atomically (as far as the file system allows): the new content
 * is written to `dir.tmp-*`, then the old directory is moved aside and the new one renamed in.
 * A crash between the two renames leaves `dir.old` which `recoverDirSwap` restores; a failed
 * fill or final rename removes the temp folder and leaves the old directory in place.
 */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await rm(old, { recursive: true, force: true });
  let hadOld = true;
  try {
    await rename(dir, old);
  } catch {
    hadOld = false;
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    // The new content cannot be put in place: the old folder goes back and the temp one goes.
    if (hadOld) await rename(old, dir).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** After a crash mid-swap: if `dir` is missing but `dir.old` exists, put the old one back. */
export async function recoverDirSwap(dir: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const exists = async (p: string) => stat(p).then(() => true, () => false);
  if (!(await exists(dir)) && (await exists(`${dir}.old`))) await rename(`${dir}.old`, dir);
}
