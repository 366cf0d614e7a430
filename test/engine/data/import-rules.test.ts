// The decisions behind issue 17's dataset fixes, as pure functions, plus what the malformed
// cases must import to (boxes kept, placed on the right image, corners swapped, names decoded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { KestrelError } from '../../../electron/shared/errors';
import { importDataset } from '../../../electron/engine/data/import/index';
import { planCaseFold } from '../../../electron/engine/data/import/class-case';
import { cocoIdKey, parseCoco } from '../../../electron/engine/data/import/coco-json';
import { cocoNameCandidates } from '../../../electron/engine/data/import/collect-coco';
import { listEntryCandidates, yamlNcMismatch } from '../../../electron/engine/data/import/collect-yaml';
import { pickSameStem } from '../../../electron/engine/data/import/collect-yolo';
import { editDistance, isNearMissLabelDir } from '../../../electron/engine/data/import/label-dirs';
import { formatProblemGroups, groupProblems, problemsInOneLine } from '../../../electron/engine/data/import/problem-summary';
import { makeProblem } from '../../../electron/engine/data/import/problems';
import { decodeXmlBytes, parseVocXml } from '../../../electron/engine/data/import/voc-xml';
import { imageSkipReason } from '../../../electron/engine/data/image';
import { MALFORMED_DIR, encodeLegacy } from '../../fixtures/make-malformed';

const recs = (ds: Awaited<ReturnType<typeof importDataset>>) => [...ds.splits.train, ...ds.splits.val, ...ds.splits.test];

test('COCO ids: 7, "7" and "007" are one id; other strings stay themselves', () => {
  assert.equal(cocoIdKey(7), '7');
  assert.equal(cocoIdKey('7'), '7');
  assert.equal(cocoIdKey(' 007 '), '7');
  assert.equal(cocoIdKey('img_7'), 'img_7');
  const c = parseCoco({ images: [{ id: 1, file_name: 'a.jpg' }], annotations: [{ id: 1, image_id: '1', category_id: 1, bbox: [1, 1, 2, 2] }], categories: [{ id: 1, name: 'a' }] });
  assert.equal(c.boxes.length, 1);
  assert.deepEqual(c.findings.map((f) => f.code), ['DS_COCO_ID_TYPE_MIXED']);
});

test('COCO mixed id types keep every box on its image', async () => {
  for (const name of ['coco-image-id-string-in-annotations', 'coco-image-id-string-in-images']) {
    const ds = await importDataset(join(MALFORMED_DIR, name, 'annotations.json'));
    const bad = recs(ds).find((r) => r.id === 'images/bad');
    assert.equal(bad?.boxes.length, 1, name);
    assert.equal(bad?.boxes[0]?.cls, 1, name);
  }
});

test('a duplicate COCO image id never moves boxes onto the other image: both are left out', async () => {
  const ds = await importDataset(join(MALFORMED_DIR, 'coco-image-id-duplicate', 'annotations.json'));
  assert.deepEqual(recs(ds).map((r) => r.id), ['images/good']);
  const p = ds.problems.find((x) => x.code === 'DS_COCO_IMAGE_ID_DUPLICATE');
  assert.match(p?.message ?? '', /bad\.jpg and other\.jpg/);
  // The same entry written twice is one image, not a problem.
  const twice = parseCoco({ images: [{ id: 1, file_name: 'a.jpg' }, { id: 1, file_name: 'a.jpg' }], annotations: [], categories: [] });
  assert.equal(twice.images.length, 1);
  assert.deepEqual(twice.findings, []);
});

test('Windows paths: COCO file_name and list entries become tails to try', () => {
  assert.deepEqual(cocoNameCandidates('sub\\a.jpg'), ['sub/a.jpg']);
  assert.deepEqual(cocoNameCandidates('C:\\data\\images\\a.jpg'), ['data/images/a.jpg', 'images/a.jpg', 'a.jpg']);
  assert.deepEqual(cocoNameCandidates('/home/x/a.jpg'), ['home/x/a.jpg', 'x/a.jpg', 'a.jpg']);
  if (process.platform !== 'win32') {
    assert.deepEqual(listEntryCandidates('.\\images\\a.jpg', '/ds', '/ds'), ['/ds/images/a.jpg', '/ds/images/a.jpg', '/images/a.jpg']);
    assert.deepEqual(listEntryCandidates('D:\\x\\images\\a.jpg', '/ds/lists', '/ds'), ['/ds/x/images/a.jpg', '/ds/images/a.jpg', '/ds/a.jpg']);
  }
});

