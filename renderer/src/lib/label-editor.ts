/**
 * The label editor's state as plain TypeScript (no runes, no DOM), so every decision is
 * unit-tested in Node (test/renderer/label-editor.test.ts): the boxes, the selection, undo and
 * redo (kept across saves while the editor is open), hit testing, drawing, moving and resizing
 * in image pixels, the zoom/pan transform, and the keyboard shortcuts of the common tools.
 */
import type { EditBox } from '../../../electron/shared/schemas/labels';

/** A box in the editor: an EditBox plus a local id that never changes while the editor is open. */
export interface EdBox extends EditBox {
  id: number;
}

/** Everything the editor remembers for one image. */
export interface EditorState {
  boxes: EdBox[];
  selected: number | null;
  /** Earlier box lists, newest last. */
  past: EdBox[][];
  /** Undone box lists, next redo last. */
  future: EdBox[][];
  nextId: number;
  /** The box list as last saved (or loaded): the state is dirty when it differs. */
  saved: EdBox[];
  width: number;
  height: number;
}

/** Smallest box side in image pixels a drag may make. */
export const MIN_SIDE = 2;
/** Undo steps kept. */
export const HISTORY_LIMIT = 200;

/** A fresh state from the boxes read from the dataset. */
export function newEditor(boxes: readonly EditBox[], width: number, height: number): EditorState {
  const list = boxes.map((b, i) => ({ ...b, id: i + 1 }));
  return {
    boxes: list,
    selected: null,
    past: [],
    future: [],
    nextId: list.length + 1,
    saved: list,
    width,
    height,
  };
}

/** Applies a new box list as one undoable step (the redo list is cleared). */
export function commit(s: EditorState, boxes: EdBox[], selected: number | null = s.selected): EditorState {
  const past = [...s.past, s.boxes].slice(-HISTORY_LIMIT);
  return {
    ...s,
    boxes,
    selected: boxes.some((b) => b.id === selected) ? selected : null,
    past,
    future: [],
  };
}

/** Steps back one change. */
export function undo(s: EditorState): EditorState {
  const prev = s.past[s.past.length - 1];
  if (!prev) return s;
  return {
    ...s,
    boxes: prev,
    past: s.past.slice(0, -1),
    future: [...s.future, s.boxes],
    selected: prev.some((b) => b.id === s.selected) ? s.selected : null,
  };
}

