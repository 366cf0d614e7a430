import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { KestrelError } from '../../../shared/errors';
import type { SplitName } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import { pathKind, walkFiles } from './files';
import { parseCoco, parseJsonLenient, type CocoFile } from './coco-json';
import { rejects } from './collect-yolo';
import { finding, type Finding } from './problems';
import type { Collected, Draft, ImportContext } from './types';

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
    const text = await readFile(file, 'utf8');
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
  const allImages = (await walkFiles(root)).filter(isImageFile);
  const byName = new Map<string, string>();
  for (const f of allImages) if (!byName.has(basename(f))) byName.set(basename(f), f);

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
    const perImage = new Map<number | string, Draft>();
    const findingsPer = new Map<number | string, Finding[]>();
    const fileFindings: Finding[] = [];
    let chosenDir: string | null = null;
    const candidates = imageDirCandidates(root, jsonFile, split);
    for (const im of coco.images) {
      let file: string | null = null;
      const tryDirs: string[] = chosenDir ? [chosenDir, ...candidates] : candidates;
      for (const d of tryDirs) {
        const p = join(d, im.fileName);
        if ((await pathKind(p)) === 'file') {
          file = p;
          chosenDir ??= d;
          break;
        }
      }
      file ??= byName.get(basename(im.fileName)) ?? null;
      if (!file) {
        fileFindings.push(finding('DS_LABEL_WITHOUT_IMAGE', null, { expected: im.fileName, imageId: im.id }));
        continue;
      }
      listed.add(file);
      dirsUsed.add(dirname(file));
      const sizeHint = im.width && im.height ? { width: im.width, height: im.height } : null;
      const d: Draft = { file, split, labelFile: jsonFile, units: 'px', boxes: [], sizeHint, rejected: false };
      perImage.set(im.id, d);
      findingsPer.set(im.id, []);
      drafts.push(d);
    }
    for (const f of coco.findings) {
      const imageId = f.params['imageId'];
      const list = typeof imageId === 'number' || typeof imageId === 'string' ? findingsPer.get(imageId) : undefined;
      if (list) list.push(f);
      else fileFindings.push(f);
    }
    for (const b of coco.boxes) {
      const d: Draft | undefined = perImage.get(b.imageId);
      if (!d) continue;
      d.boxes.push({ x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, cls: remap[b.cls] ?? b.cls, crowd: b.crowd, line: null, ref: `annotation ${b.annId}` });
    }
    for (const [id, d] of perImage) {
      const fs = findingsPer.get(id) ?? [];
      d.rejected = rejects(fs);
      ctx.problems.addAll(jsonFile, fs);
    }
    ctx.problems.addAll(jsonFile, fileFindings);
  }
  for (const f of allImages) {
    if (!listed.has(f) && dirsUsed.has(dirname(f))) ctx.problems.add('DS_IMAGE_NOT_LISTED', f, null, { root: relative(root, f) });
  }
  return { root, format: 'coco', classNames, drafts, hasOwnValSplit: drafts.some((d) => d.split === 'val') };
}
