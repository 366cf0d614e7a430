// COCO JSON edited in place: other images' annotations, extra fields and formatting stay byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCocoImage, parseCocoDoc, readCocoImage, writeCoco } from '../../../../electron/engine/data/edit/coco';

const TEXT = `{
  "info": {"description": "line 7", "year": 2024},
  "images": [
    {"id": 1, "file_name": "a.jpg", "width": 100, "height": 50},
    {"id": 2, "file_name": "b.jpg", "width": 100, "height": 50, "license": 3}
  ],
  "annotations": [
    {"id": 10, "image_id": 1, "category_id": 3, "bbox": [10, 5, 20, 15], "area": 300, "iscrowd": 0, "attributes": {"occluded": false}},
    {"id": 11, "image_id": 2, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 1, "segmentation": {"counts": "abc", "size": [50, 100]}},
    {"id": 12, "image_id": 1, "category_id": 7, "bbox": [40, 0, 20, 10], "area": 150, "iscrowd": 1, "segmentation": [[40, 0, 60, 0, 60, 10]]},
    {"id": 13, "image_id": 1, "category_id": 3, "bbox": [0, 0, NaN, 2]}
  ],
  "categories": [{"id": 3, "name": "crack"}, {"id": 7, "name": "scratch"}],
  "x-extra": [1, 2, 3]
}
`;
const NAMES = ['crack', 'scratch'];
const clsOfCat = (id: number) => (id === 3 ? 0 : id === 7 ? 1 : null);
const catOf = (cls: number) => (cls === 0 ? 3 : 7);

test('reads one image with keys; iscrowd kept; a NaN bbox is unreadable', () => {
  const r = readCocoImage(parseCocoDoc(TEXT), 1, clsOfCat);
  assert.deepEqual(r.boxes, [
    { x1: 10, y1: 5, x2: 30, y2: 20, cls: 0, key: 'a0' },
    { x1: 40, y1: 0, x2: 60, y2: 10, cls: 1, key: 'a2', crowd: true },
  ]);
  assert.equal(r.unreadable[0]?.key, 'a3');
  void NAMES;
});

test('unchanged boxes give the same bytes', () => {
  const r = readCocoImage(parseCocoDoc(TEXT), 1, clsOfCat);
  assert.equal(writeCoco(TEXT, 1, r.boxes, catOf, clsOfCat, false).text, TEXT);
});

test('class change keeps attributes, move keeps segmentation and iscrowd, delete and add touch nothing else', () => {
  const r = readCocoImage(parseCocoDoc(TEXT), 1, clsOfCat);
  const [a, b] = r.boxes as [NonNullable<(typeof r.boxes)[0]>, NonNullable<(typeof r.boxes)[0]>];
  const out = writeCoco(
    TEXT,
    1,
    [
      { ...b, x1: 45, x2: 65 },
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0, key: null },
    ],
    catOf,
    clsOfCat,
    false,
  );
  void a;
  const lines = out.text.split('\n');
  assert.equal(
    lines[7],
    '    {"id": 11, "image_id": 2, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 1, "segmentation": {"counts": "abc", "size": [50, 100]}},',
    'another image stays byte for byte',
  );
  const doc = parseCocoDoc(out.text);
  const byId = new Map(doc.annotations.map((x) => [(x as { id: number }).id, x as Record<string, unknown>]));
  assert.equal(byId.has(10), false, 'deleted');
  assert.deepEqual(byId.get(12), {
    id: 12,
    image_id: 1,
    category_id: 7,
    bbox: [45, 0, 20, 10],
    area: 150,
    iscrowd: 1,
    segmentation: [[40, 0, 60, 0, 60, 10]],
  });
  assert.deepEqual(byId.get(14), {
    id: 14,
    image_id: 1,
    category_id: 3,
    bbox: [0, 0, 10, 10],
    area: 100,
    iscrowd: 0,
    segmentation: [],
  });
  assert.ok(byId.has(13), 'unreadable annotation kept');
  assert.ok(out.text.includes('"x-extra": [1, 2, 3]') && out.text.includes('"info": {"description": "line 7", "year": 2024}'));
  assert.deepEqual(out.keys, ['a1', 'a3']);
  const cls = writeCoco(TEXT, 1, [{ ...a, cls: 1 }, b], catOf, clsOfCat, true);
  const d2 = parseCocoDoc(cls.text);
  assert.deepEqual(d2.annotations[0], {
    id: 10,
    image_id: 1,
    category_id: 7,
    bbox: [10, 5, 20, 15],
    area: 300,
    iscrowd: 0,
    attributes: { occluded: false },
  });
  assert.equal(d2.annotations.length, 3, 'dropUnreadable removed annotation 13');
});

test('a good part has no annotations; images can be added to a minified file', () => {
  const empty = writeCoco(TEXT, 1, [], catOf, clsOfCat, true).text;
  assert.equal(readCocoImage(parseCocoDoc(empty), 1, clsOfCat).boxes.length, 0);
  assert.equal(parseCocoDoc(empty).annotations.length, 1);
  const mini = JSON.stringify(JSON.parse(TEXT.replace('NaN', '2')));
  const added = addCocoImage(mini, 'c.jpg', 10, 20);
  assert.equal(added.id, 3);
  const withBox = writeCoco(added.text, 3, [{ x1: 1, y1: 1, x2: 5, y2: 5, cls: 1, key: null }], catOf, clsOfCat, false).text;
  assert.ok(!withBox.includes('\n'));
  const d = parseCocoDoc(withBox);
  assert.deepEqual(d.images[2], {
    id: 3,
    file_name: 'c.jpg',
    width: 10,
    height: 20,
  });
  assert.equal(readCocoImage(d, 3, clsOfCat).boxes.length, 1);
  const emptyArr = writeCoco(
    '{"images": [{"id": "x", "file_name": "a.jpg"}], "annotations": []}',
    'x',
    [{ x1: 1, y1: 1, x2: 5, y2: 5, cls: 0, key: null }],
    catOf,
    clsOfCat,
    false,
  ).text;
  assert.equal(parseCocoDoc(emptyArr).annotations.length, 1);
});

test('an edited one-line annotation keeps the spaced style', async () => {
  const { spacedOneLine } = await import('../../../../electron/engine/data/edit/coco');
  assert.equal(spacedOneLine({ id: 1, s: 'a\n "b"', bbox: [1, 2], e: {}, f: [] }), '{"id": 1, "s": "a\\n \\"b\\"", "bbox": [1, 2], "e": {}, "f": []}');
});
