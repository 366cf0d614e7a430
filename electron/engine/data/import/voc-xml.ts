import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseNumberToken } from './yolo-label';
import { finding, type Finding } from './problems';

/** One object of a VOC annotation, corners in pixels (continuous, 0-based). */
export interface VocObject {
  name: string;
  difficult: boolean;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  line: number | null;
}

/** A parsed VOC annotation. */
export interface VocAnnotation {
  filename: string | null;
  size: { width: number; height: number } | null;
  objects: VocObject[];
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'object' });

type XmlNode = Record<string, unknown>;

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return null;
}

/** 1-based line of the n-th <object> tag, so problems point at the right place in the file. */
function objectLines(xml: string): number[] {
  const out: number[] = [];
  const re = /<object[\s>]/g;
  let m: RegExpExecArray | null;
  let line = 1;
  let pos = 0;
  while ((m = re.exec(xml)) !== null) {
    for (; pos < m.index; pos++) if (xml.charCodeAt(pos) === 10) line++;
    out.push(line);
  }
  return out;
}

/**
 * Parses a Pascal VOC annotation. VOC corners are 1-based inclusive pixel indices, so a box
 * covers [xmin - 1, xmax] in continuous 0-based coordinates. Objects with a missing or bad
 * coordinate are skipped with a finding; `difficult` is kept. Throws when the XML itself
 * cannot be parsed (the caller reports DS_XML_UNREADABLE with the line of the error).
 */
export function parseVocXml(xml: string): { ann: VocAnnotation; findings: Finding[] } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw Object.assign(new Error(valid.err.msg), { line: valid.err.line });
  }
  const doc = parser.parse(xml) as XmlNode;
  const root = doc['annotation'];
  if (typeof root !== 'object' || root === null) throw Object.assign(new Error('no <annotation> element'), { line: 1 });
  const a = root as XmlNode;
  const findings: Finding[] = [];
  const sizeNode = a['size'] as XmlNode | undefined;
  let size: VocAnnotation['size'] = null;
  if (sizeNode && typeof sizeNode === 'object') {
    const w = Number(text(sizeNode['width']));
    const h = Number(text(sizeNode['height']));
    if (Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0) size = { width: w, height: h };
  }
  const lines = objectLines(xml);
  const objects: VocObject[] = [];
  const objs = (a['object'] as unknown[] | undefined) ?? [];
  objs.forEach((o, i) => {
    const line = lines[i] ?? null;
    const obj = (typeof o === 'object' && o !== null ? o : {}) as XmlNode;
    const name = text(obj['name']) ?? '';
    const bb = (typeof obj['bndbox'] === 'object' && obj['bndbox'] !== null ? obj['bndbox'] : {}) as XmlNode;
    const vals: number[] = [];
    for (const k of ['xmin', 'ymin', 'xmax', 'ymax']) {
      const t = text(bb[k]) ?? '';
      const p = parseNumberToken(t);
      if (!p.ok) {
        findings.push(finding(p.code, line, { value: t === '' ? `<${k}> missing` : t }));
        return;
      }
      vals.push(p.value);
    }
    const [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = vals;
    const difficult = text(obj['difficult']) === '1';
    objects.push({ name, difficult, x1: xmin - 1, y1: ymin - 1, x2: xmax, y2: ymax, line });
  });
  return { ann: { filename: text(a['filename']), size, objects }, findings };
}
