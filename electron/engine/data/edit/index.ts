// The label editor's engine entry: read one image's labels, save them in the dataset's own
// format (backup first, atomic), and add a reviewed image to the train split.
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { EditBox, LabelDoc, UnreadableEntry } from '../../../shared/schemas/labels';
import { isImageFile, probeImage } from '../image';
import { cocoSplitFromName } from '../import/collect-coco';
import { readDataYaml } from '../import/collect-yaml';
import { yoloLabelPath } from '../import/collect-yolo';
import { globBase, hasGlob, walkFiles } from '../import/files';
import { checkBoxes } from './boxes';
import { findSameImage } from './duplicate';
import { addCocoImage, parseCocoDoc, readCocoImage, writeCoco } from './coco';
import { labelsError } from './errors';
import { cocoNameMatches, insideDataset, locateImage, openDatasetRef, relOf, type DatasetRef, type ImageLabels } from './locate';
import { newVocXml, readVoc, writeVoc } from './voc';
import { backupFile, realIo, writeAtomic, type EditIo } from './write';
import { readYolo, writeYolo } from './yolo';

export { openDatasetRef, type DatasetRef } from './locate';
export { BACKUP_DIR, realIo, type EditIo } from './write';

const hashOf = (text: string | null): string => (text === null ? '' : createHash('sha1').update(text).digest('hex'));

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw labelsError('LABELS_FILE_UNREADABLE', {
      file,
      reason: (err as Error).message,
    });
  }
}

async function sizeOf(image: string): Promise<{ width: number; height: number }> {
  const p = await probeImage(image, 'header');
  if (!p.ok)
    throw labelsError('LABELS_IMAGE_UNREADABLE', {
      file: image,
      reason: p.reason,
    });
  return { width: p.width, height: p.height };
}

/** Class lookups of a COCO file against the dataset's merged class names. */
function cocoMaps(text: string, classNames: readonly string[]) {
  const doc = parseCocoDoc(text);
  const clsOfCat = (id: number): number | null => {
    const c = doc.categories.find((k) => k.id === id);
    const i = c ? classNames.indexOf(c.name) : -1;
    return i < 0 ? null : i;
  };
  const catOf = (cls: number): number => {
    const c = doc.categories.find((k) => k.name === classNames[cls]);
    if (!c)
      throw labelsError('LABELS_CLASS_UNKNOWN', {
        index: cls + 1,
        cls,
        count: doc.categories.length,
      });
    return c.id;
  };
  return { doc, clsOfCat, catOf };
}

const vocCls =
  (classNames: readonly string[]) =>
  (name: string): number | null => {
    const i = classNames.indexOf(name);
    return i < 0 ? null : i;
  };

function unreadableFile(file: string, err: unknown): Error {
  return labelsError('LABELS_FILE_UNREADABLE', {
    file,
    reason: err instanceof Error ? err.message : String(err),
  });
}

/** Parses a label text into boxes for the editor. */
function parseLabels(ref: DatasetRef, loc: ImageLabels, text: string | null, width: number, height: number): { boxes: EditBox[]; unreadable: UnreadableEntry[] } {
  if (text === null) return { boxes: [], unreadable: [] };
  try {
    if (ref.format === 'yolo' || ref.format === 'yolo-yaml') return readYolo(text, width, height, ref.classNames.length);
    if (ref.format === 'voc') return readVoc(text, vocCls(ref.classNames));
    if (loc.cocoImageId === null) return { boxes: [], unreadable: [] };
    const { doc, clsOfCat } = cocoMaps(text, ref.classNames);
    return readCocoImage(doc, loc.cocoImageId, clsOfCat);
  } catch (err) {
    throw unreadableFile(loc.labelFile, err);
  }
}

async function docOf(ref: DatasetRef, loc: ImageLabels, text: string | null): Promise<LabelDoc> {
  const { width, height } = await sizeOf(loc.image);
  const { boxes, unreadable } = parseLabels(ref, loc, text, width, height);
  return {
    format: ref.format,
    root: ref.root,
    image: loc.image,
    imageRel: relOf(ref.root, loc.image),
    labelFile: loc.labelFile,
    labelExists: text !== null,
    classNames: ref.classNames,
    width,
    height,
    boxes,
    unreadable,
    version: hashOf(text),
  };
}

