// Pascal VOC XML for the editor: read one annotation's objects with a key each, and write the
// edits into the text itself, so every element and attribute Kestrel does not edit (pose,
// truncated, difficult, parts, comments, the header) stays exactly as it was.
import { XMLValidator } from 'fast-xml-parser';
import type { EditBox, UnreadableEntry } from '../../../shared/schemas/labels';
import { parseVocXml } from '../import/voc-xml';
import { eolOf, sameCorners } from './boxes';

/** Where one <object> element sits in the text. */
interface ObjectSpan {
  start: number;
  end: number;
}

/** Spans of the <object> elements outside comments, in document order. */
export function objectSpans(xml: string): ObjectSpan[] {
  const spans: ObjectSpan[] = [];
  const re = /<!--[\s\S]*?-->|<object(?:\s[^>]*)?>|<object\s*\/>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml)) !== null) {
    if (m[0].startsWith('<!--')) continue;
    if (m[0].endsWith('/>')) {
      spans.push({ start: m.index, end: m.index + m[0].length });
      continue;
    }
    const close = xml.indexOf('</object>', re.lastIndex);
    if (close < 0) break;
    spans.push({ start: m.index, end: close + '</object>'.length });
    re.lastIndex = close + '</object>'.length;
  }
  return spans;
}

/** One VOC annotation read for editing. */
export interface VocRead {
  boxes: EditBox[];
  unreadable: UnreadableEntry[];
  names: string[];
}

/**
 * Reads a VOC annotation for editing; keys are `o<object index>`. `clsOf` maps a class name
 * to its index (null: not a class of the dataset, reported as unreadable).
 */
export function readVoc(xml: string, clsOf: (name: string) => number | null): VocRead {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw Object.assign(new Error(valid.err.msg), { line: valid.err.line });
  const boxes: EditBox[] = [];
  const unreadable: UnreadableEntry[] = [];
  const names: string[] = [];
  // Each object is parsed on its own, so a bad one cannot shift the pairing of the others.
  objectSpans(xml).forEach((s, i) => {
    const text = xml.slice(s.start, s.end);
    let o: ReturnType<typeof parseVocXml>['ann']['objects'][number] | undefined;
    try {
      o = parseVocXml(`<annotation>${text}</annotation>`).ann.objects[0];
    } catch {
      o = undefined;
    }
    const cls = o ? clsOf(o.name) : null;
    if (o) names.push(o.name);
    if (!o || cls === null) {
      unreadable.push({
        key: `o${i}`,
        ref: `object ${i + 1}`,
        text: text.replace(/\s+/g, ' ').slice(0, 200),
      });
      return;
    }
    boxes.push({
      x1: o.x1,
      y1: o.y1,
      x2: o.x2,
      y2: o.y2,
      cls,
      key: `o${i}`,
      ...(o.difficult ? { difficult: true } : {}),
    });
  });
  return { boxes, unreadable, names };
}

/** Escapes text for an XML element. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** VOC corners: 1-based inclusive pixel indices, whole numbers. */
function vocCorners(b: Pick<EditBox, 'x1' | 'y1' | 'x2' | 'y2'>): [number, number, number, number] {
  return [Math.round(b.x1) + 1, Math.round(b.y1) + 1, Math.max(Math.round(b.x2), Math.round(b.x1) + 1), Math.max(Math.round(b.y2), Math.round(b.y1) + 1)];
}

/** Replaces the text of the first `<tag>` element of `s` outside `<part>` elements. */
function setElement(s: string, tag: string, value: string): string {
  const parts: [number, number][] = [];
  const pre = /<part[\s>][\s\S]*?<\/part>/g;
  let m: RegExpExecArray | null;
  while ((m = pre.exec(s)) !== null) parts.push([m.index, m.index + m[0].length]);
  const re = new RegExp(`(<${tag}(?:\\s[^>]*)?>)([\\s\\S]*?)(</${tag}>)`, 'g');
  while ((m = re.exec(s)) !== null) {
    const at = m.index;
    if (parts.some(([a, b]) => at >= a && at < b)) continue;
    const open = m[1] ?? '';
    const inner = m[2] ?? '';
    // Keep the whitespace around the value (some tools write "<xmin> 12 </xmin>").
    const lead = /^\s*/.exec(inner)?.[0] ?? '';
    const trail = /\s*$/.exec(inner)?.[0] ?? '';
    return s.slice(0, at) + open + lead + value + trail + (m[3] ?? '') + s.slice(at + m[0].length);
  }
  return s;
}

/** The indentation of the line `pos` is on, and one indentation step of the file. */
function indentAt(xml: string, pos: number): string {
  const lineStart = xml.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(xml.slice(lineStart))?.[0] ?? '';
}
function indentUnit(xml: string): string {
  const m = /\n([ \t]+)</.exec(xml);
  return m?.[1] ?? '\t';
}

