// Reads Pascal VOC folders: one XML per image, matched by name, classes, split lists.
import { basename, dirname, extname, relative } from 'node:path';
import type { SplitName } from '../../../shared/schemas/dataset';
import { isImageFile } from '../image';
import type { DraftBox } from './boxes';
import { findClassListFile, pickSameStem, readClassList, rejects, splitFromPath } from './collect-yolo';
import { walkFiles } from './files';
import { mapLimit } from './pool';
import { finding, type Finding } from './problems';
import type { Collected, Draft, ImportContext } from './types';
import { classNameKey } from './class-case';
import { decodeXmlBytes, parseVocXml, type VocAnnotation } from './voc-xml';
import { FileTooLargeError, MAX_TEXT_BYTES, NotAFileError, mib, readRegularFile, readRegularText } from './safe-read';

const stemOf = (f: string): string => basename(f, extname(f));

/** Folder names that hold annotations or images, ignored when pairing an XML with its image. */
const LAYOUT_DIRS = new Set(['annotations', 'annotation', 'xml', 'xmls', 'labels', 'images', 'jpegimages', 'imgs', 'img']);

/** The folder path with layout folder names removed, to pair train/a.xml with train/a.jpg. */
function layoutKey(root: string, file: string): string {
  return relative(root, dirname(file))
    .split(/[\\/]/)
    .filter((s) => s !== '' && !LAYOUT_DIRS.has(s.toLowerCase()))
    .join('/');
}

/**
 * Finds the image an XML describes. The XML's own file name wins: <filename> is often
 * wrong in the wild (NEU-DET writes 174 of them without extension; copied projects keep a
 * stale name). <filename> is used only when no image carries the XML's name.
 */
export function matchVocImage(
  root: string,
  xmlFile: string,
  declared: string | null,
  byStem: ReadonlyMap<string, string[]>,
  byName: ReadonlyMap<string, string[]>,
): string | null {
  const key = layoutKey(root, xmlFile);
  const declaredName = declared ? basename(declared.replace(/\\/g, '/')) : null;
  const pick = (cands: string[] | undefined): string | null => {
    if (!cands || cands.length === 0) return null;
    const here = cands.filter((c) => layoutKey(root, c) === key);
    const pool = here.length > 0 ? here : cands;
    if (pool.length === 1) return pool[0] ?? null;
    // a.jpg and a.png for one XML: the one its <filename> names, else the usual extension.
    return pool.find((c) => basename(c) === declaredName) ?? pickSameStem(pool);
  };
  const stem = stemOf(xmlFile);
  const byOwnName = pick(byStem.get(stem)) ?? pick(byStem.get(stem.toLowerCase()));
  if (byOwnName) return byOwnName;
  if (declaredName) {
    const name = declaredName;
    return pick(byName.get(name)) ?? pick(byName.get(name.toLowerCase())) ?? pick(byStem.get(stemOf(name))) ?? pick(byStem.get(name));
  }
  return null;
}

/** Reads split lists (ImageSets/Main/train.txt, split_val.txt, ...): image stem -> split. */
async function readSplitLists(root: string, files: readonly string[]): Promise<Map<string, SplitName>> {
  const out = new Map<string, SplitName>();
  const re = /^(?:split_)?(train|trainval|val|valid|test)\.txt$/i;
  const lists = files.filter((f) => {
    if (!re.test(basename(f))) return false;
    const rel = relative(root, f).split(/[\\/]/);
    return rel.length === 1 || (rel.length === 3 && rel[0]?.toLowerCase() === 'imagesets' && rel[1]?.toLowerCase() === 'main');
  });
  // trainval first, so that train/val lists refine it.
  lists.sort((a, b) => Number(!/trainval/i.test(basename(a))) - Number(!/trainval/i.test(basename(b))));
  for (const f of lists) {
    const m = re.exec(basename(f));
    const tag = (m?.[1] ?? 'train').toLowerCase();
    const split: SplitName = tag === 'val' || tag === 'valid' ? 'val' : tag === 'test' ? 'test' : 'train';
    const text = await readRegularText(f).catch(() => '');
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim().split(/\s+/)[0] ?? '';
      if (t === '') continue;
      out.set(stemOf(t.replace(/\\/g, '/')), split);
    }
  }
  return out;
}

function pushMap(m: Map<string, string[]>, k: string, v: string): void {
  const arr = m.get(k);
  if (arr) arr.push(v);
  else m.set(k, [v]);
}

/**
 * A Pascal VOC folder: one XML per image, anywhere under the root. Classes come from a class
 * list file when there is one (names outside it are reported), else from the names used,
 * sorted. Splits come from ImageSets/Main or split_*.txt lists, else from folder names.
 */
