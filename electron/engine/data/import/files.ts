import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/** Every file under `dir`, absolute paths, sorted; hidden folders (caches, .git) are skipped. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function go(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await go(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const st = await stat(p).catch(() => null);
        if (st?.isFile()) out.push(p);
        else if (st?.isDirectory()) await go(p);
      }
    }
  }
  await go(dir);
  return out.sort();
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
export async function globFiles(absGlob: string): Promise<string[]> {
  const g = absGlob.split(sep).join('/');
  const base = globBase(g);
  const re = globToRegExp(g);
  const files = await walkFiles(base === '' ? '/' : base);
  return files.filter((f) => re.test(f.split(sep).join('/')));
}
