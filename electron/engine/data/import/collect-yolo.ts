import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { SplitName } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import type { DraftBox } from './boxes';
import { walkFiles } from './files';
import { mapLimit } from './pool';
import { LOSES_OBJECT, type Finding } from './problems';
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
  const text = await readFile(file, 'utf8').catch(() => null);
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

/** Reads the labels of YOLO images; an image without a label file is background (warned). */
export async function collectYoloImages(
  images: readonly { file: string; split: SplitName }[],
  classCount: number | null,
  ctx: ImportContext,
): Promise<Draft[]> {
  return mapLimit(
    images,
    16,
    async ({ file, split }) => {
      const labelFile = yoloLabelPath(file);
      let text: string;
      try {
        text = await readFile(labelFile, 'utf8');
      } catch {
        ctx.problems.add('DS_IMAGE_WITHOUT_LABEL', file, null, { expected: labelFile });
        return { file, split, labelFile: null, units: 'norm', boxes: [], sizeHint: null, rejected: false } satisfies Draft;
      }
      const { boxes, findings } = parseYoloLabel(text, classCount);
      ctx.problems.addAll(labelFile, findings);
      return { file, split, labelFile, units: 'norm', boxes, sizeHint: null, rejected: rejects(findings) } satisfies Draft;
    },
    { signal: ctx.signal },
  );
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
    const text = await readFile(f, 'utf8').catch(() => null);
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
  const all = files ?? (await walkFiles(root));
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
