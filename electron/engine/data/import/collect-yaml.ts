// Reads an Ultralytics data.yaml: the dataset folder, split entries (folders, lists, globs), names.
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { load } from 'js-yaml';
import { KestrelError } from '../../../shared/errors';
import type { SplitName } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import { collectYoloImages, enforceClassCount, idNames, inferClassCount, reportStrayLabels, yoloLabelPath } from './collect-yolo';
import { globFiles, hasGlob, isInside, pathKind, walkFiles } from './files';
import type { Collected, ImportContext } from './types';
import { kindOf, readRegularText } from './safe-read';

/** A data.yaml after parsing: where the images are, and the class names if given. */
export interface DataYaml {
  root: string;
  names: string[] | null;
  nc: number | null;
  entries: { split: SplitName; key: string; value: string }[];
}

/** Reads a data.yaml; throws KestrelError DS_YAML_UNREADABLE when it is not a YAML mapping. */
export async function readDataYaml(file: string): Promise<{ raw: Record<string, unknown> }> {
  let raw: unknown;
  try {
    raw = load(await readRegularText(file));
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'parse error';
    throw new KestrelError('DS_YAML_UNREADABLE', `Cannot read ${file} (${reason}). Fix its YAML syntax.`, { file, reason });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const reason = 'it is not a mapping of keys (path, train, val, names)';
    throw new KestrelError('DS_YAML_UNREADABLE', `Cannot read ${file} (${reason}). Fix its YAML syntax.`, { file, reason });
  }
  return { raw: raw as Record<string, unknown> };
}

/** Class names from `names` as a list or an id->name map (gaps get id names). */
export function namesFromYaml(v: unknown): string[] | null {
  if (Array.isArray(v)) return v.map((n) => String(n));
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, n]) => [Number(k), String(n)] as const)
      .filter(([k]) => Number.isInteger(k) && k >= 0);
    if (entries.length === 0) return null;
    const out = idNames(Math.max(...entries.map(([k]) => k)) + 1);
    for (const [k, n] of entries) out[k] = n;
    return out;
  }
  return null;
}

/**
 * `nc` disagreeing with `names` (a class added to one and not the other): which is right
 * cannot be known, so it is an error. The names are used, since they are what results show.
 */
export function yamlNcMismatch(nc: unknown, names: readonly string[] | null): { nc: string; count: number } | null {
  if (nc === undefined || nc === null || names === null) return null;
  const n = Number(nc);
  return Number.isInteger(n) && n === names.length ? null : { nc: String(nc), count: names.length };
}

const SPLIT_KEYS: [string, SplitName][] = [
  ['train', 'train'],
  ['val', 'val'],
  ['valid', 'val'],
  ['test', 'test'],
];

/**
 * Resolves an Ultralytics data.yaml. The dataset folder is `path` (relative to the YAML's
 * folder) or the YAML's folder; train/val/test may each be a folder, a .txt list or a glob,
 * or a list of those. Entries leaving the dataset folder or missing are reported and
 * skipped. Roboflow writes "../train/images" from one level too deep; like Ultralytics,
 * Kestrel retries without the leading "../" when the first reading does not exist.
 */
export async function collectYaml(yamlFile: string, ctx: ImportContext): Promise<Collected> {
  const { raw } = await readDataYaml(yamlFile);
  const yamlDir = dirname(yamlFile);
  let root = yamlDir;
  if (typeof raw['path'] === 'string' && raw['path'].trim() !== '') {
    const p = resolve(yamlDir, sep === '/' ? raw['path'].replace(/\\/g, '/') : raw['path']);
    if ((await pathKind(p)) === 'dir') root = p;
    else ctx.problems.add('DS_YAML_PATH_MISSING', yamlFile, null, { key: 'path', value: raw['path'] });
  }

  const images: { file: string; split: SplitName }[] = [];
  const seen = new Map<string, SplitName>();
  const labelDirs = new Set<string>();
  // Keyed by real path: "val: images_link" (a link to the train folder) must not count twice.
  const add = async (file: string, split: SplitName): Promise<void> => {
    const key = await realpath(file).catch(() => file);
    const prev = seen.get(key);
    if (prev !== undefined) {
      if (prev !== split) ctx.problems.add('DS_SPLIT_OVERLAP', file, null, { a: prev, b: split });
      return;
    }
    seen.set(key, split);
    images.push({ file, split });
    labelDirs.add(dirname(yoloLabelPath(file)));
  };

  let anyTrain = false;
  for (const [key, split] of SPLIT_KEYS) {
    const v = raw[key];
    if (v === undefined || v === null || v === '') continue;
    const values = (Array.isArray(v) ? v : [v]).map((x) => (sep === '/' ? String(x).replace(/\\/g, '/') : String(x)));
    if (split === 'train') anyTrain = true;
    for (const value of values) {
      const found = await resolveEntry(root, key, value, yamlFile, ctx);
      for (const f of found) await add(f, split);
    }
  }
  if (!anyTrain) ctx.problems.add('DS_YAML_NO_TRAIN', yamlFile, null, {});

  let names = namesFromYaml(raw['names']);
  const ncMismatch = yamlNcMismatch(raw['nc'], names);
  if (ncMismatch) ctx.problems.add('DS_YAML_NC_MISMATCH', yamlFile, null, ncMismatch);
  const drafts = await collectYoloImages(images, names ? names.length : null, ctx);
  if (!names) {
    const nc = Number(raw['nc']);
    const n = Number.isInteger(nc) && nc > 0 ? nc : inferClassCount(drafts);
    names = idNames(n);
    ctx.problems.add('DS_YAML_NO_NAMES', yamlFile, null, { count: n });
    enforceClassCount(drafts, n, ctx);
  }
  const used = new Set(drafts.map((d) => d.labelFile).filter((f): f is string => f !== null));
  const candidates: string[] = [];
  for (const d of labelDirs) if (d !== dirname(d) && isInside(root, d)) candidates.push(...(await walkFiles(d, ctx)));
  await reportStrayLabels([...new Set(candidates)], used, ctx);
  return { root, format: 'yolo-yaml', classNames: names, drafts, hasOwnValSplit: drafts.some((d) => d.split === 'val') };
}

