// The label editor's pure state: drawing, moving, resizing, undo across saves, hit tests, zoom, keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addBox,
  applySaved,
  cycleSelection,
  deleteBox,
  fitView,
  hitTest,
  isDirty,
  keyAction,
  markGood,
  moveBox,
  newEditor,
  redo,
  resizeBox,
  setClass,
  toImage,
  toSave,
  toScreen,
  undo,
  zoomAt,
} from '../../renderer/src/lib/label-editor';

const base = () => newEditor([{ x1: 10, y1: 10, x2: 30, y2: 20, cls: 0, key: 'l0' }], 100, 50);

test('draw, move, resize, class, delete, each one undoable step, clipped to the image', () => {
  let s = base();
  assert.equal(isDirty(s), false);
  s = addBox(s, 90, 40, 120, 60, 1);
  assert.deepEqual(toSave(s)[1], {
    x1: 90,
    y1: 40,
    x2: 100,
    y2: 50,
    cls: 1,
    key: null,
  });
  assert.equal(s.selected, 2);
  assert.equal(addBox(s, 5, 5, 6, 6, 0), s, 'a click is not a box');
  s = moveBox(s, 1, 80, -5);
  assert.deepEqual(toSave(s)[0], {
    x1: 80,
    y1: 5,
    x2: 100,
    y2: 15,
    cls: 0,
    key: 'l0',
  });
  s = resizeBox(s, 1, 'nw', 70, 0);
  assert.deepEqual(toSave(s)[0], {
    x1: 70,
    y1: 0,
    x2: 100,
    y2: 15,
    cls: 0,
    key: 'l0',
  });
  assert.equal(resizeBox(s, 1, 'se', 70.5, 0.5), s, 'a resize to nothing is refused');
  s = setClass(s, 1, 2);
  s = deleteBox(s, 2);
  assert.equal(s.boxes.length, 1);
  assert.equal(s.past.length, 5);
  assert.ok(isDirty(s));
  for (let i = 0; i < 5; i++) s = undo(s);
  assert.deepEqual(toSave(s), toSave(base()));
  assert.equal(isDirty(s), false);
  s = redo(redo(s));
  assert.equal(s.boxes.length, 2);
  s = markGood(s);
  assert.equal(s.boxes.length, 0);
  assert.equal(undo(s).boxes.length, 2);
});

test('undo works across saves: keys are remapped in every history entry', () => {
  let s = base();
  s = addBox(s, 50, 10, 60, 20, 0); // id 2
  s = deleteBox(s, 1);
  const sent = s.boxes;
  // The save wrote box 2 as line 0 (line 0 before held box 1, now deleted).
  s = applySaved(s, sent, ['l0']);
  assert.equal(isDirty(s), false);
  assert.deepEqual(toSave(s), [{ x1: 50, y1: 10, x2: 60, y2: 20, cls: 0, key: 'l0' }]);
  s = undo(s); // box 1 comes back: its object is gone from the file, so it is new now
  const again = toSave(s);
  assert.deepEqual(again, [
    { x1: 10, y1: 10, x2: 30, y2: 20, cls: 0, key: null },
    { x1: 50, y1: 10, x2: 60, y2: 20, cls: 0, key: 'l0' },
  ]);
  assert.ok(isDirty(s));
  assert.equal(redo(s).boxes.length, 1);
});

test('hit test prefers the selected box corners, then the smallest box', () => {
  let s = newEditor(
    [
      { x1: 0, y1: 0, x2: 100, y2: 50, cls: 0, key: 'l0' },
      { x1: 40, y1: 20, x2: 50, y2: 30, cls: 1, key: 'l1' },
    ],
    100,
    50,
  );
  assert.deepEqual(hitTest(s, 45, 25, 1), { id: 2, handle: null });
  assert.deepEqual(hitTest(s, 5, 40, 1), { id: 1, handle: null });
  s = cycleSelection(s, 1);
  assert.deepEqual(hitTest(s, 99.5, 49.5, 2), { id: 1, handle: 'se' });
  assert.equal(cycleSelection(s, -1).selected, 2);
  assert.equal(hitTest(newEditor([], 10, 10), 1, 1, 1), null);
});

test('zoom keeps the point under the pointer; fit centres; screen and image round trip', () => {
  const v = fitView(200, 100, 424, 424);
  assert.deepEqual(v, { zoom: 2, panX: 12, panY: 112 }, 'centred, a margin around it for the corner handles');
  const z = zoomAt(v, 4, 100, 150);
  const before = toImage(v, 100, 150);
  const after = toImage(z, 100, 150);
  assert.ok(Math.abs(before.x - after.x) < 1e-9 && Math.abs(before.y - after.y) < 1e-9);
  const p = toScreen(z, 12, 34);
  const back = toImage(z, p.x, p.y);
  assert.ok(Math.abs(back.x - 12) < 1e-9 && Math.abs(back.y - 34) < 1e-9);
  assert.equal(zoomAt(v, 1e9, 0, 0).zoom, 32);
});

test('keys follow LabelImg and CVAT', () => {
  assert.deepEqual(keyAction({ key: 'w' }), { type: 'draw' });
  assert.deepEqual(keyAction({ key: 'D' }), { type: 'next-image' });
  assert.deepEqual(keyAction({ key: 'a' }), { type: 'prev-image' });
  assert.deepEqual(keyAction({ key: 'Delete' }), { type: 'delete' });
  assert.deepEqual(keyAction({ key: 'z', ctrlKey: true }), { type: 'undo' });
  assert.deepEqual(keyAction({ key: 'Z', ctrlKey: true, shiftKey: true }), {
    type: 'redo',
  });
  assert.deepEqual(keyAction({ key: 'y', metaKey: true }), { type: 'redo' });
  assert.deepEqual(keyAction({ key: 's', ctrlKey: true }), { type: 'save' });
  assert.deepEqual(keyAction({ key: '3' }), { type: 'class', cls: 2 });
  assert.equal(keyAction({ key: '0' }), null);
  assert.equal(keyAction({ key: 'a', ctrlKey: true }), null);
});

test('problems that name an image or a label file open in the editor, once each', async () => {
  const { editableFiles, isEditableFile } = await import('../../renderer/src/lib/label-editor');
  assert.deepEqual(
    editableFiles([
      { file: '/d/labels/a.txt' },
      { file: '/d/images/a.JPG' },
      { file: '/d/labels/a.txt' },
      { file: '/d/classes.txt' },
      { file: '/d/ImageSets/Main/train.txt' },
      { file: '/d/data.yaml' },
      { file: '/d/ann/x.xml' },
      { file: null },
    ]),
    ['/d/labels/a.txt', '/d/images/a.JPG', '/d/ann/x.xml'],
  );
  assert.equal(isEditableFile('/d/annotations/instances_train.json'), false);
});