test('VOC XML in GBK, GB2312 or Big5 (declared) decodes; undeclared GBK is an error, not mojibake', async () => {
  const xml = (enc: string, name: string) => `<?xml version="1.0" encoding="${enc}"?>\n<annotation><object><name>${name}</name></object></annotation>`;
  assert.match(decodeXmlBytes(encodeLegacy(xml('GBK', '划痕'), 'gbk')), /<name>划痕<\/name>/);
  assert.match(decodeXmlBytes(encodeLegacy(xml('big5', '刮痕'), 'big5')), /<name>刮痕<\/name>/);
  assert.match(decodeXmlBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('<a>é</a>')])), /é/);
  assert.throws(() => decodeXmlBytes(encodeLegacy('<annotation><name>划痕</name></annotation>', 'gbk')), /not valid utf-8.*GBK/);
  assert.throws(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>')), /x-klingon/);
  const ds = await importDataset(join(MALFORMED_DIR, 'voc-gbk-encoding'));
  assert.deepEqual(ds.classNames, ['a', '划痕']);
});

test('VOC: xmin > xmax is inverted (swapped, kept); xmin = xmax is zero area (dropped)', async () => {
  const xml = '<annotation><object><name>a</name><bndbox><xmin>30</xmin><ymin>5</ymin><xmax>10</xmax><ymax>30</ymax></bndbox></object><object><name>a</name><bndbox><xmin>7</xmin><ymin>5</ymin><xmax>7</xmax><ymax>30</ymax></bndbox></object></annotation>';
  const { ann, findings } = parseVocXml(xml);
  assert.deepEqual(findings.map((f) => f.code), ['DS_BOX_INVERTED', 'DS_BOX_ZERO_AREA']);
  assert.deepEqual(ann.objects.map((o) => [o.x1, o.x2]), [[9, 30]]);
  const ds = await importDataset(join(MALFORMED_DIR, 'voc-inverted-box'));
  assert.deepEqual(recs(ds).find((r) => r.id === 'JPEGImages/bad')?.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]), [[9, 4, 30, 30]]);
  const coco = await importDataset(join(MALFORMED_DIR, 'coco-negative-size', 'annotations.json'));
  assert.deepEqual(recs(coco).find((r) => r.id === 'images/bad')?.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]), [[10, 10, 30, 25]]);
});

test('class names differing only in case merge into the spelling with most boxes', async () => {
  const plan = planCaseFold(['Scratch', 'dent', 'scratch'], [1, 4, 3]);
  assert.deepEqual(plan.classNames, ['scratch', 'dent']);
  assert.deepEqual(plan.remap, [0, 1, 0]);
  assert.deepEqual(plan.merged, [{ names: ['Scratch', 'scratch'], used: 'scratch' }]);
  assert.deepEqual(planCaseFold(['a', 'b'], [0, 0]).merged, []);
  const voc = await importDataset(join(MALFORMED_DIR, 'voc-class-case'));
  assert.deepEqual(voc.classNames, ['a']);
  assert.equal(recs(voc).reduce((n, r) => n + r.boxes.length, 0), 3);
  const yolo = await importDataset(join(MALFORMED_DIR, 'yolo-class-case'));
  assert.deepEqual(yolo.classNames, ['a', 'b']);
  assert.deepEqual(recs(yolo).find((r) => r.id === 'images/bad')?.boxes.map((b) => b.cls), [0]);
});

test('a.jpg and a.png for one label: one is used, the other named and left out', async () => {
  assert.equal(pickSameStem(['/x/a.png', '/x/a.jpg', '/x/a.bmp']), '/x/a.jpg');
  assert.equal(pickSameStem(['/x/a.webp', '/x/a.PNG']), '/x/a.PNG');
  const y = await importDataset(join(MALFORMED_DIR, 'yolo-same-stem'));
  assert.deepEqual(recs(y).map((r) => r.file.slice(-7)).sort(), ['bad.jpg', 'ood.jpg']);
  assert.match(y.problems.find((p) => p.code === 'DS_IMAGE_SAME_STEM')?.message ?? '', /bad\.png and bad\.jpg share the label bad\.txt; it is used for bad\.jpg/);
  // VOC: the XML's <filename> decides.
  const v = await importDataset(join(MALFORMED_DIR, 'voc-same-stem'));
  assert.ok(recs(v).some((r) => r.file.endsWith('bad.png')));
  assert.ok(!recs(v).some((r) => r.file.endsWith('bad.jpg')));
});

test('a misnamed labels folder is found and named; its images are not used as background', async () => {
  for (const n of ['label', 'Labels', 'lables', 'labeles', 'annotations', 'LABEL']) assert.ok(isNearMissLabelDir(n), n);
  for (const n of ['labels', 'images', 'val', 'train', 'masks']) assert.ok(!isNearMissLabelDir(n), n);
  assert.equal(editDistance('lables', 'labels'), 1);
  assert.equal(editDistance('label', 'labels'), 1);
  const ds = await importDataset(join(MALFORMED_DIR, 'yolo-labels-dir-misnamed'));
  assert.equal(recs(ds).length, 1, 'only the good image');
  const p = ds.problems.find((x) => x.code === 'DS_LABELS_DIR_MISNAMED');
  assert.equal(p?.params?.['count'], 2);
  assert.equal(p?.severity, 'error');
  assert.ok(!ds.problems.some((x) => x.code === 'DS_IMAGE_WITHOUT_LABEL' || x.code === 'DS_LABEL_WITHOUT_IMAGE'));
});

