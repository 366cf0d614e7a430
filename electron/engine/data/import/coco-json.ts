// Parses COCO instances JSON (pure): images, categories, boxes as corners, findings.
import { finding, type Finding } from './problems';

/** An image entry of a COCO file. */
export interface CocoImage {
  id: number | string;
  /** The id as annotations are matched to it (see cocoIdKey). */
  key: string;
  /** Another image of the file has the same id: whose boxes are whose is unknown. */
  ambiguous: boolean;
  fileName: string;
  width: number | null;
  height: number | null;
}

/** A usable COCO annotation: bbox already as corners in pixels, class contiguous. */
export interface CocoBox {
  imageId: number | string;
  imageKey: string;
  annId: number | string;
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  crowd: boolean;
}

/** A parsed COCO instances file. */
export interface CocoFile {
  images: CocoImage[];
  /** Category names in order of category id: index = Kestrel class. */
  categories: { id: number; name: string }[];
  boxes: CocoBox[];
  findings: Finding[];
  /** Image ids given to two different files: their images are left out, their boxes not placed. */
  ambiguousIds: Set<string>;
}

/**
 * The key an image id is matched by: 7, "7", "007" and "7.0" are one id. Exporters disagree on
 * numbers versus strings, and a strict match lost every box of such a file.
 */
export function cocoIdKey(id: number | string): string {
  if (typeof id === 'number') return String(id);
  const t = id.trim();
  if (/^[-+]?\d+$/.test(t)) {
    // Beyond 2^53 a number would merge distinct ids: only drop leading zeros.
    return Number.isSafeInteger(Number(t)) ? String(Number(t)) : t.replace(/^\+/, '').replace(/^(-?)0+(?=\d)/, '$1');
  }
  return /^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? String(Number(t)) : t;
}

/**
 * Parses JSON text, accepting the bare NaN/Infinity Python's json module writes by default
 * (they become null, and boxes holding them are reported as NaN rather than sinking the file).
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const patched = text.replace(/(?<=[[,:]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, 'null');
    if (patched === text) throw err;
    return JSON.parse(patched);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a parsed JSON looks like COCO instances (images + annotations + categories). */
export function looksLikeCoco(v: unknown): boolean {
  return isObj(v) && Array.isArray(v['images']) && Array.isArray(v['annotations']);
}

/**
 * Reads a COCO instances structure: bbox [x, y, w, h] in pixels becomes corners, category
 * ids (often 1-based, with gaps) map to contiguous classes in id order, iscrowd is kept as
 * a flag. Bad annotations are skipped with findings; throws when the structure is not COCO.
 */
export function parseCoco(v: unknown): CocoFile {
  if (!looksLikeCoco(v)) throw new Error('not a COCO instances file (needs "images" and "annotations" arrays)');
  const root = v as Obj;
  const findings: Finding[] = [];
  const cats = (Array.isArray(root['categories']) ? root['categories'] : [])
    .filter(isObj)
    .map((c) => ({ id: Number(c['id']), name: String(c['name'] ?? c['id']) }))
    .filter((c) => Number.isFinite(c.id))
    .sort((a, b) => a.id - b.id);
  const clsOf = new Map(cats.map((c, i) => [c.id, i]));
  const images: CocoImage[] = [];
  const byKey = new Map<string, CocoImage>();
  const ambiguousIds = new Set<string>();
  for (const im of (root['images'] as unknown[]).filter(isObj)) {
    const id = im['id'];
    if ((typeof id !== 'number' && typeof id !== 'string') || typeof im['file_name'] !== 'string') continue;
    const w = Number(im['width']);
    const h = Number(im['height']);
    const key = cocoIdKey(id);
    const prev = byKey.get(key);
    if (prev) {
      // The same entry written twice is harmless; one id for two files cannot say whose boxes are whose.
      if (prev.fileName !== im['file_name']) {
        findings.push(finding('DS_COCO_IMAGE_ID_DUPLICATE', null, { id: String(id), a: prev.fileName, b: im['file_name'] }));
        ambiguousIds.add(key);
        images.push({ id, key, ambiguous: true, fileName: im['file_name'], width: w > 0 ? w : null, height: h > 0 ? h : null });
      }
      continue;
    }
    const entry: CocoImage = { id, key, ambiguous: false, fileName: im['file_name'], width: w > 0 ? w : null, height: h > 0 ? h : null };
    images.push(entry);
    byKey.set(key, entry);
  }
  const boxes: CocoBox[] = [];
  let mixedTypes = false;
  for (const a of (root['annotations'] as unknown[]).filter(isObj)) {
    const annId = typeof a['id'] === 'number' || typeof a['id'] === 'string' ? a['id'] : '?';
    const imageId = a['image_id'];
    const target = typeof imageId === 'number' || typeof imageId === 'string' ? byKey.get(cocoIdKey(imageId)) : undefined;
    if ((typeof imageId !== 'number' && typeof imageId !== 'string') || !target) {
      findings.push(finding('DS_COCO_IMAGE_ID_UNKNOWN', null, { id: annId, imageId: String(imageId) }));
      continue;
    }
    if (typeof target.id !== typeof imageId || String(target.id) !== String(imageId)) mixedTypes = true;
    if (ambiguousIds.has(target.key)) continue;
    const ref = { ref: `annotation ${annId}`, id: annId, imageId };
    const bbox = a['bbox'];
    if (!Array.isArray(bbox) || bbox.length !== 4) {
      findings.push(finding('DS_LABEL_COLUMNS', null, { ...ref, count: Array.isArray(bbox) ? bbox.length : 0, expected: 4 }));
      continue;
    }
    const bad = bbox.find((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad !== undefined) {
      const nan = bad === null || (typeof bad === 'number' && !Number.isFinite(bad));
      findings.push(finding(nan ? 'DS_LABEL_NAN' : 'DS_LABEL_NOT_NUMERIC', null, { ...ref, value: String(bad) }));
      continue;
    }
    const [x = 0, y = 0, w = 0, h = 0] = bbox as number[];
    const cls = clsOf.get(Number(a['category_id']));
    if (cls === undefined) {
      findings.push(finding('DS_CLASS_OUT_OF_RANGE', null, { ...ref, cls: String(a['category_id']), count: cats.length }));
      continue;
    }
    if (w === 0 || h === 0) {
      findings.push(finding('DS_BOX_ZERO_AREA', null, ref));
      continue;
    }
    // A negative width or height: corners written in drag order. The box is the same rectangle.
    if (w < 0 || h < 0) findings.push(finding('DS_BOX_INVERTED', null, ref));
    const [x1, x2] = w < 0 ? [x + w, x] : [x, x + w];
    const [y1, y2] = h < 0 ? [y + h, y] : [y, y + h];
    boxes.push({ imageId, imageKey: target.key, annId, cls, x1, y1, x2, y2, crowd: a['iscrowd'] === 1 || a['iscrowd'] === true });
  }
  if (mixedTypes) findings.push(finding('DS_COCO_ID_TYPE_MIXED', null, {}));
  for (const im of images) if (ambiguousIds.has(im.key)) im.ambiguous = true;
  return { images, categories: cats, boxes, findings, ambiguousIds };
}