/**
 * Reads one image's labels for the editor. `file` is the image or its label file (what a
 * check problem names), absolute or relative to the dataset folder, and must lie inside it.
 */
export async function readLabels(datasetPath: string, file: string): Promise<LabelDoc> {
  const ref = await openDatasetRef(datasetPath);
  const loc = await locateImage(ref, await insideDataset(ref, file));
  return docOf(ref, loc, await readOptional(loc.labelFile));
}

/**
 * Reads a new image for review before it is added (predict output): the dataset's format and
 * classes, the image's size, no boxes (the caller supplies the model's as a draft) and no label
 * file. Throws LABELS_NOT_AN_IMAGE, LABELS_IMAGE_UNREADABLE.
 */
export async function readReviewImage(datasetPath: string, source: string): Promise<LabelDoc> {
  if (!isImageFile(source)) throw labelsError('LABELS_NOT_AN_IMAGE', { file: source });
  const ref = await openDatasetRef(datasetPath);
  const { width, height } = await sizeOf(source);
  return {
    format: ref.format,
    root: ref.root,
    image: source,
    imageRel: basename(source),
    labelFile: '',
    labelExists: false,
    classNames: ref.classNames,
    width,
    height,
    boxes: [],
    unreadable: [],
    version: '',
  };
}

/** Options of saveLabels. */
export interface SaveOptions {
  /** The version the editor read; a different file on disk is LABELS_CHANGED_ON_DISK. */
  version?: string | undefined;
  dropUnreadable?: boolean;
  io?: EditIo;
  now?: Date;
}

/** What a save did. */
export interface SaveResult {
  doc: LabelDoc;
  /** The key of each box sent, in the file as now written. */
  keys: string[];
  backup: string | null;
}

/** The new text of a label file with the boxes written in, in the dataset's format. */
function render(ref: DatasetRef, loc: ImageLabels, text: string | null, boxes: EditBox[], size: { width: number; height: number }, drop: boolean, cocoName: string | null) {
  try {
    if (ref.format === 'yolo' || ref.format === 'yolo-yaml')
      return {
        ...writeYolo(text ?? '', boxes, size.width, size.height, drop, ref.classNames.length),
        id: null,
      };
    if (ref.format === 'voc') {
      const base = text ?? newVocXml(basename(dirname(loc.image)), basename(loc.image), size.width, size.height);
      return {
        ...writeVoc(base, boxes, ref.classNames, vocCls(ref.classNames), drop),
        id: null,
      };
    }
    let t = text ?? '';
    let id = loc.cocoImageId;
    if (id === null) {
      // An image in the images folder but not listed: saving lists it.
      const added = addCocoImage(t, cocoName ?? basename(loc.image), size.width, size.height);
      t = added.text;
      id = added.id;
    }
    const { clsOfCat, catOf } = cocoMaps(t, ref.classNames);
    return { ...writeCoco(t, id, boxes, catOf, clsOfCat, drop), id };
  } catch (err) {
    if (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('LABELS_')) throw err;
    throw unreadableFile(loc.labelFile, err);
  }
}

/**
 * Saves one image's boxes in the dataset's own format. An empty list marks the image as a good
 * part (empty YOLO file, no VOC objects, no COCO annotations). The original file is copied to
 * `<dataset>/.kestrel/backups/<time>/<its path>` first, then replaced atomically; what Kestrel
 * does not edit stays as it was. Throws LABELS_CHANGED_ON_DISK, LABELS_BOX_INVALID,
 * LABELS_CLASS_UNKNOWN, LABELS_READ_ONLY, LABELS_WRITE_FAILED (the original then untouched).
 */