test('nc against names; all-empty labels are fatal with a sentence', async () => {
  assert.equal(yamlNcMismatch(2, ['a', 'b']), null);
  assert.equal(yamlNcMismatch(undefined, ['a']), null);
  assert.deepEqual(yamlNcMismatch(3, ['a', 'b']), { nc: '3', count: 2 });
  assert.deepEqual(yamlNcMismatch('two', ['a', 'b']), { nc: 'two', count: 2 });
  await assert.rejects(importDataset(join(MALFORMED_DIR, 'yolo-all-labels-empty-no-names')), (err: unknown) => {
    assert.ok(err instanceof KestrelError && err.code === 'DS_NO_BOXES');
    assert.match(err.message, /None of the 2 usable images .* has a box and no class names are given/);
    return true;
  });
});

test('problems are grouped by code, errors first, with the first files', () => {
  const root = resolve('/ds');
  const ps = [
    makeProblem('DS_IMAGE_WITHOUT_LABEL', resolve('/ds/images/a.jpg'), null, { expected: 'x' }),
    makeProblem('DS_FILE_EMPTY', resolve('/ds/images/b.jpg'), null),
    makeProblem('DS_FILE_EMPTY', resolve('/ds/images/c.jpg'), null),
    makeProblem('DS_FILE_EMPTY', resolve('/ds/images/d.jpg'), null),
  ];
  assert.deepEqual(groupProblems(ps).map((g) => [g.code, g.count]), [['DS_FILE_EMPTY', 3], ['DS_IMAGE_WITHOUT_LABEL', 1]]);
  assert.equal(problemsInOneLine(root, ps), 'DS_FILE_EMPTY 3x (images/b.jpg, images/c.jpg, ...); DS_IMAGE_WITHOUT_LABEL 1x (images/a.jpg)');
  const lines = formatProblemGroups(root, ps, 2);
  assert.equal(lines[0], 'DS_FILE_EMPTY (error, 3x)');
  assert.ok(lines.includes('  ... and 1 more'));
});

test('imageSkipReason: what the check skips, training skips with the same code', () => {
  assert.deepEqual(imageSkipReason({ ok: false, code: 'DS_IMAGE_TRUNCATED', reason: 'cut' }), { code: 'DS_IMAGE_TRUNCATED', reason: 'cut' });
  assert.equal(imageSkipReason({ ok: true, width: 1, height: 1, bytes: 1, hash: null }), null);
  assert.deepEqual(imageSkipReason(new KestrelError('DS_IMAGE_TRUNCATED', 'x', { file: 'a', reason: 'premature end' })), { code: 'DS_IMAGE_TRUNCATED', reason: 'premature end' });
  assert.deepEqual(imageSkipReason(new KestrelError('DS_NOT_A_FILE', 'x', { file: 'a', kind: 'pipe' })), { code: 'DS_NOT_A_FILE', reason: 'pipe' });
  assert.equal(imageSkipReason(new KestrelError('OUT_OF_MEMORY', 'x')), null);
  assert.equal(imageSkipReason(new Error('boom')), null);
});

test('allowNoBoxes lets prediction read an unlabelled dataset; a cancelled walk stops', async () => {
  const ds = await importDataset(join(MALFORMED_DIR, 'yolo-all-labels-empty-no-names'), { allowNoBoxes: true });
  assert.equal(recs(ds).length, 2);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(importDataset(join(MALFORMED_DIR, 'yolo-columns'), { signal: ac.signal }), (err: unknown) => err instanceof KestrelError && err.code === 'DS_IMPORT_CANCELLED');
});

test('COCO: one file under two ids is one image with the boxes of both', async () => {
  const { makeTree, img } = await import('./helpers');
  const doc = {
    images: [
      { id: 1, file_name: 'a.jpg', width: 64, height: 48 },
      { id: 9, file_name: 'a.jpg', width: 64, height: 48 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 10, 10] },
      { id: 2, image_id: 9, category_id: 1, bbox: [20, 20, 10, 10] },
    ],
    categories: [{ id: 1, name: 'a' }],
  };
  const t = await makeTree({ 'images/a.jpg': img(1), 'annotations.json': JSON.stringify(doc) });
  try {
    const ds = await importDataset(join(t.dir, 'annotations.json'));
    assert.equal(recs(ds).length, 1);
    assert.equal(recs(ds)[0]?.boxes.length, 2);
  } finally {
    await t.cleanup();
  }
});
