// Reads YOLO folders: images, their labels the Ultralytics way, class lists, stray labels.
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { SplitName } from '../../../shared/schemas/dataset';
import { IMAGE_EXTENSIONS, isImageFile } from '../image';
import type { DraftBox } from './boxes';
import { walkFiles } from './files';
import { findMisplacedLabel, type DirCache, type MisplacedLabel } from './label-dirs';
import { mapLimit } from './pool';
import { LOSES_OBJECT, type Finding } from './problems';
import { FileTooLargeError, NotAFileError, mib, readOptionalText, readRegularText } from './safe-read';
import type { Collected, Draft, ImportContext } from './types';
import { parseYoloLabel } from './yolo-label';

/** Names of files that hold a class list, one name per line, in class-id order. */
export const CLASS_LIST_FILES = ['classes.txt', 'obj.names', 'classes.names', 'names.txt', 'predefined_classes.txt', 'labels.txt'];

/**
 * The label file of an image the Ultralytics way: the last /images/ folder becomes /labels/
 * and the extension .txt; an image outside any images/ folder has its label beside it.
 */
export function yoloLabelPath(imageFile: string): string {
  const a = `${sep}images${sep}`;
  const i = imageFile.lastIndexOf(a);
  const p = i < 0 ? imageFile : imageFile.slice(0, i) + `${sep}labels${sep}` + imageFile.slice(i + a.length);
  return p.slice(0, p.length - extname(p).length) + '.txt';
}

/** Split named by a folder on the way to the file (train/, valid/, test/...); train otherwise. */
export function splitFromPath(rel: string): SplitName {
  const segs = rel.split(/[\\/]/).slice(0, -1).map((s) => s.toLowerCase());
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i] ?? '';
    if (['val', 'valid', 'validation', 'val2017', 'dev'].includes(s)) return 'val';
    if (['test', 'testing', 'test2017'].includes(s)) return 'test';
    if (['train', 'training', 'train2017'].includes(s)) return 'train';
  }
  return 'train';
}

/** Reads a class list: non-empty trimmed lines (null when it cannot be read or is empty). */
export async function readClassList(file: string): Promise<string[] | null> {
  const text = await readRegularText(file).catch(() => null);
  if (text === null) return null;
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // An empty list names nothing: treat it as absent rather than rejecting every box.
  return names.length > 0 ? names : null;
}

/** Finds the shallowest class-list file under root among `files`. */
export function findClassListFile(root: string, files: readonly string[]): string | null {
  const hits = files
    .filter((f) => CLASS_LIST_FILES.includes(basename(f).toLowerCase()))
    .map((f) => ({ f, depth: relative(root, f).split(/[\\/]/).length }))
    .sort((a, b) => a.depth - b.depth || CLASS_LIST_FILES.indexOf(basename(a.f).toLowerCase()) - CLASS_LIST_FILES.indexOf(basename(b.f).toLowerCase()));
  return hits[0]?.f ?? null;
}

/** Image extensions in order of preference when two images share one label (a.jpg and a.png). */
const EXT_PREFERENCE = [...IMAGE_EXTENSIONS];

/**
 * Of images that would read the same label file, the one the label is used for: the most
 * usual extension (.jpg before .png before .bmp...), then the first name. Pure, so the
 * choice can be tested and explained.
 */
export function pickSameStem(files: readonly string[]): string {
  const rank = (f: string): number => {
    const i = EXT_PREFERENCE.indexOf(extname(f).toLowerCase());
    return i < 0 ? EXT_PREFERENCE.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0] ?? '';
}

/**
 * Reads the labels of YOLO images; an image without a label file is background (warned).
 * A label that is not a regular file (a folder, a pipe) is an error and its image is left
 * out; labels found in a misnamed folder (label/, Labels/...) are an error naming the folder,
 * their images left out rather than taught as background; two images sharing one label
 * (a.jpg and a.png) use it for one, named with the other.
 */