/** Redoes the last undone change. */
export function redo(s: EditorState): EditorState {
  const next = s.future[s.future.length - 1];
  if (!next) return s;
  return {
    ...s,
    boxes: next,
    future: s.future.slice(0, -1),
    past: [...s.past, s.boxes],
    selected: next.some((b) => b.id === s.selected) ? s.selected : null,
  };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** A box from two corners, ordered and clipped to the image; null when smaller than MIN_SIDE. */
export function boxFromCorners(
  s: Pick<EditorState, 'width' | 'height'>,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): { x1: number; y1: number; x2: number; y2: number } | null {
  const x1 = clamp(Math.min(ax, bx), 0, s.width);
  const x2 = clamp(Math.max(ax, bx), 0, s.width);
  const y1 = clamp(Math.min(ay, by), 0, s.height);
  const y2 = clamp(Math.max(ay, by), 0, s.height);
  if (x2 - x1 < MIN_SIDE || y2 - y1 < MIN_SIDE) return null;
  return { x1, y1, x2, y2 };
}

/** Adds a drawn box of class `cls` and selects it (nothing when the drag was too small). */
export function addBox(s: EditorState, ax: number, ay: number, bx: number, by: number, cls: number): EditorState {
  const c = boxFromCorners(s, ax, ay, bx, by);
  if (!c) return s;
  const box: EdBox = { ...c, cls, key: null, id: s.nextId };
  return {
    ...commit(s, [...s.boxes, box], box.id),
    nextId: s.nextId + 1,
    selected: box.id,
  };
}

/** Replaces one box (by id) as an undoable step. */
function updateBox(s: EditorState, id: number, f: (b: EdBox) => EdBox): EditorState {
  if (!s.boxes.some((b) => b.id === id)) return s;
  return commit(
    s,
    s.boxes.map((b) => (b.id === id ? f(b) : b)),
    id,
  );
}

/** Moves a box by (dx, dy) image pixels, kept inside the image. */
export function moveBox(s: EditorState, id: number, dx: number, dy: number): EditorState {
  return updateBox(s, id, (b) => {
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    const x1 = clamp(b.x1 + dx, 0, s.width - w);
    const y1 = clamp(b.y1 + dy, 0, s.height - h);
    return { ...b, x1, y1, x2: x1 + w, y2: y1 + h };
  });
}

/** A corner handle of a box. */
export type Handle = 'nw' | 'ne' | 'sw' | 'se';

/** Drags one corner of a box to (x, y); the opposite corner stays. Too small a box is refused. */
export function resizeBox(s: EditorState, id: number, handle: Handle, x: number, y: number): EditorState {
  const b = s.boxes.find((k) => k.id === id);
  if (!b) return s;
  const ox = handle === 'nw' || handle === 'sw' ? b.x2 : b.x1;
  const oy = handle === 'nw' || handle === 'ne' ? b.y2 : b.y1;
  const c = boxFromCorners(s, ox, oy, x, y);
  return c ? updateBox(s, id, (k) => ({ ...k, ...c })) : s;
}

/** Deletes a box. */
export function deleteBox(s: EditorState, id: number): EditorState {
  if (!s.boxes.some((b) => b.id === id)) return s;
  return commit(
    s,
    s.boxes.filter((b) => b.id !== id),
    null,
  );
}

/** Changes a box's class. */
export function setClass(s: EditorState, id: number, cls: number): EditorState {
  const b = s.boxes.find((k) => k.id === id);
  if (!b || b.cls === cls) return s;
  return updateBox(s, id, (k) => ({ ...k, cls }));
}

/** Marks the image as a good part: no boxes (one undoable step). */
export function markGood(s: EditorState): EditorState {
  return s.boxes.length === 0 ? s : commit(s, [], null);
}

/** Selects a box (or nothing). */
export function select(s: EditorState, id: number | null): EditorState {
  return { ...s, selected: id };
}

/** Selects the next (or previous) box in list order, wrapping around. */
export function cycleSelection(s: EditorState, step: 1 | -1): EditorState {
  if (s.boxes.length === 0) return s;
  const i = s.boxes.findIndex((b) => b.id === s.selected);
  const n = s.boxes.length;
  const j = i < 0 ? (step === 1 ? 0 : n - 1) : (i + step + n) % n;
  return { ...s, selected: s.boxes[j]?.id ?? null };
}

function sameBoxes(a: readonly EdBox[], b: readonly EdBox[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return y !== undefined && x.id === y.id && x.cls === y.cls && x.x1 === y.x1 && x.y1 === y.y1 && x.x2 === y.x2 && x.y2 === y.y2;
    })
  );
}

/** True when the boxes differ from what is on disk. */
export function isDirty(s: EditorState): boolean {
  return !sameBoxes(s.boxes, s.saved);
}

/** The boxes as a save request sends them (local ids dropped), in list order. */
export function toSave(s: EditorState): EditBox[] {
  return s.boxes.map(({ id: _id, ...b }) => b);
}

/**
 * After a save: the boxes sent got new keys in the file (`keys`, in the order sent). Every box
 * in the present, the undo and the redo lists takes its new key by id, so an undo after a save
 * edits the right object on the next save; a box the save deleted has no object any more and
 * becomes new (key null) if an undo brings it back.
 */
export function applySaved(s: EditorState, sent: readonly EdBox[], keys: readonly string[]): EditorState {
  const byId = new Map<number, string>();
  sent.forEach((b, i) => {
    const k = keys[i];
    if (k !== undefined) byId.set(b.id, k);
  });
  const remap = (list: EdBox[]): EdBox[] => list.map((b) => ({ ...b, key: byId.get(b.id) ?? null }));
  const boxes = remap(s.boxes);
  return {
    ...s,
    boxes,
    saved: remap([...sent]),
    past: s.past.map(remap),
    future: s.future.map(remap),
  };
}

/** What is under the pointer: a corner handle of the selected box first, then the smallest box containing it. */
export function hitTest(s: EditorState, x: number, y: number, tolerance: number): { id: number; handle: Handle | null } | null {
  const sel = s.boxes.find((b) => b.id === s.selected);
  if (sel) {
    const corners: [Handle, number, number][] = [
      ['nw', sel.x1, sel.y1],
      ['ne', sel.x2, sel.y1],
      ['sw', sel.x1, sel.y2],
      ['se', sel.x2, sel.y2],
    ];
    for (const [h, cx, cy] of corners) if (Math.abs(x - cx) <= tolerance && Math.abs(y - cy) <= tolerance) return { id: sel.id, handle: h };
  }
  let best: EdBox | null = null;
  for (const b of s.boxes) {
    if (x < b.x1 - tolerance || x > b.x2 + tolerance || y < b.y1 - tolerance || y > b.y2 + tolerance) continue;
    if (!best || (b.x2 - b.x1) * (b.y2 - b.y1) < (best.x2 - best.x1) * (best.y2 - best.y1)) best = b;
  }
  return best ? { id: best.id, handle: null } : null;
}