/** Images named by one train/val/test entry: a folder, a .txt list or a glob. */
async function resolveEntry(root: string, key: string, value: string, yamlFile: string, ctx: ImportContext): Promise<string[]> {
  if (hasGlob(value)) {
    const abs = isAbsolute(value) ? value : resolve(root, value);
    if (!isInside(root, abs.replace(/[*?[{].*$/, ''))) {
      ctx.problems.add('DS_YAML_PATH_OUTSIDE', yamlFile, null, { key, value, root });
      return [];
    }
    const hits = (await globFiles(abs, ctx)).filter(isImageFile);
    if (hits.length === 0) ctx.problems.add('DS_YAML_PATH_MISSING', yamlFile, null, { key, value });
    return hits;
  }
  let p = resolve(root, value);
  let kind = await pathKind(p);
  if (!kind && value.startsWith('../')) {
    const retry = resolve(root, value.slice(3));
    const k2 = await pathKind(retry);
    if (k2) [p, kind] = [retry, k2];
  }
  if (!isInside(root, p)) {
    ctx.problems.add('DS_YAML_PATH_OUTSIDE', yamlFile, null, { key, value, root });
    return [];
  }
  if (!kind) {
    const other = await stat(p).catch(() => null);
    if (other) ctx.problems.add('DS_NOT_A_FILE', p, null, { kind: kindOf(other) });
    else ctx.problems.add('DS_YAML_PATH_MISSING', yamlFile, null, { key, value });
    return [];
  }
  if (kind === 'dir') return (await walkFiles(p, ctx)).filter(isImageFile);
  if (isImageFile(p)) return [p];
  return readImageList(root, p, key, ctx);
}

/**
 * Paths to try for one line of an image list. Lists written on Windows use backslashes and
 * drive letters ("C:\\data\\images\\a.jpg"): separators become '/', and a path from another
 * machine is tried by its tails under the dataset folder (images/a.jpg, a.jpg).
 */
export function listEntryCandidates(entry: string, listDir: string, root: string): string[] {
  const norm = sep === '/' ? entry.replace(/\\/g, '/') : entry;
  const foreign = sep === '/' && /^[A-Za-z]:\//.test(norm);
  if (!foreign && isAbsolute(norm)) return [norm];
  if (!foreign) return [resolve(listDir, norm), resolve(root, norm), resolve(dirname(root), norm)];
  const segs = norm.slice(3).split('/').filter((s) => s !== '' && s !== '.');
  return segs.map((_, i) => resolve(root, segs.slice(i).join('/')));
}

/** A .txt image list: one path per line, relative to the list's folder or the dataset folder. */
async function readImageList(root: string, listFile: string, key: string, ctx: ImportContext): Promise<string[]> {
  const out: string[] = [];
  const text = await readRegularText(listFile).catch(() => null);
  if (text === null) {
    ctx.problems.add('DS_YAML_PATH_MISSING', listFile, null, { key, value: listFile });
    return out;
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = (lines[i] ?? '').trim();
    if (entry === '') continue;
    const cands = listEntryCandidates(entry, dirname(listFile), root);
    let hit: string | null = null;
    for (const c of cands) if (!hit && (await pathKind(c)) === 'file') hit = c;
    if (!hit) {
      ctx.problems.add('DS_LIST_ENTRY_MISSING', listFile, i + 1, { value: entry });
      continue;
    }
    if (!isInside(root, hit)) {
      ctx.problems.add('DS_YAML_PATH_OUTSIDE', listFile, i + 1, { key: `${key} list`, value: entry, root });
      continue;
    }
    out.push(hit);
  }
  return out;
}

