// The one way the editor writes a dataset file: a backup of the original first (in the dataset's
// .kestrel/backups/<time>/ folder, mirroring the file's path), then an atomic replace. A write
// that fails leaves the original as it was and throws LABELS_READ_ONLY or LABELS_WRITE_FAILED.
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../../runs/atomic';
import { labelsError } from './errors';

/** File writes the editor makes; tests pass failing ones to prove nothing is lost. */
export interface EditIo {
  writeFile(file: string, data: string | Uint8Array): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
}

/** The real file system. */
export const realIo: EditIo = {
  writeFile: writeFileAtomic,
  copyFile: (a, b) => copyFile(a, b),
};

/** Folder of the editor's backups inside a dataset (hidden: imports and checks skip it). */
export const BACKUP_DIR = join('.kestrel', 'backups');

/** A filesystem error as LABELS_READ_ONLY (permissions, read-only media) or LABELS_WRITE_FAILED. */
export function writeError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  const reason = err instanceof Error ? err.message : String(err);
  return labelsError(['EACCES', 'EPERM', 'EROFS'].includes(code) ? 'LABELS_READ_ONLY' : 'LABELS_WRITE_FAILED', { file, reason });
}

/** A timestamp usable in a folder name on every platform. */
export function stampOf(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** Copies `file` to the backup folder of `root`; returns the copy's path. */
export async function backupFile(root: string, file: string, io: EditIo, now: Date = new Date()): Promise<string> {
  const rel = relative(root, file);
  const inside = rel !== '' && !rel.startsWith('..');
  const dest = join(root, BACKUP_DIR, stampOf(now), inside ? rel : basename(file));
  try {
    await mkdir(dirname(dest), { recursive: true });
    await io.copyFile(file, dest);
  } catch (err) {
    throw writeError(file, err);
  }
  return dest;
}

/** Removes temp files a failed atomic write may have left beside `file`. */
async function cleanTemps(file: string): Promise<void> {
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  const prefix = `.${basename(file)}.`;
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(dirname(file), n), { force: true })));
}

/** Replaces `file` atomically; on failure the original is untouched and a coded error is thrown. */
export async function writeAtomic(file: string, data: string | Uint8Array, io: EditIo): Promise<void> {
  try {
    await io.writeFile(file, data);
  } catch (err) {
    await cleanTemps(file);
    throw writeError(file, err);
  }
}