export async function collectYoloImages(
  images: readonly { file: string; split: SplitName }[],
  classCount: number | null,
  ctx: ImportContext,
): Promise<Draft[]> {
  // Images sharing a label path: decided before reading, so the choice does not depend on timing.
  const byLabel = new Map<string, string[]>();
  for (const im of images) {
    const l = yoloLabelPath(im.file);
    const list = byLabel.get(l);
    if (list) list.push(im.file);
    else byLabel.set(l, [im.file]);
  }
  const dirCache: DirCache = new Map();
  const misplaced = new Map<string, { found: MisplacedLabel; count: number }>();
  const drafts = await mapLimit(
    images,
    16,
    async ({ file, split }): Promise<Draft> => {
      const labelFile = yoloLabelPath(file);
      const text = await readOptionalText(labelFile);
      if (text instanceof Error) {
        // The walk may have named it already (a folder called a.txt).
        if (text instanceof FileTooLargeError) ctx.problems.add('DS_FILE_TOO_LARGE', labelFile, null, { size: mib(text.size), limit: mib(text.limit) });
        else if (text instanceof NotAFileError) {
          if (!ctx.problems.has('DS_NOT_A_FILE', labelFile)) ctx.problems.add('DS_NOT_A_FILE', labelFile, null, { kind: text.kind });
        } else ctx.problems.add('DS_LABEL_UNREADABLE', labelFile, null, { reason: (text as NodeJS.ErrnoException).code ?? text.message });
        return { file, split, labelFile: null, units: 'norm', boxes: [], sizeHint: null, rejected: true };
      }
      if (text === null) {
        const found = await findMisplacedLabel(file, labelFile, dirCache);
        if (found) {
          const m = misplaced.get(found.foundDir);
          if (m) m.count++;
          else misplaced.set(found.foundDir, { found, count: 1 });
          return { file, split, labelFile: found.file, units: 'norm', boxes: [], sizeHint: null, rejected: true };
        }
        ctx.problems.add('DS_IMAGE_WITHOUT_LABEL', file, null, { expected: labelFile });
        return { file, split, labelFile: null, units: 'norm', boxes: [], sizeHint: null, rejected: false };
      }
      const sharing = byLabel.get(labelFile) ?? [file];
      if (sharing.length > 1) {
        const used = pickSameStem(sharing);
        if (used !== file) {
          ctx.problems.add('DS_IMAGE_SAME_STEM', file, null, { label: basename(labelFile), used: basename(used), other: basename(file) });
          // Kept as a skipped image, so the report counts it as found and not used.
          return { file, split, labelFile: null, units: 'norm', boxes: [], sizeHint: null, rejected: true };
        }
      }
      const { boxes, findings } = parseYoloLabel(text, classCount);
      ctx.problems.addAll(labelFile, findings);
      return { file, split, labelFile, units: 'norm', boxes, sizeHint: null, rejected: rejects(findings) };
    },
    { signal: ctx.signal },
  );
  for (const { found, count } of [...misplaced.values()].sort((a, b) => (a.found.foundDir < b.found.foundDir ? -1 : 1))) {
    ctx.problems.add('DS_LABELS_DIR_MISNAMED', found.foundDir, null, { count, found: `${basename(found.foundDir)}/`, expected: `${basename(found.expectedDir)}/` });
  }
  return drafts;
}

/** True when a finding lost an object, so the image must be left out. */
export function rejects(findings: readonly Finding[]): boolean {
  return findings.some((f) => LOSES_OBJECT.has(f.code));
}

/** True when text reads like YOLO labels (first line: 5 or polygon numbers), or is empty. */
export function looksLikeYoloLabel(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '');
  if (first === undefined) return true;
  const toks = first.trim().split(/\s+/);
  return (toks.length === 5 || (toks.length >= 7 && toks.length % 2 === 1)) && toks.every((t) => /^[-+.\deE]+$/.test(t));
}

/** Reports .txt label files that no image uses (DS_LABEL_WITHOUT_IMAGE). */
export async function reportStrayLabels(candidates: readonly string[], used: ReadonlySet<string>, ctx: ImportContext): Promise<void> {
  for (const f of candidates) {
    if (used.has(f) || extname(f).toLowerCase() !== '.txt' || CLASS_LIST_FILES.includes(basename(f).toLowerCase())) continue;
    const text = await readRegularText(f).catch(() => null);
    if (text === null || !looksLikeYoloLabel(text) || /^split_|^(train|val|test|trainval)\.txt$/i.test(basename(f))) continue;
    const stem = basename(f, extname(f));
    const d = dirname(f) + sep;
    const i = d.lastIndexOf(`${sep}labels${sep}`);
    const imgDir = i < 0 ? d : d.slice(0, i) + `${sep}images${sep}` + d.slice(i + 8);
    ctx.problems.add('DS_LABEL_WITHOUT_IMAGE', f, null, { expected: join(imgDir, `${stem}.*`) });
  }
}

/** Highest class id seen plus one: the class count when no names are given. */
export function inferClassCount(drafts: readonly Draft[]): number {
  let max = -1;
  for (const d of drafts) for (const b of d.boxes) max = Math.max(max, b.cls);
  return max + 1;
}

/** Default names for classes known only by id. */
export function idNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `class_${i}`);
}

/** Keeps boxes whose class is among `count` names; the others are reported and reject the image. */
export function enforceClassCount(drafts: Draft[], count: number, ctx: ImportContext): void {
  for (const d of drafts) {
    const keep: DraftBox[] = [];
    for (const b of d.boxes) {
      if (b.cls < count) keep.push(b);
      else {
        ctx.problems.add('DS_CLASS_OUT_OF_RANGE', d.labelFile, b.line, { cls: b.cls, count });
        d.rejected = true;
      }
    }
    d.boxes = keep;
  }
}

/**
 * A YOLO folder without data.yaml: every image under the root, its label found the
 * Ultralytics way, the split from folder names, the classes from classes.txt or, failing
 * that, named after the ids found.
 */
export async function collectYoloFolder(root: string, ctx: ImportContext, files?: string[]): Promise<Collected> {
  const all = files ?? (await walkFiles(root, ctx));
  const images = all.filter(isImageFile).map((file) => ({ file, split: splitFromPath(relative(root, file)) }));
  const classFile = findClassListFile(root, all);
  const names = classFile ? await readClassList(classFile) : null;
  const drafts = await collectYoloImages(images, names ? names.length : null, ctx);
  let classNames = names;
  if (!classNames) {
    const n = inferClassCount(drafts);
    classNames = idNames(n);
    if (n > 0) ctx.problems.add('DS_CLASS_NAMES_INFERRED', root, null, { count: n });
  }
  const used = new Set(drafts.map((d) => d.labelFile).filter((f): f is string => f !== null));
  await reportStrayLabels(all, used, ctx);
  return { root, format: 'yolo', classNames, drafts, hasOwnValSplit: drafts.some((d) => d.split === 'val') };
}
