/**
 * File-system faults as coded errors a user can act on: a read-only drive, an output path that
 * is a file, a full disk (with how much the next write needs), missing permission, a drive
 * that went away. `classifyFsError` is the pure decision (Node error -> KestrelError); the two
 * small helpers at the end are the I/O edge that callers use before and around their writes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';

/** What the failed operation was about, in the user's terms. */
export interface FsErrorContext {
  /** The folder or file the user knows (the run folder, the output folder), not a temp file. */
  path: string;
  /** What was being done; `mkdir` lets an EEXIST mean "this path is a file". */
  op?: 'read' | 'write' | 'mkdir';
  /** Bytes the write needed (e.g. the size of the next checkpoint), when known. */
  neededBytes?: number;
  /** Free bytes on the drive, when known (see {@link freeBytesOf}). */
  freeBytes?: number;
}

/** A Node system error: it carries a string errno code such as 'ENOSPC'. */
export function isFsError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}

const mib = (b: number) => Math.max(1, Math.ceil(b / 2 ** 20));

/** The message code for a Node errno code in this context (FS_FAILED when no specific one fits). */
export function fsErrorCode(errno: string, ctx: Pick<FsErrorContext, 'op' | 'neededBytes'>, syscall?: string): string {
  switch (errno) {
    case 'EROFS':
      return 'FS_READ_ONLY';
    case 'EACCES':
    case 'EPERM':
      return 'FS_NO_PERMISSION';
    case 'ENOTDIR':
      return 'FS_NOT_A_FOLDER';
    case 'EEXIST':
      // mkdir over an existing file (a writer making its folder first counts too).
      return ctx.op === 'mkdir' || syscall === 'mkdir' ? 'FS_NOT_A_FOLDER' : 'FS_FAILED';
    case 'EISDIR':
      return 'FS_IS_A_FOLDER';
    case 'ENOSPC':
    case 'EDQUOT':
      return ctx.neededBytes !== undefined && ctx.neededBytes > 0 ? 'FS_DISK_FULL_NEED' : 'FS_DISK_FULL';
    case 'ENAMETOOLONG':
      return 'FS_PATH_TOO_LONG';
    case 'ENOENT':
      return 'FS_NOT_FOUND';
    case 'EIO':
    case 'ENXIO':
    case 'ESTALE':
    case 'ENODEV':
      return 'FS_IO_ERROR';
    case 'EMFILE':
    case 'ENFILE':
      return 'FS_TOO_MANY_FILES';
    case 'EBUSY':
      return 'FS_BUSY';
    default:
      return 'FS_FAILED';
  }
}

/**
 * Turns a file-system failure into a coded error with a sentence saying what to do. A
 * KestrelError passes through unchanged; anything else becomes FS_FAILED naming its cause,
 * so a user never sees INTERNAL for a disk fault.
 */
export function classifyFsError(err: unknown, ctx: FsErrorContext): KestrelError {
  if (err instanceof KestrelError) return err;
  const errno = isFsError(err) ? err.code : 'UNKNOWN';
  const code = fsErrorCode(errno, ctx, isFsError(err) ? err.syscall : undefined);
  const params: Record<string, string | number> = { path: ctx.path, errno };
  if (code === 'FS_DISK_FULL_NEED') params['needMiB'] = mib(ctx.neededBytes ?? 0);
  // The syscall, not Node's message: that names the temp file, which means nothing to a user.
  if (code === 'FS_FAILED') params['detail'] = isFsError(err) ? (err.syscall ?? 'file operation') : String(err instanceof Error ? err.message : err).slice(0, 200);
  const details: Record<string, unknown> = { ...params, op: ctx.op ?? 'write' };
  if (ctx.neededBytes !== undefined) details['neededBytes'] = ctx.neededBytes;
  if (ctx.freeBytes !== undefined) details['freeBytes'] = ctx.freeBytes;
  return new KestrelError(code, reason(code, params).message, details);
}

/** Throws the classified form of a file-system error; rethrows anything else (bugs stay bugs). */
export function rethrowFsError(err: unknown, ctx: FsErrorContext): never {
  if (err instanceof KestrelError || !isFsError(err)) throw err;
  throw classifyFsError(err, ctx);
}

/** Free bytes on the drive holding `path` (null when the platform cannot tell). */
export async function freeBytesOf(path: string): Promise<number | null> {
  try {
    const s = await statfs(path);
    return Number(s.bavail) * Number(s.bsize);
  } catch (_err) {
    return null;
  }
}

/**
 * Makes sure `dir` is a folder Kestrel can write to, before any work starts: creates it,
 * writes and removes a small probe file. Throws the classified error (FS_READ_ONLY,
 * FS_NOT_A_FOLDER, FS_NO_PERMISSION, FS_DISK_FULL...) and leaves nothing behind.
 */
export async function ensureWritableFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    rethrowFsError(err, { path: dir, op: 'mkdir' });
  }
  const probe = join(dir, `.kestrel-write-probe-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(probe, 'wx');
    try {
      await fh.writeFile('ok');
    } finally {
      await fh.close();
    }
  } catch (err) {
    rethrowFsError(err, { path: dir, op: 'write' });
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}