/** How the image is shown: screen = image * zoom + pan (CSS pixels of the viewport). */
export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

/** Zoom limits: from a quarter of the fitted size to 32 screen pixels per image pixel. */
export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 32;

/** Screen pixels left around a fitted image: a box's corner handles on the image's edge stay inside the stage, where the pointer can take them. */
export const FIT_MARGIN = 12;

/** The view that fits the whole image in the viewport, centred, FIT_MARGIN from its edges. */
export function fitView(width: number, height: number, vw: number, vh: number): View {
  const m = Math.min(FIT_MARGIN, vw / 4, vh / 4);
  const zoom = clamp(Math.min((vw - 2 * m) / width, (vh - 2 * m) / height), MIN_ZOOM, MAX_ZOOM);
  return {
    zoom,
    panX: (vw - width * zoom) / 2,
    panY: (vh - height * zoom) / 2,
  };
}

/** A viewport point in image pixels. */
export function toImage(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.panX) / v.zoom, y: (sy - v.panY) / v.zoom };
}

/** An image point in viewport pixels. */
export function toScreen(v: View, x: number, y: number): { x: number; y: number } {
  return { x: x * v.zoom + v.panX, y: y * v.zoom + v.panY };
}

/** Zooms by `factor` keeping the image point under (sx, sy) where it is (the wheel's habit). */
export function zoomAt(v: View, factor: number, sx: number, sy: number): View {
  const zoom = clamp(v.zoom * factor, MIN_ZOOM, MAX_ZOOM);
  const p = toImage(v, sx, sy);
  return { zoom, panX: sx - p.x * zoom, panY: sy - p.y * zoom };
}

/** Pans by a screen delta. */
export function panBy(v: View, dx: number, dy: number): View {
  return { ...v, panX: v.panX + dx, panY: v.panY + dy };
}

/** What a key press asks the editor to do. */
export type KeyAction =
  | { type: 'draw' }
  | { type: 'next-image' }
  | { type: 'prev-image' }
  | { type: 'delete' }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'save' }
  | { type: 'class'; cls: number }
  | { type: 'good' }
  | { type: 'next-box' }
  | { type: 'prev-box' }
  | { type: 'fit' }
  | { type: 'cancel' };

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/**
 * The shortcuts of LabelImg and CVAT: W new box, D / A next / previous image, Del or Backspace
 * delete, Ctrl+Z undo, Ctrl+Y or Ctrl+Shift+Z redo, Ctrl+S save, 1-9 class, G good part,
 * Tab / Shift+Tab next / previous box, F fit, Esc cancel. Null for any other key.
 */
export function keyAction(e: KeyLike): KeyAction | null {
  const mod = Boolean(e.ctrlKey || e.metaKey);
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (k === 'z') return e.shiftKey ? { type: 'redo' } : { type: 'undo' };
    if (k === 'y') return { type: 'redo' };
    if (k === 's') return { type: 'save' };
    return null;
  }
  if (e.altKey) return null;
  if (/^[1-9]$/.test(k)) return { type: 'class', cls: Number(k) - 1 };
  switch (k) {
    case 'w':
      return { type: 'draw' };
    case 'd':
      return { type: 'next-image' };
    case 'a':
      return { type: 'prev-image' };
    case 'Delete':
    case 'Backspace':
      return { type: 'delete' };
    case 'g':
      return { type: 'good' };
    case 'Tab':
      return e.shiftKey ? { type: 'prev-box' } : { type: 'next-box' };
    case 'f':
      return { type: 'fit' };
    case 'Escape':
      return { type: 'cancel' };
    default:
      return null;
  }
}

/** Files the editor opens: images and their label files (not lists, class files or whole COCO files). */
const EDITABLE_RE = /\.(jpe?g|jpe|jfif|png|bmp|dib|tiff?|webp|txt|xml)$/i;
const NOT_LABELS_RE = /(^|[\\/])(classes|obj|names|predefined_classes|labels|(split_)?(train|val|valid|test|trainval))\.(txt|names)$/i;

/** True when a file a check problem names can be opened in the editor. */
export function isEditableFile(file: string | null): file is string {
  return file !== null && EDITABLE_RE.test(file) && !NOT_LABELS_RE.test(file);
}

/** The distinct editable files of a list of problems, in order: what D / A step through. */
export function editableFiles(problems: readonly { file: string | null }[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of problems) {
    if (!isEditableFile(p.file) || seen.has(p.file)) continue;
    seen.add(p.file);
    out.push(p.file);
  }
  return out;
}
