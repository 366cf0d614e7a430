// COCO instances JSON for the editor: read one image's annotations with a key each, and write
// edits into the text in place: other images' annotations, the images, categories, extra
// fields and formatting stay byte for byte; an edited annotation keeps its own extra fields
// (iscrowd, segmentation, attributes...) and only its bbox, area and category_id change.
import type { EditBox, UnreadableEntry } from '../../../shared/schemas/labels';
import { parseJsonLenient } from '../import/coco-json';
import { sameCorners } from './boxes';
import { arrayElements, editArray, lineIndent, topLevelValue, type Span } from './json-spans';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A COCO file parsed for editing. */
export interface CocoDoc {
  root: Obj;
  images: Obj[];
  annotations: unknown[];
  categories: { id: number; name: string }[];
}

/** Parses COCO text; throws when it is not COCO instances JSON. */
export function parseCocoDoc(text: string): CocoDoc {
  const root = parseJsonLenient(text);
  if (!isObj(root) || !Array.isArray(root['images']) || !Array.isArray(root['annotations'])) {
    throw new Error('not a COCO instances file (needs "images" and "annotations" arrays)');
  }
  const categories = (Array.isArray(root['categories']) ? root['categories'] : [])
    .filter(isObj)
    .map((c) => ({ id: Number(c['id']), name: String(c['name'] ?? c['id']) }))
    .filter((c) => Number.isFinite(c.id))
    .sort((a, b) => a.id - b.id);
  return {
    root,
    images: (root['images'] as unknown[]).filter(isObj),
    annotations: root['annotations'] as unknown[],
    categories,
  };
}

/** One image's annotations read for editing. */
export interface CocoRead {
  boxes: EditBox[];
  unreadable: UnreadableEntry[];
}

/**
 * The boxes of image `imageId`; keys are `a<index in the annotations array>`. `clsOfCat`
 * maps a category id to a class index (null: unknown, reported as unreadable).
 */
export function readCocoImage(doc: CocoDoc, imageId: unknown, clsOfCat: (id: number) => number | null): CocoRead {
  const boxes: EditBox[] = [];
  const unreadable: UnreadableEntry[] = [];
  doc.annotations.forEach((a, i) => {
    if (!isObj(a) || a['image_id'] !== imageId) return;
    const key = `a${i}`;
    const bbox = a['bbox'];
    const ok = Array.isArray(bbox) && bbox.length === 4 && bbox.every((v) => typeof v === 'number' && Number.isFinite(v));
    const cls = clsOfCat(Number(a['category_id']));
    const [x = 0, y = 0, w = 0, h = 0] = ok ? (bbox as number[]) : [];
    if (!ok || cls === null || w <= 0 || h <= 0) {
      unreadable.push({
        key,
        ref: `annotation ${String(a['id'] ?? i)}`,
        text: JSON.stringify(a).slice(0, 200),
      });
      return;
    }
    const crowd = a['iscrowd'] === 1 || a['iscrowd'] === true;
    boxes.push({
      x1: x,
      y1: y,
      x2: x + w,
      y2: y + h,
      cls,
      key,
      ...(crowd ? { crowd: true } : {}),
    });
  });
  return { boxes, unreadable };
}

/** Two decimals: COCO exports write pixels, sub-pixel noise is not worth keeping. */
const r2 = (v: number): number => Math.round(v * 100) / 100;

/** The COCO bbox of a box. */
function bboxOf(b: EditBox): number[] {
  return [r2(b.x1), r2(b.y1), r2(b.x2 - b.x1), r2(b.y2 - b.y1)];
}

/** Serialises an element like the one it replaces: on one line, or indented over several. */
function serialise(value: unknown, like: string | null, indent: string): string {
  if (like === null || !like.includes('\n')) return like !== null && /":\s/.test(like) ? spacedOneLine(value) : JSON.stringify(value);
  const unit = /\n([ \t]+)/.exec(like)?.[1]?.slice(indent.length) || '  ';
  return JSON.stringify(value, null, unit)
    .split('\n')
    .join('\n' + indent);
}

