// The bounded folder walk behind every dataset import: symlink loops are detected, each real
// file is listed once however many links lead to it, and limits on files, depth and time keep
// a walk of a huge tree (/usr, a whole drive) from exhausting memory; what was cut is reported.
import type { Dirent } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { isImageFile } from '../image';
import type { ProblemCode, ProblemParams } from './problems';
import { kindOf } from './safe-read';

/** Limits of one folder walk. */
export interface WalkLimits {
  /** Files listed at most; the walk stops there. */
  maxFiles: number;
  /** Folder levels below the starting folder at most. */
  maxDepth: number;
  /** Wall-clock time of the walk in milliseconds at most. */
  maxMs: number;
}

/** Generous for any labelled dataset (COCO train2017 has 118,287 images), tight for a system tree. */
export const DEFAULT_WALK_LIMITS: WalkLimits = { maxFiles: 400_000, maxDepth: 24, maxMs: 60_000 };

/** Something the walk noticed, for the import's problem list. */
export interface WalkNote {
  code: ProblemCode;
  file: string;
  params: ProblemParams;
}

/** Files found (absolute, sorted) and what the walk skipped or cut short. */
export interface WalkResult {
  files: string[];
  notes: WalkNote[];
}

/** File types worth a word when they turn out not to be regular files. */
function looksLikeDatasetFile(name: string): boolean {
  return isImageFile(name) || ['.txt', '.xml', '.json', '.yaml', '.yml'].includes(extname(name).toLowerCase());
}

interface Pending {
  path: string;
  depth: number;
}

/**
 * Lists every regular file under `dir`, hidden folders and node_modules skipped. Real folders
 * are walked first, links afterwards, so a file reached both ways keeps its real path. A
 * folder already walked (by device and inode) is not walked again: a folder linked into
 * itself is a DS_LINK_SKIPPED note, not a loop. Stops at the limits with a note saying which,
 * and silently when `signal` fires (the caller reports the cancellation).
 */
export async function walkTree(
  dir: string,
  limits: WalkLimits = DEFAULT_WALK_LIMITS,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<WalkResult> {
  const start = now();
  const files: string[] = [];
  const notes: WalkNote[] = [];
  const seenDirs = new Set<string>();
  const seenReal = new Set<string>();
  const links: Pending[] = [];
  let stopped = false;
  let tooDeepNoted = false;

  const dirKey = async (p: string): Promise<string | null> => {
    const st = await stat(p, { bigint: true }).catch(() => null);
    if (!st?.isDirectory()) return null;
    // Some file systems report inode 0 for everything: fall back to the real path.
    return st.ino === 0n ? `path:${await realpath(p).catch(() => p)}` : `${st.dev}:${st.ino}`;
  };
  const outOfTime = (p: string): boolean => {
    if (now() - start <= limits.maxMs) return false;
    notes.push({ code: 'DS_WALK_TIMEOUT', file: dir, params: { seconds: Math.round(limits.maxMs / 1000), at: relative(dir, p) || '.' } });
    stopped = true;
    return true;
  };
  const addFile = (p: string, real: string): void => {
    if (seenReal.has(real)) return;
    if (files.length >= limits.maxFiles) {
      notes.push({ code: 'DS_WALK_TOO_MANY_FILES', file: dir, params: { limit: limits.maxFiles, at: relative(dir, p) || '.' } });
      stopped = true;
      return;
    }
    seenReal.add(real);
    files.push(p);
  };

  // `real` is the folder's real path: no link was followed below it, so children's real
  // paths are real + name without a realpath call per file.
  async function go(d: string, real: string, depth: number): Promise<void> {
    // A cancelled import stops listing at once; the importer then throws DS_IMPORT_CANCELLED.
    if (signal?.aborted) stopped = true;
    if (stopped || outOfTime(d)) return;
    const key = await dirKey(d);
    if (key === null) return;
    if (seenDirs.has(key)) {
      notes.push({ code: 'DS_LINK_SKIPPED', file: d, params: { target: relative(dir, real) || '.' } });
      return;
    }
    seenDirs.add(key);
    if (depth > limits.maxDepth) {
      if (!tooDeepNoted) notes.push({ code: 'DS_WALK_TOO_DEEP', file: d, params: { limit: limits.maxDepth } });
      tooDeepNoted = true;
      return;
    }
    const entries: Dirent[] = [];
    try {
      // Streamed, and capped: one folder of millions of entries must not fill memory first.
      const handle = await opendir(d, { bufferSize: 256 });
      for await (const e of handle) {
        entries.push(e);
        // More than can be listed: the file limit below stops the walk and says so.
        if (entries.length > limits.maxFiles) break;
      }
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (stopped) return;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        // A folder named like a label or image (a.txt/, a.xml/): where a file belongs, say so.
        if (looksLikeDatasetFile(e.name)) notes.push({ code: 'DS_NOT_A_FILE', file: p, params: { kind: 'folder' } });
        await go(p, join(real, e.name), depth + 1);
      }
      else if (e.isFile()) addFile(p, join(real, e.name));
      else if (e.isSymbolicLink()) links.push({ path: p, depth: depth + 1 });
      else if (looksLikeDatasetFile(e.name)) {
        const kind = e.isFIFO() ? 'pipe' : e.isSocket() ? 'socket' : e.isBlockDevice() || e.isCharacterDevice() ? 'device' : 'other';
        notes.push({ code: 'DS_NOT_A_FILE', file: p, params: { kind } });
      }
    }
  }

  const rootReal = await realpath(dir).catch(() => dir);
  await go(dir, rootReal, 0);
  // Links last, in order; following one may queue more.
  for (let i = 0; i < links.length && !stopped; i++) {
    const l = links[i] as Pending;
    if (outOfTime(l.path)) break;
    const st = await stat(l.path).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      // ELOOP: a chain of links pointing at each other; a dangling link is simply absent.
      if (st.code === 'ELOOP') notes.push({ code: 'DS_LINK_SKIPPED', file: l.path, params: { target: '(a loop of links)' } });
      continue;
    }
    const real = await realpath(l.path).catch(() => null);
    if (real === null) continue;
    if (st.isDirectory()) await go(l.path, real, l.depth);
    else if (st.isFile()) {
      if (seenReal.has(real)) notes.push({ code: 'DS_LINK_SKIPPED', file: l.path, params: { target: relative(rootReal, real) || real } });
      else addFile(l.path, real);
    } else if (looksLikeDatasetFile(l.path)) notes.push({ code: 'DS_NOT_A_FILE', file: l.path, params: { kind: kindOf(st) } });
  }
  return { files: files.sort(), notes };
}
