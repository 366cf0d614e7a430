import { NORM_TOLERANCE, type DraftBox } from './boxes';
import { finding, type Finding } from './problems';

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NAN_RE = /^[+-]?(nan|inf|infinity)$/i;

/** Parses one token as a finite number, or says why it is not one. */
export function parseNumberToken(tok: string): { ok: true; value: number } | { ok: false; code: 'DS_LABEL_NAN' | 'DS_LABEL_NOT_NUMERIC' } {
  if (NAN_RE.test(tok)) return { ok: false, code: 'DS_LABEL_NAN' };
  if (!NUMBER_RE.test(tok)) return { ok: false, code: 'DS_LABEL_NOT_NUMERIC' };
  return { ok: true, value: Number(tok) };
}

/**
 * Parses a YOLO label file: one "class xc yc w h" line per box, fractions of the image size.
 * Polygon lines (class x1 y1 x2 y2 ...) become their bounding box. Returns corners still as
 * fractions (the image size is not known yet) and one finding per bad line, which is skipped.
 * `classCount` null means the class list is not known yet (ids are checked later).
 */
export function parseYoloLabel(text: string, classCount: number | null): { boxes: DraftBox[]; findings: Finding[] } {
  const boxes: DraftBox[] = [];
  const findings: Finding[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const toks = trimmed.split(/\s+/);
    const polygon = toks.length >= 7 && toks.length % 2 === 1;
    if (toks.length !== 5 && !polygon) {
      findings.push(finding('DS_LABEL_COLUMNS', line, { count: toks.length, expected: 5 }));
      return;
    }
    const vals: number[] = [];
    for (const tok of toks) {
      const p = parseNumberToken(tok);
      if (!p.ok) {
        findings.push(finding(p.code, line, { value: tok }));
        return;
      }
      vals.push(p.value);
    }
    const [clsVal = 0, ...coords] = vals;
    if (!Number.isInteger(clsVal)) {
      findings.push(finding('DS_CLASS_NOT_INTEGER', line, { value: toks[0] ?? '' }));
      return;
    }
    if (clsVal < 0 || (classCount !== null && clsVal >= classCount)) {
      findings.push(finding('DS_CLASS_OUT_OF_RANGE', line, { cls: clsVal, count: classCount ?? 0 }));
      return;
    }
    const bad = coords.find((v) => v < -NORM_TOLERANCE || v > 1 + NORM_TOLERANCE);
    if (bad !== undefined) {
      findings.push(finding('DS_BOX_OUT_OF_RANGE', line, { value: bad }));
      return;
    }
    let x1: number, y1: number, x2: number, y2: number;
    if (polygon) {
      const xs = coords.filter((_, k) => k % 2 === 0);
      const ys = coords.filter((_, k) => k % 2 === 1);
      [x1, x2, y1, y2] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      findings.push(finding('DS_SEGMENT_CONVERTED', line));
    } else {
      const [xc = 0, yc = 0, w = 0, h = 0] = coords;
      if (w <= 0 || h <= 0) {
        findings.push(finding('DS_BOX_ZERO_AREA', line, { ref: `line ${line}` }));
        return;
      }
      [x1, y1, x2, y2] = [xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2];
    }
    boxes.push({ x1, y1, x2, y2, cls: clsVal, line, ref: `line ${line}` });
  });
  return { boxes, findings };
}

/** Checks class ids parsed before the class list was known; returns the boxes that fit. */
export function keepKnownClasses(boxes: DraftBox[], classCount: number): { boxes: DraftBox[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const kept = boxes.filter((b) => {
    if (b.cls < classCount) return true;
    findings.push(finding('DS_CLASS_OUT_OF_RANGE', b.line, { cls: b.cls, count: classCount }));
    return false;
  });
  return { boxes: kept, findings };
}