export async function saveLabels(datasetPath: string, file: string, boxes: readonly EditBox[], opts: SaveOptions = {}): Promise<SaveResult> {
  const io = opts.io ?? realIo;
  const ref = await openDatasetRef(datasetPath);
  const loc = await locateImage(ref, await insideDataset(ref, file));
  const text = await readOptional(loc.labelFile);
  if (opts.version !== undefined && opts.version !== hashOf(text)) throw labelsError('LABELS_CHANGED_ON_DISK', { file: loc.labelFile });
  const size = await sizeOf(loc.image);
  const checked = checkBoxes(boxes, size.width, size.height, Math.max(ref.classNames.length, 0));
  // An image in the images folder but not listed in the COCO file: saving lists it, named the
  // way the file names its other images (relative to their folder).
  const cocoName = ref.format === 'coco' && loc.cocoImageId === null ? await cocoFileName(ref, loc.labelFile, loc.image) : null;
  const out = render(ref, loc, text, checked, size, opts.dropUnreadable ?? false, cocoName);
  const backup = text === null ? null : await backupFile(ref.root, loc.labelFile, io, opts.now);
  try {
    if (text !== out.text) await writeAtomic(loc.labelFile, out.text, io);
  } catch (err) {
    // Nothing changed: a backup of it would only be clutter.
    if (backup) await rm(backup, { force: true });
    throw err;
  }
  const newLoc = { ...loc, cocoImageId: out.id ?? loc.cocoImageId };
  return { doc: await docOf(ref, newLoc, out.text), keys: out.keys, backup };
}

/** Where a new training image goes, and the split list that names it (if any). */
async function trainTarget(ref: DatasetRef): Promise<{ dir: string; list: string | null }> {
  const isDir = (p: string) =>
    stat(p).then(
      (s) => s.isDirectory(),
      () => false,
    );
  const firstDir = async (cands: string[]) => {
    for (const c of cands) if (await isDir(c)) return c;
    return null;
  };
  if (ref.format === 'yolo-yaml' && ref.yamlFile) {
    const { raw } = await readDataYaml(ref.yamlFile);
    const v = raw['train'];
    const value = String((Array.isArray(v) ? v[0] : v) ?? '');
    if (value === '') throw labelsError('LABELS_NO_TRAIN_SPLIT', { path: ref.path });
    const p = resolve(ref.root, hasGlob(value) ? globBase(value) : value);
    if (await isDir(p)) return { dir: p, list: null };
    if (/\.txt$/i.test(p)) {
      const text = await readFile(p, 'utf8').catch(() => '');
      const first = text
        .split(/\r?\n/)
        .map((s) => s.trim())
        .find((s) => s !== '');
      const dir = first ? dirname(resolve(dirname(p), first)) : join(ref.root, 'images', 'train');
      return { dir, list: p };
    }
    throw labelsError('LABELS_NO_TRAIN_SPLIT', { path: ref.path });
  }
  if (ref.format === 'yolo') {
    const r = ref.root;
    return {
      dir: (await firstDir([join(r, 'images', 'train'), join(r, 'train', 'images'), join(r, 'train'), join(r, 'images')])) ?? r,
      list: null,
    };
  }
  if (ref.format === 'voc') {
    const files = await walkFiles(ref.root);
    const anyImage = files.find(isImageFile);
    const dir = (await firstDir([join(ref.root, 'JPEGImages')])) ?? (anyImage ? dirname(anyImage) : ref.root);
    const lists = [join(ref.root, 'ImageSets', 'Main', 'train.txt'), join(ref.root, 'ImageSets', 'Main', 'trainval.txt'), join(ref.root, 'split_train.txt')];
    for (const l of lists)
      if (
        await stat(l).then(
          () => true,
          () => false,
        )
      )
        return { dir, list: l };
    return { dir, list: null };
  }
  const json = ref.cocoFiles.find((f) => cocoSplitFromName(f) === 'train') ?? ref.cocoFiles[0];
  if (!json) throw labelsError('LABELS_NO_TRAIN_SPLIT', { path: ref.path });
  return { dir: await cocoImageDir(ref, json), list: json };
}

/** The folder a COCO file's file_names are relative to: found from its first image on disk. */
async function cocoImageDir(ref: DatasetRef, json: string): Promise<string> {
  const doc = parseCocoDoc(await readFile(json, 'utf8'));
  const files = (await walkFiles(ref.root)).filter(isImageFile);
  for (const im of doc.images) {
    const name = im['file_name'];
    const hit = typeof name === 'string' ? files.find((f) => cocoNameMatches(f, name)) : undefined;
    if (hit && typeof name === 'string') {
      const depth = name.replace(/\\/g, '/').split('/').length;
      let d = hit;
      for (let i = 0; i < depth; i++) d = dirname(d);
      return d;
    }
  }
  const images = join(ref.root, 'images');
  return (await stat(images).then(
    (st) => st.isDirectory(),
    () => false,
  ))
    ? images
    : ref.root;
}

