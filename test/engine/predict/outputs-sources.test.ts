// The pure pieces of predict's input and output: --source parsing and globs, YOLO label lines,
// the CSV summary, unique output names and the progress line.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimOutputDir, csvField, csvSummary, formatDuration, formatProgress, progressDue, uniqueStems, yoloLabelText } from '../../../electron/engine/predict/outputs';
import { globToRegExp, parseSourceSpec, resolveSource } from '../../../electron/engine/predict/sources';
import { demoSet } from '../train/helpers';

test('parseSourceSpec takes a split suffix only when it names a split', () => {
  assert.deepEqual(parseSourceSpec('data.yaml:val'), { path: 'data.yaml', split: 'val' });
  assert.deepEqual(parseSourceSpec('C:\\data\\data.yaml'), { path: 'C:\\data\\data.yaml', split: null });
  assert.deepEqual(parseSourceSpec('C:\\d\\data.yaml:test'), { path: 'C:\\d\\data.yaml', split: 'test' });
  assert.deepEqual(parseSourceSpec('x:foo'), { path: 'x:foo', split: null });
});

test('globToRegExp: *, ?, **, [] and {}', () => {
  const m = (p: string, s: string) => globToRegExp(p).test(s);
  assert.ok(m('*.png', 'a.png') && !m('*.png', 'd/a.png') && !m('*.png', 'a.jpg'));
  assert.ok(m('**/*.png', 'a.png') && m('**/*.png', 'd/e/a.png'));
  assert.ok(m('img?.jpg', 'img1.jpg') && !m('img?.jpg', 'img12.jpg'));
  assert.ok(m('[ab].bmp', 'a.bmp') && !m('[ab].bmp', 'c.bmp') && m('[!ab].bmp', 'c.bmp'));
  assert.ok(m('*.{jpg,png}', 'x.png') && !m('*.{jpg,png}', 'x.bmp'));
  assert.ok(!m('a.png', 'aXpng'));
});

