import { fillTemplate } from '../../../electron/shared/reason';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messages } from '../../../electron/shared/messages/index';
import { validatePixelBoxes } from '../../../electron/engine/data/import/boxes';
import { parseCoco, parseJsonLenient } from '../../../electron/engine/data/import/coco-json';
import { cocoSplitFromName } from '../../../electron/engine/data/import/collect-coco';
import { namesFromYaml } from '../../../electron/engine/data/import/collect-yaml';
import { splitFromPath, yoloLabelPath } from '../../../electron/engine/data/import/collect-yolo';
import { globBase, globToRegExp } from '../../../electron/engine/data/import/files';
import { makeProblem, PROBLEM_SEVERITY, type ProblemCode } from '../../../electron/engine/data/import/problems';
import { parseVocXml } from '../../../electron/engine/data/import/voc-xml';
import { parseYoloLabel } from '../../../electron/engine/data/import/yolo-label';
import { quantile, sizeHistogram, smallObjectCheck } from '../../../electron/engine/data/check/stats';

test('parseYoloLabel: boxes as fractional corners, one finding per bad line', () => {
  const text = ['0 0.5 0.5 0.2 0.4', '', '1 0.1 0.1 0.3 0.3 0.9', '2 0.5 0.5 0.1 0.1', '1 1e-1 .5 0.2 0.2\r'].join('\n');
  const { boxes, findings } = parseYoloLabel(text, 2);
  assert.equal(boxes.length, 2);
  assert.ok(Math.abs((boxes[0]?.x1 ?? 0) - 0.4) < 1e-12 && Math.abs((boxes[0]?.y2 ?? 0) - 0.7) < 1e-12);
  assert.deepEqual(boxes[1] && [boxes[1].line, boxes[1].cls], [5, 1]);
  assert.deepEqual(
    findings.map((f) => [f.code, f.line]),
    [
      ['DS_LABEL_COLUMNS', 3],
      ['DS_CLASS_OUT_OF_RANGE', 4],
    ],
  );
  // A polygon (class + 3 or more points) becomes its bounding box.
  const poly = parseYoloLabel('1 0.1 0.2 0.5 0.2 0.3 0.6', 2);
  assert.deepEqual(poly.boxes.map((x) => [x.x1, x.y1, x.x2, x.y2]), [[0.1, 0.2, 0.5, 0.6]]);
  assert.deepEqual(poly.findings.map((f) => f.code), ['DS_SEGMENT_CONVERTED']);
  // Unknown class count: ids are checked later.
  assert.equal(parseYoloLabel('7 0.5 0.5 0.1 0.1', null).boxes[0]?.cls, 7);
  // Within the rounding slack, a coordinate is accepted (clipped later).
  assert.equal(parseYoloLabel('0 1.0004 0.5 0.1 0.1', 1).findings.length, 0);
});

test('parseVocXml: 1-based corners to 0-based, difficult, object lines, syntax errors with a line', () => {
  const xml = '<annotation>\n<filename>a</filename>\n<size><width>10</width><height>8</height></size>\n<object>\n<name> dent </name><difficult>1</difficult>\n<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>10</xmax><ymax>8</ymax></bndbox>\n</object>\n</annotation>';
  const { ann, findings } = parseVocXml(xml);
  assert.deepEqual(findings, []);
  assert.deepEqual(ann, { filename: 'a', size: { width: 10, height: 8 }, objects: [{ name: 'dent', difficult: true, x1: 0, y1: 1, x2: 10, y2: 8, line: 4 }] });
  assert.throws(() => parseVocXml('<annotation>\n<a></b>\n</annotation>'), (e: unknown) => (e as { line?: number }).line === 2);
  assert.throws(() => parseVocXml('<other/>'), /no <annotation>/);
});

test('parseCoco: contiguous classes in id order, crowd flag, findings', () => {
  const c = parseCoco({
    images: [{ id: 'x', file_name: 'a.jpg', width: 10, height: 10 }],
    annotations: [
      { id: 1, image_id: 'x', category_id: 40, bbox: [1, 1, 2, 2], iscrowd: 1 },
      { id: 2, image_id: 'x', category_id: 2, bbox: [1, 1, 0, 2] },
      { id: 3, image_id: 'x', category_id: 5, bbox: [1, 1, 2, 2] },
      { id: 4, image_id: 'x', category_id: 2, bbox: [1, 'a', 2, 2] },
    ],
    categories: [
      { id: 40, name: 'z' },
      { id: 2, name: 'y' },
    ],
  });
  assert.deepEqual(c.categories.map((k) => k.name), ['y', 'z']);
  assert.deepEqual(c.boxes, [{ imageId: 'x', imageKey: 'x', annId: 1, cls: 1, x1: 1, y1: 1, x2: 3, y2: 3, crowd: true }]);
  assert.deepEqual(c.findings.map((f) => f.code), ['DS_BOX_ZERO_AREA', 'DS_CLASS_OUT_OF_RANGE', 'DS_LABEL_NOT_NUMERIC']);
  assert.throws(() => parseCoco({ images: [] }), /not a COCO/);
  assert.deepEqual(parseJsonLenient('{"bbox": [1, NaN, -Infinity, 2]}'), { bbox: [1, null, null, 2] });
  assert.deepEqual(parseJsonLenient('{"name": "NaN"}'), { name: 'NaN' });
});

