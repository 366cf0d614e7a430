// YOLO label files for the editor: read one image's boxes with a key per line, and write them
// back changing only the lines that changed (untouched lines, polygons included, stay byte for byte).
import type { EditBox, UnreadableEntry } from '../../../shared/schemas/labels';
import { parseYoloLabel } from '../import/yolo-label';
import { eolOf, sameCorners } from './boxes';

/** One image's boxes read from a YOLO label, in pixels. */
export interface YoloRead {
  boxes: EditBox[];
  unreadable: UnreadableEntry[];
}

/**
 * Reads a YOLO label text for editing: box keys are `l<line index>` (0-based). Lines that are
 * not boxes, or name a class id the dataset does not have (at or above `classCount`), are
 * unreadable: the editor shows them and a save keeps them unless asked to drop them.
 */
export function readYolo(text: string, width: number, height: number, classCount = Infinity): YoloRead {
  const lines = text.split(/\r?\n/);
  const boxes: EditBox[] = [];
  const unreadable: UnreadableEntry[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const { boxes: parsed } = parseYoloLabel(raw, null);
    const b = parsed[0];
    if (!b || b.cls >= classCount) {
      unreadable.push({
        key: `l${i}`,
        ref: `line ${i + 1}`,
        text: raw.slice(0, 200),
      });
      return;
    }
    boxes.push({
      x1: b.x1 * width,
      y1: b.y1 * height,
      x2: b.x2 * width,
      y2: b.y2 * height,
      cls: b.cls,
      key: `l${i}`,
    });
  });
  return { boxes, unreadable };
}

/** Six decimals, trailing zeros kept: the way Ultralytics and most tools write labels. */
const num = (v: number): string => v.toFixed(6);

/** A YOLO line for a box in pixels. */
export function yoloLine(b: Pick<EditBox, 'x1' | 'y1' | 'x2' | 'y2' | 'cls'>, width: number, height: number): string {
  return `${b.cls} ${num((b.x1 + b.x2) / 2 / width)} ${num((b.y1 + b.y2) / 2 / height)} ${num((b.x2 - b.x1) / width)} ${num((b.y2 - b.y1) / height)}`;
}

/**
 * Writes edited boxes into a YOLO label text. Boxes with the key of an existing line replace
 * it: only the class token when just the class changed, the whole line when the box moved;
 * lines whose key is not sent are deleted; new boxes are appended. Unreadable lines stay
 * unless `dropUnreadable`. Returns the text and each box's key in the new text, in order.
 */
export function writeYolo(
  text: string,
  boxes: readonly EditBox[],
  width: number,
  height: number,
  dropUnreadable: boolean,
  classCount = Infinity,
): { text: string; keys: string[] } {
  const eol = text === '' ? '\n' : eolOf(text);
  const old = readYolo(text, width, height, classCount);
  const oldByKey = new Map(old.boxes.map((b) => [b.key ?? '', b]));
  const unreadable = new Set(old.unreadable.map((u) => u.key));
  const sentIndex = new Map<string, number>();
  boxes.forEach((b, i) => {
    if (b.key !== null && oldByKey.has(b.key) && !sentIndex.has(b.key)) sentIndex.set(b.key, i);
  });
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const endsWithBreak = lines.length > 0 && lines[lines.length - 1] === '';
  if (endsWithBreak) lines.pop();
  const out: string[] = [];
  const keys: string[] = new Array<string>(boxes.length).fill('');
  lines.forEach((raw, i) => {
    const key = `l${i}`;
    if (unreadable.has(key)) {
      if (!dropUnreadable) out.push(raw);
      return;
    }
    const prev = oldByKey.get(key);
    if (!prev) {
      out.push(raw); // blank line
      return;
    }
    const at = sentIndex.get(key);
    if (at === undefined) return; // deleted
    const b = boxes[at] as EditBox;
    keys[at] = `l${out.length}`;
    if (sameCorners(b, prev)) out.push(b.cls === prev.cls ? raw : raw.replace(/^(\s*)\S+/, `$1${b.cls}`));
    else out.push(yoloLine(b, width, height));
  });
  boxes.forEach((b, i) => {
    if (b.key !== null && sentIndex.get(b.key) === i) return;
    keys[i] = `l${out.length}`;
    out.push(yoloLine(b, width, height));
  });
  // A good part (no boxes) is an empty file, which YOLO tools read as "background".
  const body = out.join(eol);
  return {
    text: body === '' ? '' : body + (endsWithBreak || lines.length === 0 ? eol : ''),
    keys,
  };
}