test('resolveSource: file, folder (recursive, images only), glob, and coded errors', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-src-'));
  try {
    await mkdir(join(root, 'd', 'e'), { recursive: true });
    await mkdir(join(root, 'd', '.hidden'), { recursive: true });
    for (const f of ['d/img10.png', 'd/img2.png', 'd/e/x.jpg', 'd/notes.txt', 'd/.hidden/y.png']) await writeFile(join(root, f), 'x');
    assert.deepEqual((await resolveSource(join(root, 'd'))).files, [join(root, 'd/e/x.jpg'), join(root, 'd/img2.png'), join(root, 'd/img10.png')]);
    assert.deepEqual(await resolveSource(join(root, 'd/notes.txt')), { kind: 'file', files: [join(root, 'd/notes.txt')] });
    assert.deepEqual((await resolveSource(join(root, 'd/*.png'))).files, [join(root, 'd/img2.png'), join(root, 'd/img10.png')]);
    assert.deepEqual((await resolveSource(join(root, 'd/**/*.jpg'))).files, [join(root, 'd/e/x.jpg')]);
    await assert.rejects(resolveSource(join(root, 'missing')), { code: 'PREDICT_SOURCE_NOT_FOUND' });
    await assert.rejects(resolveSource(join(root, 'd/*.webp')), { code: 'PREDICT_NO_IMAGES' });
    await mkdir(join(root, 'empty'));
    await assert.rejects(resolveSource(join(root, 'empty')), { code: 'PREDICT_NO_IMAGES' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('yoloLabelText writes normalised centre/size lines without scores', () => {
  assert.equal(yoloLabelText([{ x1: 10, y1: 20, x2: 30, y2: 60, score: 0.9, cls: 2 }], 100, 200), '2 0.200000 0.200000 0.200000 0.200000\n');
  assert.equal(yoloLabelText([], 10, 10), '');
});

test('csvSummary: one column per class, skipped rows, quoting and formula guard', () => {
  const csv = csvSummary(
    [
      { file: 'a,b.png', width: 10, height: 20, verdict: 'NG', counts: [1, 2], maxScore: 0.91234, ms: 12.4, error: null },
      { file: '=cmd.png', width: null, height: null, verdict: 'SKIPPED', counts: [], maxScore: null, ms: null, error: 'DS_FILE_EMPTY' },
    ],
    ['划痕', 'dent'],
  );
  assert.equal(
    csv,
    'file,width,height,verdict,detections,划痕,dent,max_score,ms,error\r\n"a,b.png",10,20,NG,3,1,2,0.9123,12,\r\n\'=cmd.png,,,SKIPPED,,,,,,DS_FILE_EMPTY\r\n',
  );
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
});

test('uniqueStems keeps names and numbers repeats', () => {
  assert.deepEqual(uniqueStems(['/a/x.png', '/b/x.jpg', '/c/X.bmp', '/d/y z.png']), ['x', 'x-2', 'X-3', 'y_z']);
});

test('progress line, durations and when to print', () => {
  assert.equal(formatProgress(25, 100, 10_000, 10), '[###.......] 25/100 25%  2.5 img/s  ETA 30s');
  assert.equal(formatProgress(0, 10, 0, 4), '[....] 0/10 0%  0.0 img/s  ETA --');
  assert.equal(formatDuration(75), '1m15s');
  assert.equal(formatDuration(3700), '1h01m');
  // not a TTY: every 10% (here every 10 images of 100) or every 10 s, and the end
  assert.equal(progressDue(false, 9, 100, 1000, { ms: 0, done: 0 }), false);
  assert.equal(progressDue(false, 10, 100, 1000, { ms: 0, done: 9 }), true);
  assert.equal(progressDue(false, 11, 100, 10_500, { ms: 0, done: 10 }), true);
  assert.equal(progressDue(false, 100, 100, 1, { ms: 0, done: 99 }), true);
  assert.equal(progressDue(true, 5, 100, 150, { ms: 0, done: 4 }), false);
  assert.equal(progressDue(true, 5, 100, 250, { ms: 0, done: 4 }), true);
});

test('claimOutputDir never reuses a folder with files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-out-'));
  try {
    assert.equal(await claimOutputDir(join(root, 'o')), join(root, 'o'));
    assert.equal(await claimOutputDir(join(root, 'o')), join(root, 'o')); // still empty
    await writeFile(join(root, 'o', 'f'), 'x');
    assert.equal(await claimOutputDir(join(root, 'o')), join(root, 'o-2'));
    assert.equal(await claimOutputDir(join(root, 'o')), join(root, 'o-3')); // o-2 was claimed by the call before
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('resolveSource: an unlabelled dataset is a source (no DS_NO_BOXES); folders walk loop-safe, regular files only', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kestrel-src-nolabels-'));
  try {
    const demo = await demoSet();
    await mkdir(join(root, 'images', 'val'), { recursive: true });
    await mkdir(join(root, 'images', 'train'), { recursive: true });
    for (const f of ['demo_04.jpg', 'demo_09.jpg']) await copyFile(join(demo, 'images', 'val', f), join(root, 'images', 'val', f));
    await copyFile(join(demo, 'images', 'train', 'demo_00.jpg'), join(root, 'images', 'train', 'demo_00.jpg'));
    await writeFile(join(root, 'data.yaml'), 'train: images/train\nval: images/val\nnames:\n  - scratch\n');
    const src = await resolveSource(`${join(root, 'data.yaml')}:val`);
    assert.equal(src.kind, 'dataset');
    assert.deepEqual(src.files.map((f) => f.slice(root.length + 1)).sort(), ['images/val/demo_04.jpg', 'images/val/demo_09.jpg']);
    // A folder linked into itself is walked once; a link to an image is listed at its real path once.
    await symlink(join(root, 'images'), join(root, 'images', 'val', 'loop'));
    const folder = await resolveSource(join(root, 'images'));
    assert.deepEqual(folder.files.map((f) => f.slice(root.length + 1)), ['images/train/demo_00.jpg', 'images/val/demo_04.jpg', 'images/val/demo_09.jpg']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
