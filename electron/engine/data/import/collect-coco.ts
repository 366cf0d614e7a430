// Reads COCO instances files: images found beside or below the JSON, categories merged by name.
import { basename, dirname, join, posix, relative } from 'node:path';
import { KestrelError } from '../../../shared/errors';
import type { SplitName } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import { isInside, pathKind, walkFiles } from './files';
import { cocoIdKey, parseCoco, parseJsonLenient, type CocoFile } from './coco-json';
import { rejects } from './collect-yolo';
import { finding, type Finding } from './problems';
import type { Collected, Draft, ImportContext } from './types';
import { MAX_JSON_BYTES, readRegularText } from './safe-read';

/** Split a COCO file is for, from its name (instances_val2017.json -> val). */
export function cocoSplitFromName(file: string): SplitName {
  const n = basename(file).toLowerCase();
  if (/(^|[^a-z])(val|valid|validation)/.test(n)) return 'val';
  if (/(^|[^a-z])test/.test(n)) return 'test';
  return 'train';
}

/** The dataset root of a COCO file: its folder, or the parent of an annotations/ folder. */
export function cocoRoot(jsonFile: string): string {
  const d = dirname(jsonFile);
  return basename(d).toLowerCase() === 'annotations' ? dirname(d) : d;
}

/** Reads and parses a COCO file; throws KestrelError DS_COCO_UNREADABLE. */
export async function readCocoFile(file: string): Promise<CocoFile> {
  try {
    const text = await readRegularText(file, MAX_JSON_BYTES);
    if (text.trim() === '') throw new Error('the file is empty');
    return parseCoco(parseJsonLenient(text));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new KestrelError('DS_COCO_UNREADABLE', `Cannot read COCO annotations ${file} (${reason}). Export them again as COCO instances JSON.`, {
      file,
      reason,
    });
  }
}

/**
 * Relative paths to try for a COCO file_name, best first. Windows exports write backslashes
 * ("images\\a.jpg") and sometimes absolute paths ("C:\\data\\images\\a.jpg"): separators
 * become '/', and an absolute path is tried by its tails (images/a.jpg, a.jpg).
 */
