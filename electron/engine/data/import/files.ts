// Path helpers of the importers: the bounded walk with its notes, kinds, containment, globs.
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { ImportContext } from './types';
import { DEFAULT_WALK_LIMITS, walkTree } from './walk';

/**
 * Every regular file under `dir`, absolute paths, sorted; hidden folders (caches, .git) are
 * skipped. The walk is bounded (loops, files, depth, time: see walkTree); what it skipped or
 * cut short goes into the import's problems, once per file even when a tree is walked twice.
 */
export async function walkFiles(dir: string, ctx?: Pick<ImportContext, 'problems' | 'walkLimits' | 'signal'>): Promise<string[]> {
  const { files, notes } = await walkTree(dir, ctx?.walkLimits ?? DEFAULT_WALK_LIMITS, Date.now, ctx?.signal);
  if (ctx) for (const n of notes) if (!ctx.problems.has(n.code, n.file)) ctx.problems.add(n.code, n.file, null, n.params);
  return files;
}

/** Whether a path exists, and as what. */
export async function pathKind(p: string): Promise<'file' | 'dir' | null> {
  const st = await stat(p).catch(() => null);
  if (!st) return null;
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
}

/** True when `p` lies inside `root` (or is it). */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** True when a path string holds glob characters. */
export function hasGlob(p: string): boolean {
  return /[*?[\]{}]/.test(p);
}

/**
 * Turns a glob (`*`, `**`, `?`, `[abc]`, `{a,b}`) into a RegExp over '/'-separated paths.
 * Small on purpose: data.yaml globs are simple, and a dependency for this is not worth it.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += '(?:' + glob.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|\\]/g, '\\$&')).join('|') + ')';
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** The part of a glob before its first wildcard segment: the folder to walk. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const idx = parts.findIndex((s) => hasGlob(s));
  return parts.slice(0, idx < 0 ? parts.length : idx).join('/') || '.';
}

/** Files matching an absolute glob (with '/' or the platform separator). */
export async function globFiles(absGlob: string, ctx?: Pick<ImportContext, 'problems' | 'walkLimits' | 'signal'>): Promise<string[]> {
  const g = absGlob.split(sep).join('/');
  const base = globBase(g);
  const re = globToRegExp(g);
  const files = await walkFiles(base === '' ? '/' : base, ctx);
  return files.filter((f) => re.test(f.split(sep).join('/')));
}