/** A new <object> element, indented like the file. */
export function vocObject(name: string, b: EditBox, ind: string, unit: string, eol: string): string {
  const [xmin, ymin, xmax, ymax] = vocCorners(b);
  const i1 = ind + unit;
  const i2 = i1 + unit;
  return [
    `<object>`,
    `${i1}<name>${xmlEscape(name)}</name>`,
    `${i1}<pose>Unspecified</pose>`,
    `${i1}<truncated>0</truncated>`,
    `${i1}<difficult>${b.difficult ? 1 : 0}</difficult>`,
    `${i1}<bndbox>`,
    `${i2}<xmin>${xmin}</xmin>`,
    `${i2}<ymin>${ymin}</ymin>`,
    `${i2}<xmax>${xmax}</xmax>`,
    `${i2}<ymax>${ymax}</ymax>`,
    `${i1}</bndbox>`,
    `${ind}</object>`,
  ].join(eol);
}

/** A new VOC annotation for an image that had none. */
export function newVocXml(folder: string, filename: string, width: number, height: number): string {
  return [
    '<annotation>',
    `\t<folder>${xmlEscape(folder)}</folder>`,
    `\t<filename>${xmlEscape(filename)}</filename>`,
    '\t<source>',
    '\t\t<database>Kestrel</database>',
    '\t</source>',
    '\t<size>',
    `\t\t<width>${width}</width>`,
    `\t\t<height>${height}</height>`,
    '\t\t<depth>3</depth>',
    '\t</size>',
    '\t<segmented>0</segmented>',
    '</annotation>',
    '',
  ].join('\n');
}

/**
 * Writes edited boxes into a VOC annotation's text. An object whose key is sent gets its
 * <name> and <bndbox> corners changed in place when they changed (nothing else is touched);
 * an object not sent is removed with its line; new boxes are added before </annotation>.
 * Returns the text and each box's key in the new text, in order. Throws when the XML is broken.
 */
export function writeVoc(
  xml: string,
  boxes: readonly EditBox[],
  classNames: readonly string[],
  clsOf: (name: string) => number | null,
  dropUnreadable: boolean,
): { text: string; keys: string[] } {
  const eol = eolOf(xml);
  const unit = indentUnit(xml);
  const old = readVoc(xml, clsOf);
  const oldByKey = new Map(old.boxes.map((b) => [b.key ?? '', b]));
  const unreadable = new Set(old.unreadable.map((u) => u.key));
  const spans = objectSpans(xml);
  const sentIndex = new Map<string, number>();
  boxes.forEach((b, i) => {
    if (b.key !== null && oldByKey.has(b.key) && !sentIndex.has(b.key)) sentIndex.set(b.key, i);
  });
  const keys: string[] = new Array<string>(boxes.length).fill('');
  let out = '';
  let pos = 0;
  let kept = 0;
  spans.forEach((s, i) => {
    const key = `o${i}`;
    const at = sentIndex.get(key);
    const keep = unreadable.has(key) ? !dropUnreadable : at !== undefined;
    if (!keep) {
      // Remove the element with the indentation before it and its line break.
      const lineStart = xml.lastIndexOf('\n', s.start - 1) + 1;
      const onlyIndent = /^[ \t]*$/.test(xml.slice(lineStart, s.start));
      let cut = onlyIndent ? lineStart : s.start;
      if (onlyIndent && cut > 0 && xml[cut - 1] === '\n') cut -= xml[cut - 2] === '\r' ? 2 : 1;
      out += xml.slice(pos, Math.max(pos, cut));
      pos = s.end;
      return;
    }
    let elem = xml.slice(s.start, s.end);
    if (at !== undefined) {
      const b = boxes[at] as EditBox;
      const prev = oldByKey.get(key) as EditBox;
      if (b.cls !== prev.cls) elem = setElement(elem, 'name', xmlEscape(classNames[b.cls] ?? String(b.cls)));
      if (!sameCorners(b, prev)) {
        const [xmin, ymin, xmax, ymax] = vocCorners(b);
        elem = setElement(setElement(setElement(setElement(elem, 'xmin', String(xmin)), 'ymin', String(ymin)), 'xmax', String(xmax)), 'ymax', String(ymax));
      }
      if (Boolean(b.difficult) !== Boolean(prev.difficult)) elem = setElement(elem, 'difficult', b.difficult ? '1' : '0');
      keys[at] = `o${kept}`;
    }
    kept++;
    out += xml.slice(pos, s.start) + elem;
    pos = s.end;
  });
  let rest = xml.slice(pos);
  const added = boxes.map((b, i) => ({ b, i })).filter(({ b, i }) => !(b.key !== null && sentIndex.get(b.key) === i));
  if (added.length > 0) {
    const close = rest.lastIndexOf('</annotation>');
    if (close < 0) throw new Error('no </annotation> element');
    const ind = spans[0] ? indentAt(xml, spans[0].start) : unit;
    const closeInd = indentAt(rest, close);
    const before = rest.slice(0, close - closeInd.length).replace(/[ \t]*$/, '');
    const sep = before.endsWith('\n') ? '' : eol;
    let block = '';
    for (const { b, i } of added) {
      keys[i] = `o${kept++}`;
      block += `${ind}${vocObject(classNames[b.cls] ?? String(b.cls), b, ind, unit, eol)}${eol}`;
    }
    rest = before + sep + block + closeInd + rest.slice(close);
  }
  return { text: out + rest, keys };
}
