/**
 * What `--source` names, as a list of image files: one file, a folder (searched recursively),
 * a glob (`*`, `?`, `**`, `[...]`), or a dataset (data.yaml or any dataset path the importer
 * reads, with an optional `:train|:val|:test` split; val by default).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { isImageFile } from '../data/image';
import { walkTree } from '../data/import/walk';

/** The images a source names, and how to describe it. */
export interface ResolvedSource {
  kind: 'file' | 'folder' | 'glob' | 'dataset';
  files: string[];
  /** For a dataset: the split used. */
  split?: 'train' | 'val' | 'test';
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Splits `data.yaml:val` into the path and the split (only a known split name counts, so `C:\x` stays whole). */
export function parseSourceSpec(spec: string): { path: string; split: 'train' | 'val' | 'test' | null } {
  const m = /^(.*):(train|val|test)$/.exec(spec);
  if (m && m[1]) return { path: m[1], split: m[2] as 'train' | 'val' | 'test' };
  return { path: spec, split: null };
}

/** A glob pattern as a regular expression over `/`-separated relative paths. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more folders; a bare `**` anything.
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map((s) => s.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      }
    } else re += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, process.platform === 'win32' ? 'i' : '');
}

const byPath = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Image files under `dir`, recursively, in path order: the importer's bounded, loop-safe walk
 * (hidden folders and node_modules skipped, each real file once, regular files only).
 */
export async function listImages(dir: string): Promise<string[]> {
  const { files } = await walkTree(dir);
  return files.filter((f) => isImageFile(f)).sort(byPath);
}

function notFound(source: string): KestrelError {
  return new KestrelError('PREDICT_SOURCE_NOT_FOUND', reason('PREDICT_SOURCE_NOT_FOUND', { source }).message, { source });
}

async function globFiles(pattern: string): Promise<string[]> {
  const abs = resolve(pattern).split(sep).join('/');
  const parts = abs.split('/');
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstGlob).join('/') || '/';
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  const st = await stat(base).catch(() => null);
  if (!st?.isDirectory()) return [];
  const { files } = await walkTree(base);
  return files.filter((p) => isImageFile(p) && re.test(relative(base, p).split(sep).join('/'))).sort(byPath);
}

/**
 * The image files of `spec`. Dataset sources are read through the importer (its split rules:
 * a dataset without its own val split is split as training split it, by the run's split.json
 * when `splitFile` names it). Throws
 * PREDICT_SOURCE_NOT_FOUND when nothing is at the path, PREDICT_NO_IMAGES when it holds no image.
 */
export async function resolveSource(spec: string, opts: { splitFile?: string } = {}): Promise<ResolvedSource> {
  const { path, split } = parseSourceSpec(spec);
  const isYaml = /\.ya?ml$/i.test(path) || /\.json$/i.test(path);
  if (split !== null || isYaml) {
    const { importDataset, splitDataset } = await import('../data/index');
    // Unlabelled images are what predict is for: a dataset without boxes is no error here (DS_NO_BOXES).
    const ds = splitDataset(await importDataset(isAbsolute(path) ? path : resolve(path), { allowNoBoxes: true }), { seed: 0, ...(opts.splitFile ? { savedSplitFile: opts.splitFile } : {}) });
    const s = split ?? 'val';
    const files = ds.splits[s].map((r) => r.file);
    if (files.length === 0) throw new KestrelError('PREDICT_NO_IMAGES', reason('PREDICT_NO_IMAGES', { source: spec }).message, { source: spec });
    return { kind: 'dataset', files, split: s };
  }
  let kind: ResolvedSource['kind'];
  let files: string[];
  const st = await stat(path).catch(() => null);
  if (st?.isFile()) {
    kind = 'file';
    files = [resolve(path)];
  } else if (st?.isDirectory()) {
    kind = 'folder';
    files = await listImages(resolve(path));
  } else if (GLOB_CHARS.test(path)) {
    kind = 'glob';
    files = await globFiles(path);
  } else throw notFound(spec);
  if (files.length === 0) throw new KestrelError('PREDICT_NO_IMAGES', reason('PREDICT_NO_IMAGES', { source: spec }).message, { source: spec });
  return { kind, files };
}
