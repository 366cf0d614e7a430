// Finds what the editor works on: a dataset's format, folder and class names, and for one image
// (or the label file a check problem names) the image, its label file and, for COCO, its entry.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DatasetFormat } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import { cocoRoot } from '../import/collect-coco';
import { readDataYaml, namesFromYaml } from '../import/collect-yaml';
import { findClassListFile, idNames, readClassList, yoloLabelPath } from '../import/collect-yolo';
import { matchVocImage } from '../import/collect-voc';
import { detectFolder } from '../import/detect';
import { isInside, walkFiles } from '../import/files';
import { parseVocXml } from '../import/voc-xml';
import { parseCocoDoc } from './coco';
import { labelsError } from './errors';

/** A dataset as the editor sees it. */
export interface DatasetRef {
  /** What the engineer opened: a folder, a data.yaml or a COCO JSON. */
  path: string;
  format: DatasetFormat;
  /** The dataset folder: backups go in its .kestrel/ folder. */
  root: string;
  classNames: string[];
  /** The data.yaml, for YOLO datasets described by one. */
  yamlFile: string | null;
  /** The COCO instances files. */
  cocoFiles: string[];
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );
const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Class count of YOLO labels without names: the highest id in any label file, plus one. */
async function inferYoloClassCount(root: string): Promise<number> {
  let max = -1;
  for (const f of await walkFiles(root)) {
    if (extname(f).toLowerCase() !== '.txt' || !f.includes(`${sep}labels${sep}`)) continue;
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split(/\r?\n/)) {
      const c = Number(line.trim().split(/\s+/)[0]);
      if (Number.isInteger(c) && c >= 0 && c < 10000 && line.trim() !== '') max = Math.max(max, c);
    }
  }
  return max + 1;
}

/** Class names of a VOC folder: its class list file, else the names used, sorted (as the import does). */
async function vocClassNames(root: string, files: readonly string[]): Promise<string[]> {
  const listFile = findClassListFile(root, files);
  const listed = listFile ? await readClassList(listFile) : null;
  if (listed) return listed;
  const names = new Set<string>();
  for (const f of files) {
    if (extname(f).toLowerCase() !== '.xml') continue;
    try {
      for (const o of parseVocXml(await readFile(f, 'utf8')).ann.objects) if (o.name !== '') names.add(o.name);
    } catch {
      // A broken XML names no classes; the check reports it.
    }
  }
  return [...names].sort();
}

/** Class names of COCO files merged by name, each file's categories in id order (as the import does). */
async function cocoClassNames(files: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const f of files) {
    try {
      for (const c of parseCocoDoc(await readFile(f, 'utf8')).categories) if (!names.includes(c.name)) names.push(c.name);
    } catch {
      // Reported by the check.
    }
  }
  return names;
}

/**
 * Opens a dataset for editing: its format (detected the way the import does), its folder and
 * class names. Throws LABELS_NOT_FOUND or LABELS_FORMAT_UNKNOWN.
 */
export async function openDatasetRef(path: string): Promise<DatasetRef> {
  const abs = resolve(path);
  const st = await stat(abs).catch(() => null);
  if (!st) throw labelsError('LABELS_NOT_FOUND', { file: abs });
  let yamlFile: string | null = null;
  let cocoFiles: string[] = [];
  let format: DatasetFormat;
  let root: string;
  if (st.isDirectory()) {
    const det = await detectFolder(abs);
    if (det.kind === 'yaml') yamlFile = det.file;
    else if (det.kind === 'coco') cocoFiles = det.files;
    else if (det.kind === 'none') throw labelsError('LABELS_FORMAT_UNKNOWN', { path: abs });
    format = det.kind === 'yaml' ? 'yolo-yaml' : det.kind;
    root = abs;
  } else if (/\.ya?ml$/i.test(abs)) {
    yamlFile = abs;
    format = 'yolo-yaml';
    root = dirname(abs);
  } else if (/\.json$/i.test(abs)) {
    cocoFiles = [abs];
    format = 'coco';
    root = cocoRoot(abs);
  } else throw labelsError('LABELS_FORMAT_UNKNOWN', { path: abs });

  let classNames: string[];
  if (yamlFile) {
    const { raw } = await readDataYaml(yamlFile);
    if (typeof raw['path'] === 'string' && raw['path'].trim() !== '') {
      const p = resolve(dirname(yamlFile), raw['path']);
      if (await isDir(p)) root = p;
    }
    const nc = Number(raw['nc']);
    classNames = namesFromYaml(raw['names']) ?? idNames(Number.isInteger(nc) && nc > 0 ? nc : await inferYoloClassCount(root));
  } else if (format === 'coco') {
    root = cocoRoot(cocoFiles[0] ?? root);
    classNames = await cocoClassNames(cocoFiles);
  } else {
    const files = await walkFiles(root);
    if (format === 'voc') classNames = await vocClassNames(root, files);
    else {
      const listFile = findClassListFile(root, files);
      classNames = (listFile ? await readClassList(listFile) : null) ?? idNames(await inferYoloClassCount(root));
    }
  }
  return { path: abs, format, root, classNames, yamlFile, cocoFiles };
}

/**
 * Resolves a path the renderer sent against the dataset: relative paths are taken from the
 * dataset folder; the result (links followed) must lie inside it, else LABELS_OUTSIDE_DATASET.
 */
