// YOLO label files edited in place: unchanged lines stay byte for byte, class-only changes touch one token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readYolo, writeYolo } from '../../../../electron/engine/data/edit/yolo';

const W = 100;
const H = 50;
const TEXT = '0 0.5 0.5 0.2 0.4\n1 0.1234567 0.25 0.1 0.1\n2 0.1 0.1 0.2 0.1 0.3 0.3\nbad line here\n';

test('reads boxes in pixels with line keys, polygons as their box, bad lines as unreadable', () => {
  const r = readYolo(TEXT, W, H);
  assert.equal(r.boxes.length, 3);
  assert.deepEqual(r.boxes[0], {
    x1: 40,
    y1: 15,
    x2: 60,
    y2: 35,
    cls: 0,
    key: 'l0',
  });
  assert.equal(r.boxes[2]?.key, 'l2');
  assert.deepEqual(r.unreadable, [{ key: 'l3', ref: 'line 4', text: 'bad line here' }]);
});

test('sending the boxes back unchanged gives the same bytes', () => {
  const r = readYolo(TEXT, W, H);
  const out = writeYolo(TEXT, r.boxes, W, H, false);
  assert.equal(out.text, TEXT);
  assert.deepEqual(out.keys, ['l0', 'l1', 'l2']);
});

test('class change rewrites only the class token; move rewrites the line; delete and add', () => {
  const r = readYolo(TEXT, W, H);
  const [a, b, c] = r.boxes as [NonNullable<(typeof r.boxes)[0]>, NonNullable<(typeof r.boxes)[0]>, NonNullable<(typeof r.boxes)[0]>];
  const out = writeYolo(
    TEXT,
    [
      { ...b, cls: 3 },
      { ...c, x1: c.x1 + 10, x2: c.x2 + 10 },
      { x1: 0, y1: 0, x2: 50, y2: 25, cls: 1, key: null },
    ],
    W,
    H,
    false,
  );
  void a;
  assert.equal(out.text, '3 0.1234567 0.25 0.1 0.1\n2 0.300000 0.200000 0.200000 0.200000\nbad line here\n1 0.250000 0.250000 0.500000 0.500000\n');
  assert.deepEqual(out.keys, ['l0', 'l1', 'l3']);
  assert.equal(readYolo(out.text, W, H).boxes.length, 3);
});

test('dropping unreadable lines, CRLF kept, a good part is an empty file', () => {
  const crlf = TEXT.replace(/\n/g, '\r\n');
  const r = readYolo(crlf, W, H);
  const out = writeYolo(crlf, r.boxes.slice(0, 1), W, H, true);
  assert.equal(out.text, '0 0.5 0.5 0.2 0.4\r\n');
  assert.equal(writeYolo(TEXT, [], W, H, true).text, '');
  assert.equal(writeYolo('', [{ x1: 0, y1: 0, x2: 100, y2: 50, cls: 0, key: null }], W, H, false).text, '0 0.500000 0.500000 1.000000 1.000000\n');
});

test('a class id the dataset does not have is unreadable, kept on save unless dropped', () => {
  const text = '0 0.5 0.5 0.2 0.4\n7 0.5 0.5 0.1 0.1\n';
  const r = readYolo(text, W, H, 2);
  assert.equal(r.boxes.length, 1);
  assert.deepEqual(r.unreadable, [{ key: 'l1', ref: 'line 2', text: '7 0.5 0.5 0.1 0.1' }]);
  assert.equal(writeYolo(text, r.boxes, W, H, false, 2).text, text);
  assert.equal(writeYolo(text, r.boxes, W, H, true, 2).text, '0 0.5 0.5 0.2 0.4\n');
});