export async function collectVoc(root: string, ctx: ImportContext, files?: string[]): Promise<Collected> {
  const all = files ?? (await walkFiles(root, ctx));
  const images = all.filter(isImageFile);
  const xmls = all.filter((f) => extname(f).toLowerCase() === '.xml');
  const byStem = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  for (const im of images) {
    pushMap(byStem, stemOf(im), im);
    pushMap(byName, basename(im), im);
    if (stemOf(im).toLowerCase() !== stemOf(im)) pushMap(byStem, stemOf(im).toLowerCase(), im);
    if (basename(im).toLowerCase() !== basename(im)) pushMap(byName, basename(im).toLowerCase(), im);
  }

  const parsed = await mapLimit(
    xmls,
    16,
    async (xmlFile) => {
      const bytes = await readRegularFile(xmlFile, MAX_TEXT_BYTES).catch((err: unknown) => err);
      if (bytes instanceof NotAFileError) {
        ctx.problems.add('DS_NOT_A_FILE', xmlFile, null, { kind: bytes.kind });
        return null;
      }
      if (bytes instanceof FileTooLargeError) {
        ctx.problems.add('DS_FILE_TOO_LARGE', xmlFile, null, { size: mib(bytes.size), limit: mib(bytes.limit) });
        return null;
      }
      if (!(bytes instanceof Buffer) || bytes.toString('latin1').trim() === '') {
        ctx.problems.add(bytes instanceof Buffer ? 'DS_FILE_EMPTY' : 'DS_XML_UNREADABLE', xmlFile, null, { reason: 'cannot read the file' });
        return null;
      }
      try {
        const r = parseVocXml(decodeXmlBytes(bytes));
        return { xmlFile, ...r };
      } catch (err) {
        const line = (err as { line?: number }).line ?? null;
        ctx.problems.add('DS_XML_UNREADABLE', xmlFile, line, { reason: err instanceof Error ? err.message : String(err) });
        return null;
      }
    },
    { signal: ctx.signal },
  );
  const ok = parsed.filter((p): p is { xmlFile: string; ann: VocAnnotation; findings: Finding[] } => p !== null);

  const classFile = findClassListFile(root, all);
  const listed = classFile ? await readClassList(classFile) : null;
  const classNames = listed ?? [...new Set(ok.flatMap((p) => p.ann.objects.map((o) => o.name)).filter((n) => n !== ''))].sort();
  const clsOf = new Map(classNames.map((n, i) => [n, i]));
  // A list names "Scratch", an XML says "scratch": the same class, said once per spelling.
  const clsOfLower = new Map<string, number>();
  classNames.forEach((n, i) => {
    if (!clsOfLower.has(classNameKey(n))) clsOfLower.set(classNameKey(n), i);
  });
  const caseNoted = new Set<string>();
  const splits = await readSplitLists(root, all);

  const drafts: Draft[] = [];
  const used = new Set<string>();
  for (const { xmlFile, ann, findings } of ok) {
    const image = matchVocImage(root, xmlFile, ann.filename, byStem, byName);
    if (!image) {
      const expected = ann.filename && extname(ann.filename) ? ann.filename : `${stemOf(xmlFile)}.*`;
      ctx.problems.add('DS_LABEL_WITHOUT_IMAGE', xmlFile, null, { expected });
      continue;
    }
    if (used.has(image)) continue;
    used.add(image);
    const all: Finding[] = [...findings];
    const boxes: DraftBox[] = [];
    for (const o of ann.objects) {
      let cls = clsOf.get(o.name);
      if (cls === undefined && listed) {
        cls = clsOfLower.get(classNameKey(o.name));
        const spelled = cls !== undefined ? classNames[cls] : undefined;
        if (spelled !== undefined && !caseNoted.has(o.name)) {
          caseNoted.add(o.name);
          ctx.problems.add('DS_CLASS_NAME_CASE', xmlFile, o.line, { names: `${spelled}, ${o.name}`, used: spelled });
        }
      }
      if (cls === undefined) {
        all.push(finding('DS_CLASS_UNKNOWN', o.line, { name: o.name, names: classNames.slice(0, 12).join(', ') }));
        continue;
      }
      const ref = o.line !== null ? `line ${o.line}` : 'an object';
      boxes.push({ x1: o.x1, y1: o.y1, x2: o.x2, y2: o.y2, cls, difficult: o.difficult, line: o.line, ref });
    }
    ctx.problems.addAll(xmlFile, all);
    const split = splits.size > 0 ? (splits.get(stemOf(image)) ?? 'train') : splitFromPath(relative(root, image));
    drafts.push({ file: image, split, labelFile: xmlFile, units: 'px', boxes, sizeHint: ann.size, rejected: rejects(all) });
  }
  // The other image of an a.jpg / a.png pair is not background: it is named, and left out.
  const sameStem = new Set<string>();
  for (const im of used) {
    for (const other of byStem.get(stemOf(im)) ?? []) {
      if (other === im || used.has(other) || dirname(other) !== dirname(im) || sameStem.has(other)) continue;
      sameStem.add(other);
      ctx.problems.add('DS_IMAGE_SAME_STEM', other, null, { label: `${stemOf(im)}.xml`, used: basename(im), other: basename(other) });
      drafts.push({ file: other, split: 'train', labelFile: null, units: 'px', boxes: [], sizeHint: null, rejected: true });
    }
  }
  const failedXml = new Set(parsed.map((p, i) => (p === null ? stemOf(xmls[i] ?? '') : null)).filter((s) => s !== null));
  // An annotation that is a folder (or pipe) named like one: its image is not background either.
  for (const p of ctx.problems.items) if (p.code === 'DS_NOT_A_FILE' && p.file && extname(p.file).toLowerCase() === '.xml') failedXml.add(stemOf(p.file));
  for (const im of images) {
    if (used.has(im) || sameStem.has(im) || failedXml.has(stemOf(im))) continue;
    ctx.problems.add('DS_IMAGE_WITHOUT_LABEL', im, null, { expected: `${stemOf(im)}.xml` });
    const split = splits.size > 0 ? (splits.get(stemOf(im)) ?? 'train') : splitFromPath(relative(root, im));
    drafts.push({ file: im, split, labelFile: null, units: 'px', boxes: [], sizeHint: null, rejected: false });
  }
  return { root, format: 'voc', classNames, drafts, hasOwnValSplit: drafts.some((d) => d.split === 'val') };
}