export async function insideDataset(ref: DatasetRef, file: string): Promise<string> {
  const abs = isAbsolute(file) ? resolve(file) : resolve(ref.root, file);
  // What the engineer opened: the folder itself, or the folder of the data.yaml / COCO JSON.
  const folders = [ref.root, /\.(ya?ml|json)$/i.test(ref.path) ? dirname(ref.path) : ref.path];
  const real = await realpath(abs).catch(() => abs);
  const realFolders = await Promise.all(folders.map((f) => realpath(f).catch(() => f)));
  const ok = folders.some((f) => isInside(f, abs)) && realFolders.some((f) => isInside(f, real));
  if (!ok) throw labelsError('LABELS_OUTSIDE_DATASET', { file, root: ref.root });
  return abs;
}

/** The image a YOLO label belongs to: labels/ becomes images/, any image extension. */
async function yoloImageOf(labelFile: string): Promise<string | null> {
  const marker = `${sep}labels${sep}`;
  const i = labelFile.lastIndexOf(marker);
  const dir = dirname(i < 0 ? labelFile : labelFile.slice(0, i) + `${sep}images${sep}` + labelFile.slice(i + marker.length));
  const stem = basename(labelFile, extname(labelFile));
  const names = await readdir(dir).catch(() => [] as string[]);
  const hit = names.find((n) => isImageFile(n) && basename(n, extname(n)) === stem);
  return hit ? join(dir, hit) : null;
}

function byMaps(images: readonly string[]): {
  byStem: Map<string, string[]>;
  byName: Map<string, string[]>;
} {
  const byStem = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const im of images) {
    const stem = basename(im, extname(im));
    push(byStem, stem, im);
    push(byName, basename(im), im);
    if (stem.toLowerCase() !== stem) push(byStem, stem.toLowerCase(), im);
    if (basename(im).toLowerCase() !== basename(im)) push(byName, basename(im).toLowerCase(), im);
  }
  return { byStem, byName };
}

async function declaredFilename(xmlFile: string): Promise<string | null> {
  try {
    return parseVocXml(await readFile(xmlFile, 'utf8')).ann.filename;
  } catch {
    return null;
  }
}

/** Where an image's labels are. For COCO, the file and the image's entry id (null: not listed yet). */
export interface ImageLabels {
  image: string;
  labelFile: string;
  cocoImageId: number | string | null;
}

/** True when a COCO file_name names this image (relative to any folder, any separators). */
export function cocoNameMatches(image: string, fileName: string): boolean {
  const norm = fileName.replace(/\\/g, '/').replace(/^\.\//, '');
  const img = image.split(sep).join('/');
  return img === norm || img.endsWith('/' + norm);
}

/**
 * Finds the image and its label file from either of them. An image without labels gets the
 * file it would have (YOLO: labels/..., VOC: Annotations/ when present, else beside it;
 * COCO: the file listing images of its folder). Throws LABELS_NOT_FOUND.
 */
export async function locateImage(ref: DatasetRef, abs: string): Promise<ImageLabels> {
  const ext = extname(abs).toLowerCase();
  if (ref.format === 'yolo' || ref.format === 'yolo-yaml') {
    const image = isImageFile(abs) ? abs : ext === '.txt' ? await yoloImageOf(abs) : null;
    if (!image || !(await exists(image))) throw labelsError('LABELS_NOT_FOUND', { file: abs });
    return { image, labelFile: yoloLabelPath(image), cocoImageId: null };
  }
  if (ref.format === 'voc') {
    const files = await walkFiles(ref.root);
    const images = files.filter(isImageFile);
    const { byStem, byName } = byMaps(images);
    if (!isImageFile(abs)) {
      if (ext !== '.xml') throw labelsError('LABELS_NOT_FOUND', { file: abs });
      const image = matchVocImage(ref.root, abs, await declaredFilename(abs), byStem, byName);
      if (!image) throw labelsError('LABELS_NOT_FOUND', { file: abs });
      return { image, labelFile: abs, cocoImageId: null };
    }
    if (!(await exists(abs))) throw labelsError('LABELS_NOT_FOUND', { file: abs });
    const stem = basename(abs, extname(abs)).toLowerCase();
    const xmls = files.filter((f) => extname(f).toLowerCase() === '.xml');
    for (const x of xmls.filter((f) => basename(f, extname(f)).toLowerCase() === stem)) {
      if (matchVocImage(ref.root, x, await declaredFilename(x), byStem, byName) === abs) return { image: abs, labelFile: x, cocoImageId: null };
    }
    const annDir = join(ref.root, 'Annotations');
    const dir = (await isDir(annDir)) ? annDir : dirname(abs);
    return {
      image: abs,
      labelFile: join(dir, basename(abs, extname(abs)) + '.xml'),
      cocoImageId: null,
    };
  }
  // COCO
  if (!isImageFile(abs) || !(await exists(abs))) throw labelsError('LABELS_NOT_FOUND', { file: abs });
  let fallback: string | null = null;
  let broken: { file: string; reason: string } | null = null;
  for (const f of ref.cocoFiles) {
    let doc;
    try {
      doc = parseCocoDoc(await readFile(f, 'utf8'));
    } catch (err) {
      broken ??= {
        file: f,
        reason: err instanceof Error ? err.message : String(err),
      };
      continue;
    }
    for (const im of doc.images) {
      const name = im['file_name'];
      const id = im['id'];
      if (typeof name !== 'string' || (typeof id !== 'number' && typeof id !== 'string')) continue;
      if (cocoNameMatches(abs, name)) return { image: abs, labelFile: f, cocoImageId: id };
    }
    fallback ??= f;
  }
  if (!fallback) throw broken ? labelsError('LABELS_FILE_UNREADABLE', broken) : labelsError('LABELS_NOT_FOUND', { file: abs });
  return { image: abs, labelFile: fallback, cocoImageId: null };
}

/** The image relative to the dataset folder, '/' separated (absolute when outside it). */
export function relOf(root: string, file: string): string {
  const rel = relative(root, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
}
