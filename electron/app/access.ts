/**
 * What the renderer may reach on disk. The renderer is untrusted: every path that widens what
 * it can read or open comes from a dialog in main (or from main's own settings and folders),
 * is absolute and bounded, and `shell:openPath` never opens an executable or anything outside
 * the run folders and the dataset folders the user picked. Pure decisions first, then the
 * grant list kept in app state, then the one I/O check (realpath + stat) used before opening.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, parse as parsePath } from 'node:path';
import { KestrelError } from '../shared/errors';
import { reason } from '../shared/reason';

/** Longest path the app accepts from anywhere (Windows long paths stop at 32767; nobody's data lives that deep). */
export const MAX_PATH_LENGTH = 4096;

/**
 * Extensions that run code when "opened" on Windows, Linux or macOS. Refused on every platform:
 * a run folder copied from another PC keeps its files.
 */
export const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  // Windows
  'exe', 'com', 'bat', 'cmd', 'msi', 'msp', 'mst', 'msc', 'ps1', 'psm1', 'psd1', 'ps1xml', 'ps2', 'psc1', 'vbs', 'vbe', 'vb', 'js', 'jse',
  'wsf', 'wsh', 'wsc', 'ws', 'scr', 'pif', 'cpl', 'hta', 'jar', 'lnk', 'url', 'reg', 'inf', 'scf', 'sct', 'shb', 'shs', 'chm',
  'application', 'appref-ms', 'gadget', 'msh', 'msh1', 'msh2', 'mshxml', 'dll', 'sys', 'drv', 'ocx', 'appx', 'appxbundle',
  'msix', 'msixbundle', 'appinstaller', 'diagcab', 'library-ms', 'settingcontent-ms', 'search-ms', 'xbap', 'website',
  // Linux and macOS
  'sh', 'bash', 'zsh', 'csh', 'ksh', 'fish', 'run', 'bin', 'out', 'elf', 'appimage', 'desktop', 'command', 'tool', 'app',
  'deb', 'rpm', 'snap', 'flatpak', 'flatpakref', 'pkg', 'dmg', 'so', 'ko', 'py', 'pyw', 'pl', 'rb', 'php', 'x86_64',
]);

/** A path as the renderer sent it, checked for shape only (no file system). */
export function pathShapeProblem(path: string): 'empty' | 'too-long' | 'nul' | 'relative' | null {
  if (path.length === 0) return 'empty';
  if (path.length > MAX_PATH_LENGTH) return 'too-long';
  if (path.includes('\0')) return 'nul';
  if (!isAbsolute(path) && !/^[A-Za-z]:[\\/]/.test(path) && !/^\\\\[^\\]/.test(path)) return 'relative';
  return null;
}

/** Whether `child` is `parent` or lies inside it (both resolved; no `..` escapes). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Whether a path is the root of its file system (`/`, `C:\`): never a runs folder. */
export function isFsRoot(path: string): boolean {
  const p = resolve(path);
  return parsePath(p).root === p;
}

/** Whether a file name has an extension that runs code when opened (any platform, any case). */
export function hasExecutableExtension(name: string): boolean {
  // Windows ignores trailing dots and spaces: "setup.exe." runs setup.exe.
  const ext = extname(name.replace(/[. ]+$/, '')).slice(1).toLowerCase();
  return ext !== '' && EXECUTABLE_EXTENSIONS.has(ext);
}

/** What a stat says about an open target. */
export interface OpenTarget {
  name: string;
  kind: 'file' | 'dir' | 'other';
  mode: number;
  platform: NodeJS.Platform;
}

/**
 * Whether `shell:openPath` may open a target: folders (not app bundles) and regular files
 * that are neither executable by extension nor, outside Windows, by a mode bit. Devices,
 * FIFOs and sockets never.
 */
export function openRefusal(t: OpenTarget): 'executable' | 'not-a-file' | null {
  if (t.kind === 'other') return 'not-a-file';
  if (hasExecutableExtension(t.name)) return 'executable';
  if (t.kind === 'file' && t.platform !== 'win32' && (t.mode & 0o111) !== 0) return 'executable';
  return null;
}

/** The coded error of a refused path (messages in messages/app.ts). */
export function accessError(code: string, path: string): KestrelError {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return new KestrelError(code, reason(code, { path: shown }).message, { path: shown });
}

/** Throws APP_PATH_INVALID unless the path is absolute, bounded and free of NUL bytes. */
export function assertPathShape(path: string): string {
  if (pathShapeProblem(path) !== null) throw accessError('APP_PATH_INVALID', path);
  return path;
}

/**
 * The dataset locations the user picked in a dialog this session (plus the ones main lists
 * itself: the demo set, the recent datasets it recorded). Only paths under one of them may be
 * checked, sampled, planned, trained on or opened.
 */
export class PathGrants {
  private readonly roots = new Set<string>();

  /** Records a path main got from a dialog (or owns). Shapes it refuses are not recorded. */
  grant(path: string): void {
    if (pathShapeProblem(path) === null) this.roots.add(resolve(path));
  }

  /** Every granted root, in the order granted. */
  list(): string[] {
    return [...this.roots];
  }

  /** Whether a path lies under a granted root, or one of `extra` (main's own folders). */
  allows(path: string, extra: readonly string[] = []): boolean {
    if (pathShapeProblem(path) !== null) return false;
    return [...this.roots, ...extra].some((root) => isInside(path, root));
  }
}

async function realOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch (_err) {
    return null;
  }
}

/**
 * Checks a path the renderer asks to open against the allowed roots, following symlinks (a
 * link inside a run folder must not lead out of it), and against {@link openRefusal}.
 * Returns the real path to open; throws APP_PATH_INVALID, APP_PATH_NOT_ALLOWED,
 * APP_PATH_NOT_FOUND or APP_PATH_EXECUTABLE.
 */
export async function checkOpenPath(path: string, roots: readonly string[], platform: NodeJS.Platform = process.platform): Promise<string> {
  assertPathShape(path);
  const target = resolve(path);
  if (!roots.some((r) => isInside(target, r))) throw accessError('APP_PATH_NOT_ALLOWED', path);
  const real = await realOrNull(target);
  if (real === null) throw accessError('APP_PATH_NOT_FOUND', path);
  const realRoots = (await Promise.all(roots.map(realOrNull))).filter((r): r is string => r !== null);
  if (!realRoots.some((r) => isInside(real, r))) throw accessError('APP_PATH_NOT_ALLOWED', path);
  const st = await stat(real);
  const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  // Both names count: a link "notes.txt" to "setup.exe", or a link "run.exe" to anything.
  const refusal = openRefusal({ name: real, kind, mode: st.mode, platform }) ?? (hasExecutableExtension(target) ? 'executable' : null);
  if (refusal === 'executable') throw accessError('APP_PATH_EXECUTABLE', path);
  if (refusal === 'not-a-file') throw accessError('APP_PATH_NOT_ALLOWED', path);
  return real;
}
