// Parses Pascal VOC annotation XML (pure): encoding, size, objects with their lines, findings.
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

/**
 * Decodes annotation XML bytes: a byte-order mark wins, then the encoding the XML declaration
 * names (GBK, GB2312, Big5, Shift_JIS, ISO-8859-1... as Chinese and Japanese LabelImg builds
 * write them), else UTF-8. Strict: bytes invalid in that encoding throw, rather than turning
 * class names into mojibake that would become classes of their own.
 */
export function decodeXmlBytes(buf: Uint8Array): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(3));
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(buf.subarray(2));
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(buf.subarray(2));
  // The declaration is ASCII in every ASCII-compatible encoding: read it as latin1.
  const head = Buffer.from(buf.subarray(0, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head)?.[1] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared, { fatal: true });
    // A file re-saved as UTF-8 by an editor often keeps its old "GBK" declaration. Multi-byte
    // text in GBK or Big5 is virtually never valid UTF-8, so valid UTF-8 is read as UTF-8.
    if (decoder.encoding !== 'utf-8' && buf.some((b) => b >= 0x80)) {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(buf);
      } catch {
        // not UTF-8: the declaration is right
      }
    }
  } catch {
    throw Object.assign(new Error(`the declared encoding "${declared}" is not one Kestrel can read; save the file as UTF-8`), { line: 1 });
  }
  try {
    return decoder.decode(buf);
  } catch {
    const hint = declared.toLowerCase() === 'utf-8' ? ' (it is probably in a local encoding such as GBK: declare it in the XML header, or save the file as UTF-8)' : '';
    throw Object.assign(new Error(`the bytes are not valid ${declared}${hint}`), { line: null });
  }
}

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
    let [xmin = 0, ymin = 0, xmax = 0, ymax = 0] = vals;
    // min = max is a line, not a box. min > max is a box written corner-first in drag order:
    // the same rectangle, so the corners are swapped and the swap reported.
    if (xmin === xmax || ymin === ymax) {
      findings.push(finding('DS_BOX_ZERO_AREA', line, { ref: line !== null ? `line ${line}` : 'an object' }));
      return;
    }
    if (xmin > xmax || ymin > ymax) {
      findings.push(finding('DS_BOX_INVERTED', line, { ref: line !== null ? `line ${line}` : 'an object' }));
      if (xmin > xmax) [xmin, xmax] = [xmax, xmin];
      if (ymin > ymax) [ymin, ymax] = [ymax, ymin];
    }
    const difficult = text(obj['difficult']) === '1';
    objects.push({ name, difficult, x1: xmin - 1, y1: ymin - 1, x2: xmax, y2: ymax, line });
  });
  return { ann: { filename: text(a['filename']), size, objects }, findings };
}