/** The file_name a COCO file would give an image: relative to its images' folder when inside it. */
async function cocoFileName(ref: DatasetRef, json: string, image: string): Promise<string> {
  const dir = await cocoImageDir(ref, json).catch(() => ref.root);
  const rel = relative(dir, image);
  const base = rel.startsWith('..') ? relative(ref.root, image) : rel;
  return base.split(sep).join('/');
}

async function freeName(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = basename(name, ext);
  for (let i = 0; ; i++) {
    const p = join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    if (
      !(await stat(p).then(
        () => true,
        () => false,
      ))
    )
      return p;
  }
}

/** What addImage did. */
export interface AddResult {
  image: string;
  labelFile: string;
  listFile: string | null;
}

/**
 * Adds a reviewed image (from predict output) to the dataset's train split in its own format:
 * copies the image in (a free name beside the train images), writes its labels, and names it
 * in the split list where the format has one (VOC ImageSets, a data.yaml .txt list, the COCO
 * train JSON). A failure removes the copied image; files already there are never overwritten.
 * An image whose bytes are already in the dataset (in any split) is refused:
 * LABELS_ALREADY_IN_DATASET.
 */
export async function addImage(datasetPath: string, source: string, boxes: readonly EditBox[], opts: { io?: EditIo; now?: Date } = {}): Promise<AddResult> {
  const io = opts.io ?? realIo;
  if (!isImageFile(source)) throw labelsError('LABELS_NOT_AN_IMAGE', { file: source });
  const ref = await openDatasetRef(datasetPath);
  const size = await sizeOf(source);
  const checked = checkBoxes(boxes, size.width, size.height, ref.classNames.length);
  const same = await findSameImage(ref.root, source);
  if (same !== null) throw labelsError('LABELS_ALREADY_IN_DATASET', { existing: relOf(ref.root, same), file: source });
  const { dir, list } = await trainTarget(ref);
  const image = await freeName(dir, basename(source));
  try {
    await writeAtomic(image, await readFile(source), io);
  } catch (err) {
    throw err instanceof Error && 'code' in err
      ? err
      : labelsError('LABELS_WRITE_FAILED', {
          file: image,
          reason: String(err),
        });
  }
  try {
    if (ref.format === 'coco' && list) {
      const text = await readFile(list, 'utf8');
      const fileName = relative(dir, image).split(sep).join('/');
      const added = addCocoImage(text, fileName, size.width, size.height);
      const { clsOfCat, catOf } = cocoMaps(added.text, ref.classNames);
      const out = writeCoco(added.text, added.id, checked, catOf, clsOfCat, false);
      await backupFile(ref.root, list, io, opts.now);
      await writeAtomic(list, out.text, io);
      return { image, labelFile: list, listFile: list };
    }
    let labelFile: string;
    let text: string;
    if (ref.format === 'voc') {
      const annDir = join(ref.root, 'Annotations');
      const hasAnn = await stat(annDir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      labelFile = join(hasAnn ? annDir : dir, basename(image, extname(image)) + '.xml');
      text = writeVoc(newVocXml(basename(dir), basename(image), size.width, size.height), checked, ref.classNames, vocCls(ref.classNames), false).text;
    } else {
      labelFile = yoloLabelPath(image);
      text = writeYolo('', checked, size.width, size.height, false).text;
    }
    if (
      await stat(labelFile).then(
        () => true,
        () => false,
      )
    )
      await backupFile(ref.root, labelFile, io, opts.now);
    await writeAtomic(labelFile, text, io);
    if (list) {
      const old = await readFile(list, 'utf8');
      const entry = ref.format === 'voc' ? basename(image, extname(image)) : relative(dirname(list), image).split(sep).join('/');
      const eol = old.includes('\r\n') ? '\r\n' : '\n';
      await backupFile(ref.root, list, io, opts.now);
      await writeAtomic(list, old + (old === '' || old.endsWith('\n') ? '' : eol) + entry + eol, io);
    }
    return { image, labelFile, listFile: list };
  } catch (err) {
    await rm(image, { force: true });
    throw err;
  }
}