test('validatePixelBoxes: clip within a pixel, reject outside, drop zero area, flag duplicates', () => {
  const b = (x1: number, y1: number, x2: number, y2: number, line: number) => ({ x1, y1, x2, y2, cls: 0, line, ref: `line ${line}` });
  const { kept, findings } = validatePixelBoxes([b(-0.5, 0, 10.8, 8, 1), b(0, 0, 30, 8, 2), b(3, 3, 3, 6, 3), b(-0.5, 0, 10.8, 8, 4)], 10, 8, true);
  assert.deepEqual(kept, [
    { x1: 0, y1: 0, x2: 10, y2: 8, cls: 0 },
    { x1: 0, y1: 0, x2: 10, y2: 8, cls: 0 },
  ]);
  assert.deepEqual(
    findings.map((f) => [f.code, f.line]),
    [
      ['DS_BOX_OUTSIDE_IMAGE', 2],
      ['DS_BOX_ZERO_AREA', 3],
      ['DS_BOX_DUPLICATE', 4],
    ],
  );
});

test('path rules: YOLO label paths, split folders, COCO split names, globs', () => {
  assert.equal(yoloLabelPath('/d/images/train/a.b.jpg'), '/d/labels/train/a.b.txt');
  assert.equal(yoloLabelPath('/images/x/images/a.png'), '/images/x/labels/a.txt');
  assert.equal(yoloLabelPath('/d/pics/a.jpg'), '/d/pics/a.txt');
  assert.equal(splitFromPath('valid/images/a.jpg'), 'val');
  assert.equal(splitFromPath('images/test/a.jpg'), 'test');
  assert.equal(splitFromPath('images/a.jpg'), 'train');
  assert.equal(splitFromPath('val.jpg'), 'train');
  assert.equal(cocoSplitFromName('instances_val2017.json'), 'val');
  assert.equal(cocoSplitFromName('_annotations.coco.json'), 'train');
  assert.equal(cocoSplitFromName('test.json'), 'test');
  const re = globToRegExp('/d/images/**/*.{jpg,png}');
  assert.ok(re.test('/d/images/a.jpg') && re.test('/d/images/x/y/b.png'));
  assert.ok(!re.test('/d/images/a.bmp') && !re.test('/d/labels/a.jpg'));
  assert.ok(globToRegExp('/d/img_?[0-9].jpg').test('/d/img_a7.jpg'));
  assert.equal(globBase('/d/images/*/x.jpg'), '/d/images');
});

test('namesFromYaml: list, map with gaps, nothing', () => {
  assert.deepEqual(namesFromYaml(['a', 'b']), ['a', 'b']);
  assert.deepEqual(namesFromYaml({ 0: 'a', 2: 'c' }), ['a', 'class_1', 'c']);
  assert.equal(namesFromYaml(undefined), null);
});

test('stats: quantiles, histogram, small-object suggestion', () => {
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.equal(quantile([], 0.5), 0);
  const h = sizeHistogram([0.005, 0.015, 0.5, 1]);
  assert.deepEqual(h.map((b) => b.count), [1, 1, 0, 0, 0, 0, 1, 1]);
  assert.equal(h[h.length - 1]?.hi, 1);
  // 30% of boxes at 0.01 of the side: 6.4 px at 640 -> warn; 8 px needs 800.
  const sizes = [...Array<number>(30).fill(0.01), ...Array<number>(70).fill(0.2)];
  assert.deepEqual(smallObjectCheck(sizes, 640), { imgsz: 640, minPx: 8, fraction: 0.3, suggestedImgsz: 800, warn: true });
  assert.equal(smallObjectCheck(sizes, 800).warn, false);
  // Hopelessly small: the largest size Kestrel suggests.
  assert.equal(smallObjectCheck([0.001, 0.001], 640).suggestedImgsz, 1280);
  assert.equal(smallObjectCheck([], 640).warn, false);
});

test('every problem code has English and Chinese message and fix, with the same placeholders', () => {
  // The zh templates name a box with {refZh} (its Chinese form) where en has {ref}.
  const ph = (s: string | undefined): string[] => [...(s ?? '').matchAll(/\{(\w+)\}/g)].map((m) => (m[1] === 'refZh' ? 'ref' : (m[1] ?? ''))).sort();
  for (const code of Object.keys(PROBLEM_SEVERITY) as ProblemCode[]) {
    for (const key of [code, `${code}.fix`]) {
      assert.ok(messages.en[key], `en ${key}`);
      assert.ok(messages.zh[key], `zh ${key}`);
      assert.deepEqual(ph(messages.zh[key]), ph(messages.en[key]), key);
    }
  }
  for (const code of ['DS_NOT_FOUND', 'DS_FORMAT_UNKNOWN', 'DS_NO_USABLE_IMAGES', 'DS_IMPORT_CANCELLED', 'DS_FEW_IMAGES', 'DS_CLASS_FEW_BOXES', 'DS_NO_VAL_SPLIT']) {
    assert.ok(messages.en[code] && messages.zh[code], code);
    assert.deepEqual(ph(messages.zh[code]), ph(messages.en[code]), code);
  }
  const p = makeProblem('DS_LABEL_COLUMNS', '/x.txt', 3, { count: 4, expected: 5 });
  // The Chinese sentence names the line in Chinese, with no English fragment.
  assert.equal(fillTemplate(messages.zh['DS_LABEL_COLUMNS']!, p.params ?? {}).startsWith('第 3 行 处的框'), true);
  assert.equal(p.message, 'The box at line 3 has 4 values, where a box needs 5; the image is left out, so the object is not learnt as background.');
  assert.equal(p.severity, 'error');
});
