// Finds where values sit in a JSON text, so a COCO file can be edited in place: the elements of
// one top-level array are replaced, removed or appended and every other byte stays as it was.

/** Start (inclusive) and end (exclusive) of a value in the text. */
export interface Span {
  start: number;
  end: number;
}

function skipWs(t: string, i: number): number {
  while (i < t.length && /\s/.test(t[i] ?? '')) i++;
  return i;
}

function skipString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  throw new Error('unterminated string');
}

/** End of the value starting at `i` (objects and arrays by bracket depth, strings honoured). */
export function skipValue(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return skipString(t, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t[j];
      if (d === '"') j = skipString(t, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Error('unbalanced brackets');
  }
  let j = i;
  while (j < t.length && !/[\s,\]}]/.test(t[j] ?? '')) j++;
  if (j === i) throw new Error(`unexpected character at ${i}`);
  return j;
}

/** The span of the value of `key` in the top-level object (the last one when repeated). */
export function topLevelValue(t: string, key: string): Span | null {
  let i = skipWs(t, 0);
  if (t[i] !== '{') return null;
  i = skipWs(t, i + 1);
  let found: Span | null = null;
  while (i < t.length && t[i] !== '}') {
    const kEnd = skipString(t, i);
    const k = JSON.parse(t.slice(i, kEnd)) as string;
    i = skipWs(t, kEnd);
    if (t[i] !== ':') throw new Error('expected ":"');
    const vStart = skipWs(t, i + 1);
    const vEnd = skipValue(t, vStart);
    if (k === key) found = { start: vStart, end: vEnd };
    i = skipWs(t, vEnd);
    if (t[i] === ',') i = skipWs(t, i + 1);
  }
  return found;
}

/** Spans of the elements of the array whose span is given. */
export function arrayElements(t: string, arr: Span): Span[] {
  const out: Span[] = [];
  let i = skipWs(t, arr.start + 1);
  while (i < arr.end - 1 && t[i] !== ']') {
    const end = skipValue(t, i);
    out.push({ start: i, end });
    i = skipWs(t, end);
    if (t[i] === ',') i = skipWs(t, i + 1);
  }
  return out;
}

/** What to do with an array's elements: keep or replace each (by index), then append. */
export interface ArrayEdit {
  /** Per element: undefined keeps it, null removes it, a string replaces it. */
  replace: Map<number, string | null>;
  append: string[];
}

/** Indentation of the line `pos` is on. */
export function lineIndent(t: string, pos: number): string {
  const ls = t.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(t.slice(ls))?.[0] ?? '';
}

/**
 * Applies an edit to one array of the text. Kept elements keep their bytes and the separator
 * that followed them; appended elements use the separator the array already uses (a comma and
 * a line break with the elements' indentation, or ", " for a one-line array).
 */
export function editArray(t: string, arr: Span, edit: ArrayEdit): string {
  const els = arrayElements(t, arr);
  const first = els[0];
  const last = els[els.length - 1];
  let sep: string;
  if (first && els[1]) sep = t.slice(first.end, els[1].start);
  else if (first) sep = t.slice(arr.start, first.start).includes('\n') ? ',\n' + lineIndent(t, first.start) : ', ';
  else sep = ', ';
  const parts: string[] = [];
  const seps: string[] = [];
  els.forEach((e, i) => {
    const r = edit.replace.get(i);
    if (r === null) return;
    parts.push(r ?? t.slice(e.start, e.end));
    const next = els[i + 1];
    seps.push(next ? t.slice(e.end, next.start) : sep);
  });
  for (const a of edit.append) {
    parts.push(a);
    seps.push(sep);
  }
  if (!first || !last) {
    return t.slice(0, arr.start + 1) + parts.join(sep) + t.slice(arr.end - 1);
  }
  let body = '';
  parts.forEach((p, i) => {
    body += p;
    if (i < parts.length - 1) body += seps[i] ?? sep;
  });
  return t.slice(0, first.start) + body + t.slice(last.end);
}