/** JSON on one line in the spaced style many exports use: `{"id": 1, "bbox": [1, 2, 3, 4]}`. */
export function spacedOneLine(value: unknown): string {
  const src = JSON.stringify(value, null, 1);
  let out = '';
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += src[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '\n') {
      while (src[i + 1] === ' ') i++;
      const next = src[i + 1];
      const prev = out[out.length - 1];
      if (next !== ']' && next !== '}' && prev !== '[' && prev !== '{') out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

/** The next free numeric id of a list of objects. */
export function nextId(items: readonly unknown[]): number {
  let max = 0;
  for (const it of items) if (isObj(it) && typeof it['id'] === 'number' && it['id'] > max) max = it['id'];
  return max + 1;
}

/**
 * Writes edited boxes of image `imageId` into COCO text. `catOf` gives the category id of a
 * class. Returns the text and each box's key in the new text, in order.
 */
export function writeCoco(
  text: string,
  imageId: unknown,
  boxes: readonly EditBox[],
  catOf: (cls: number) => number,
  clsOfCat: (id: number) => number | null,
  dropUnreadable: boolean,
): { text: string; keys: string[] } {
  const doc = parseCocoDoc(text);
  const old = readCocoImage(doc, imageId, clsOfCat);
  const oldByKey = new Map(old.boxes.map((b) => [b.key ?? '', b]));
  const unreadable = new Set(old.unreadable.map((u) => u.key));
  const arr = topLevelValue(text, 'annotations') as Span;
  const els = arrayElements(text, arr);
  const sentIndex = new Map<string, number>();
  boxes.forEach((b, i) => {
    if (b.key !== null && oldByKey.has(b.key) && !sentIndex.has(b.key)) sentIndex.set(b.key, i);
  });
  const replace = new Map<number, string | null>();
  const keys: string[] = new Array<string>(boxes.length).fill('');
  let newIndex = 0;
  doc.annotations.forEach((a, i) => {
    const key = `a${i}`;
    if (unreadable.has(key)) {
      if (dropUnreadable) replace.set(i, null);
      else newIndex++;
      return;
    }
    const prev = oldByKey.get(key);
    if (!prev) {
      newIndex++; // another image's annotation
      return;
    }
    const at = sentIndex.get(key);
    if (at === undefined) {
      replace.set(i, null);
      return;
    }
    const b = boxes[at] as EditBox;
    keys[at] = `a${newIndex++}`;
    if (sameCorners(b, prev) && b.cls === prev.cls) return;
    const o = { ...(a as Obj) };
    o['category_id'] = catOf(b.cls);
    if (!sameCorners(b, prev)) {
      o['bbox'] = bboxOf(b);
      // The area of a polygon or mask is its own; a plain box's area follows the box.
      const seg = o['segmentation'];
      if (seg === undefined || (Array.isArray(seg) && seg.length === 0)) o['area'] = r2((b.x2 - b.x1) * (b.y2 - b.y1));
    }
    const el = els[i] as Span;
    replace.set(i, serialise(o, text.slice(el.start, el.end), lineIndent(text, el.start)));
  });
  const like = els[els.length - 1];
  const likeText = like ? text.slice(like.start, like.end) : null;
  const indent = like ? lineIndent(text, like.start) : '';
  let id = nextId(doc.annotations);
  const append: string[] = [];
  boxes.forEach((b, i) => {
    if (b.key !== null && sentIndex.get(b.key) === i) return;
    keys[i] = `a${newIndex++}`;
    const bbox = bboxOf(b);
    const ann = {
      id: id++,
      image_id: imageId,
      category_id: catOf(b.cls),
      bbox,
      area: r2((bbox[2] ?? 0) * (bbox[3] ?? 0)),
      iscrowd: b.crowd ? 1 : 0,
      segmentation: [],
    };
    append.push(serialise(ann, likeText, indent));
  });
  return { text: editArray(text, arr, { replace, append }), keys };
}

/** Appends an image entry to the "images" array of COCO text; returns the text and its id. */
export function addCocoImage(text: string, fileName: string, width: number, height: number): { text: string; id: number } {
  const doc = parseCocoDoc(text);
  const arr = topLevelValue(text, 'images') as Span;
  const els = arrayElements(text, arr);
  const like = els[els.length - 1];
  const id = nextId(doc.images);
  const entry = serialise({ id, file_name: fileName, width, height }, like ? text.slice(like.start, like.end) : null, like ? lineIndent(text, like.start) : '');
  return {
    text: editArray(text, arr, { replace: new Map(), append: [entry] }),
    id,
  };
}
