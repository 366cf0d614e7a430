// Reads dataset files without ever blocking on something that is not a regular file: a FIFO,
// a socket or a device named like a label or image would hang a plain readFile forever.
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** What a path is, in words the problem messages use. */
export type FileKind = 'file' | 'folder' | 'pipe' | 'socket' | 'device' | 'other';

/** The kind of a stat result. */
export function kindOf(st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'>): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'folder';
  if (st.isFIFO()) return 'pipe';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'other';
}

/** Thrown when a path exists but is not a regular file: the caller reports DS_NOT_A_FILE. */
export class NotAFileError extends Error {
  constructor(
    readonly file: string,
    readonly kind: FileKind,
  ) {
    super(`${file} is a ${kind}, not a file`);
    this.name = 'NotAFileError';
  }
}

/** Thrown when a file is far larger than its kind ever is: the caller reports DS_FILE_TOO_LARGE. */
export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${file} is ${mib(size)}, more than the ${mib(limit)} Kestrel reads for this kind of file`);
    this.name = 'FileTooLargeError';
  }
}

/** Bytes in MiB for messages. */
export function mib(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

/** Largest label, XML, list or YAML file read (a label of a million boxes is 40 MiB). */
export const MAX_TEXT_BYTES = 64 * 1048576;

/** Largest COCO JSON read: about V8's longest string (COCO 2017's train file is 448 MiB). */
export const MAX_JSON_BYTES = 512 * 1048576;

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer; it does
// nothing for regular files. Windows has no such flag (and no FIFOs inside folders).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a whole file, but only if it is a regular file: checked with fstat on the opened
 * handle, so a path swapped between a check and the read cannot slip through. Throws
 * NotAFileError for folders, pipes, sockets and devices, FileTooLargeError above `maxBytes`,
 * and the usual fs errors otherwise.
 */
export async function readRegularFile(file: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return withRegularFile(file, async (fh, st) => {
    if (st.size > maxBytes) throw new FileTooLargeError(file, st.size, maxBytes);
    return fh.readFile();
  });
}

/**
 * Opens `file` only if it is a regular file (checked before the open and again with fstat on
 * the handle, so a path swapped in between cannot slip through), runs `use` on the handle and
 * its stats, and closes it. NotAFileError for folders, pipes, sockets and devices.
 */
async function withRegularFile<T>(file: string, use: (fh: FileHandle, st: Stats) => Promise<T>): Promise<T> {
  const pre = await stat(file);
  if (!pre.isFile()) throw new NotAFileError(file, kindOf(pre));
  const fh = await open(file, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotAFileError(file, kindOf(st));
    return await use(fh, st);
  } finally {
    await fh.close();
  }
}

/** readRegularFile as UTF-8 text (at most MAX_TEXT_BYTES unless told). */
export async function readRegularText(file: string, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  return (await readRegularFile(file, maxBytes)).toString('utf8');
}

/** Reads the first `n` bytes of a regular file (NotAFileError otherwise). */
export async function readRegularHead(file: string, n: number): Promise<Buffer> {
  return withRegularFile(file, async (fh) => {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  });
}

/**
 * Reads a file that may be missing: its text; null when it does not exist; else the error
 * that kept it from being read (NotAFileError, FileTooLargeError, or an fs error such as a
 * permission or a loop of links), so that "unreadable" is never taken for "absent".
 */
export async function readOptionalText(file: string): Promise<string | null | Error> {
  try {
    return await readRegularText(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    return err instanceof Error ? err : new Error(String(err));
  }
}