export function cocoNameCandidates(fileName: string): string[] {
  const norm = fileName.replace(/\\/g, '/');
  const drive = /^[A-Za-z]:\//.test(norm);
  const abs = drive || norm.startsWith('/');
  const segs = norm.replace(/^[A-Za-z]:\//, '').split('/').filter((s) => s !== '' && s !== '.');
  if (!abs) return [segs.join('/')];
  // Absolute paths are never opened as given (they may point outside the dataset): by tails only.
  return segs.map((_, i) => segs.slice(i).join('/'));
}

/** Folders where COCO exports put the images, most likely first. */
function imageDirCandidates(root: string, jsonFile: string, split: SplitName): string[] {
  const stem = basename(jsonFile, '.json').replace(/^instances_/, '');
  return [
    ...new Set([
      join(root, 'images'),
      root,
      dirname(jsonFile),
      join(root, stem),
      join(root, 'images', stem),
      join(root, split),
      join(root, 'images', split),
      join(root, 'data'),
    ]),
  ];
}

/**
 * One or more COCO instances files (train/val/test by file name). Categories are merged by
 * name across files, each file's in id order, so ids with gaps (1, 3, 7...) become classes
 * 0, 1, 2. Images are found beside the JSON, in images/, or in a folder named after it.
 */
export async function collectCoco(jsonFiles: readonly string[], ctx: ImportContext): Promise<Collected> {
  const first = jsonFiles[0];
  if (first === undefined) throw new Error('collectCoco needs a file');
  const root = cocoRoot(first);
  const allImages = (await walkFiles(root, ctx)).filter(isImageFile);
  const byName = new Map<string, string>();
  const byLowerName = new Map<string, string>();
  for (const f of allImages) {
    if (!byName.has(basename(f))) byName.set(basename(f), f);
    // Exports made on Windows may differ from the disk in case only (A.JPG for a.jpg).
    if (!byLowerName.has(basename(f).toLowerCase())) byLowerName.set(basename(f).toLowerCase(), f);
  }

  const classNames: string[] = [];
  const drafts: Draft[] = [];
  const listed = new Set<string>();
  const dirsUsed = new Set<string>();
  for (const jsonFile of jsonFiles) {
    let coco: CocoFile;
    try {
      coco = await readCocoFile(jsonFile);
    } catch (err) {
      // One bad file of several is a problem to report; the only file being bad is fatal.
      if (jsonFiles.length === 1 || !(err instanceof KestrelError)) throw err;
      ctx.problems.add('DS_COCO_UNREADABLE', jsonFile, null, { reason: String(err.details?.['reason'] ?? err.message) });
      continue;
    }
    const split = cocoSplitFromName(jsonFile);
    const remap = coco.categories.map((c) => {
      let i = classNames.indexOf(c.name);
      if (i < 0) i = classNames.push(c.name) - 1;
      return i;
    });
    const perImage = new Map<string, Draft>();
    const findingsPer = new Map<string, Finding[]>();
    const fileFindings: Finding[] = [];
    const sameFile = new Map<string, Draft>();
    let chosenDir: string | null = null;
    const candidates = imageDirCandidates(root, jsonFile, split);
    for (const im of coco.images) {
      let file: string | null = null;
      const tryDirs: string[] = chosenDir ? [chosenDir, ...candidates] : candidates;
      const names = cocoNameCandidates(im.fileName);
      for (const name of names) {
        if (file) break;
        for (const d of tryDirs) {
          const p = join(d, name);
          if (isInside(root, p) && (await pathKind(p)) === 'file') {
            file = p;
            chosenDir ??= d;
            break;
          }
        }
      }
      const base = posix.basename(names[0] ?? im.fileName);
      file ??= byName.get(base) ?? byLowerName.get(base.toLowerCase()) ?? null;
      if (!file) {
        fileFindings.push(finding('DS_LABEL_WITHOUT_IMAGE', null, { expected: im.fileName, imageId: im.id }));
        continue;
      }
      // Two ids for one file (entries merged from two exports): one image with the boxes of both.
      const same = im.ambiguous ? undefined : sameFile.get(file);
      if (same) {
        perImage.set(im.key, same);
        findingsPer.set(im.key, []);
        continue;
      }
      listed.add(file);
      dirsUsed.add(dirname(file));
      const sizeHint = im.width && im.height ? { width: im.width, height: im.height } : null;
      // An image whose id another image shares is left out: its boxes may be the other's.
      const d: Draft = { file, split, labelFile: jsonFile, units: 'px', boxes: [], sizeHint, rejected: im.ambiguous };
      drafts.push(d);
      if (im.ambiguous) continue;
      sameFile.set(file, d);
      perImage.set(im.key, d);
      findingsPer.set(im.key, []);
    }
    for (const f of coco.findings) {
      const imageId = f.params['imageId'];
      const list = typeof imageId === 'number' || typeof imageId === 'string' ? findingsPer.get(cocoIdKey(imageId)) : undefined;
      if (list) list.push(f);
      else fileFindings.push(f);
    }
    for (const b of coco.boxes) {
      const d: Draft | undefined = perImage.get(b.imageKey);
      if (!d) continue;
      d.boxes.push({ x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, cls: remap[b.cls] ?? b.cls, crowd: b.crowd, line: null, ref: `annotation ${b.annId}` });
    }
    for (const [id, d] of perImage) {
      const fs = findingsPer.get(id) ?? [];
      d.rejected = d.rejected || rejects(fs);
      ctx.problems.addAll(jsonFile, fs);
    }
    ctx.problems.addAll(jsonFile, fileFindings);
  }
  for (const f of allImages) {
    if (!listed.has(f) && dirsUsed.has(dirname(f))) ctx.problems.add('DS_IMAGE_NOT_LISTED', f, null, { root: relative(root, f) });
  }
  return { root, format: 'coco', classNames, drafts, hasOwnValSplit: drafts.some((d) => d.split === 'val') };
}
