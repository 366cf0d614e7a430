// VOC annotations edited in the text: elements and attributes Kestrel does not edit stay as they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newVocXml, readVoc, writeVoc } from '../../../../electron/engine/data/edit/voc';

const NAMES = ['crack', 'scratch'];
const clsOf = (n: string) => (NAMES.indexOf(n) < 0 ? null : NAMES.indexOf(n));
const XML = `<?xml version="1.0"?>
<!-- made by LabelImg -->
<annotation verified="yes">
  <folder>imgs</folder>
  <filename>a.jpg</filename>
  <size><width>100</width><height>50</height><depth>3</depth></size>
  <object>
    <name>crack</name>
    <pose>Left</pose>
    <truncated>1</truncated>
    <difficult>1</difficult>
    <attributes><attribute><name>severity</name><value>high</value></attribute></attributes>
    <bndbox><xmin>11</xmin><ymin>6</ymin><xmax>30</xmax><ymax>20</ymax></bndbox>
  </object>
  <object>
    <name>scratch</name>
    <bndbox>
      <xmin>41</xmin>
      <ymin>1</ymin>
      <xmax>60</xmax>
      <ymax>10</ymax>
    </bndbox>
    <part><name>tip</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></part>
  </object>
  <object>
    <name>dent</name>
    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>
  </object>
</annotation>
`;

test('reads objects with keys, difficult kept, unknown class as unreadable', () => {
  const r = readVoc(XML, clsOf);
  assert.deepEqual(r.boxes[0], {
    x1: 10,
    y1: 5,
    x2: 30,
    y2: 20,
    cls: 0,
    key: 'o0',
    difficult: true,
  });
  assert.deepEqual(r.boxes[1], {
    x1: 40,
    y1: 0,
    x2: 60,
    y2: 10,
    cls: 1,
    key: 'o1',
  });
  assert.equal(r.unreadable.length, 1);
  assert.equal(r.unreadable[0]?.key, 'o2');
});

test('unchanged boxes give the same bytes', () => {
  const r = readVoc(XML, clsOf);
  assert.equal(writeVoc(XML, r.boxes, NAMES, clsOf, false).text, XML);
});

test('class change and move edit only <name> and the object bndbox (not the part); delete and add', () => {
  const r = readVoc(XML, clsOf);
  const [a, b] = r.boxes as [NonNullable<(typeof r.boxes)[0]>, NonNullable<(typeof r.boxes)[0]>];
  const out = writeVoc(
    XML,
    [
      { ...a, cls: 1 },
      { x1: 20, y1: 10, x2: 40, y2: 30, cls: 0, key: null },
    ],
    NAMES,
    clsOf,
    false,
  );
  void b;
  assert.ok(out.text.includes('<name>scratch</name>\n    <pose>Left</pose>\n    <truncated>1</truncated>\n    <difficult>1</difficult>'));
  assert.ok(out.text.includes('<value>high</value>'));
  assert.ok(!out.text.includes('<xmin>41</xmin>'), 'the second object is deleted');
  assert.ok(!out.text.includes('<name>tip</name>'));
  assert.ok(out.text.includes('<name>dent</name>'), 'unreadable objects stay');
  assert.ok(out.text.includes('<!-- made by LabelImg -->') && out.text.includes('verified="yes"'));
  assert.deepEqual(out.keys, ['o0', 'o2']);
  const again = readVoc(out.text, clsOf);
  assert.deepEqual(
    again.boxes.map((x) => [x.x1, x.y1, x.x2, x.y2, x.cls]),
    [
      [10, 5, 30, 20, 1],
      [20, 10, 40, 30, 0],
    ],
  );
  const moved = writeVoc(XML, [{ ...a, x1: 0, x2: 25 }, b], NAMES, clsOf, true);
  assert.ok(moved.text.includes('<bndbox><xmin>1</xmin><ymin>6</ymin><xmax>25</xmax><ymax>20</ymax></bndbox>'));
  assert.ok(moved.text.includes('<part><name>tip</name><bndbox><xmin>1</xmin>'), 'parts keep their boxes');
  assert.ok(!moved.text.includes('dent'), 'dropUnreadable removes the unknown class');
});

test('a good part has no objects; a new file is valid VOC', () => {
  const empty = writeVoc(XML, [], NAMES, clsOf, true).text;
  assert.equal(readVoc(empty, clsOf).boxes.length, 0);
  assert.ok(!empty.includes('<object'));
  assert.ok(empty.includes('<filename>a.jpg</filename>'));
  const fresh = writeVoc(newVocXml('imgs', 'b.png', 100, 50), [{ x1: 1, y1: 2, x2: 10, y2: 20, cls: 1, key: null }], NAMES, clsOf, false).text;
  const r = readVoc(fresh, clsOf);
  assert.deepEqual(r.boxes[0], {
    x1: 1,
    y1: 2,
    x2: 10,
    y2: 20,
    cls: 1,
    key: 'o0',
  });
});

test('broken XML throws', () => {
  assert.throws(() => writeVoc('<annotation><object>', [], NAMES, clsOf, false));
});
