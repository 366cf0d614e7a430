// The bounded folder walk and the regular-file reader: loops, links, limits and FIFOs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { KestrelError } from '../../../electron/shared/errors';
import { walkTree } from '../../../electron/engine/data/import/walk';
import { NotAFileError, readRegularText } from '../../../electron/engine/data/import/safe-read';
import { decodeImage, probeImage } from '../../../electron/engine/data/image';
import { makeTree } from './helpers';

const skip = process.platform === 'win32' ? 'FIFOs and links need a POSIX system' : false;

test('walkTree lists real files once: links to walked folders and files are skipped and noted', { skip }, async () => {
  const { dir, cleanup } = await makeTree({ 'a/x.txt': 'x', 'b/y.txt': 'y', 'c.txt': 'c' });
  try {
    await symlink('..', join(dir, 'a', 'up'));
    await symlink('x.txt', join(dir, 'a', 'x-again.txt'));
    await symlink('b', join(dir, 'a-b'));
    await symlink('gone', join(dir, 'dangling.txt'));
    const r = await walkTree(dir);
    assert.deepEqual(r.files.map((f) => relative(dir, f)), ['a/x.txt', 'b/y.txt', 'c.txt']);
    assert.deepEqual(r.notes.map((n) => [n.code, relative(dir, n.file)]).sort(), [
      ['DS_LINK_SKIPPED', 'a-b'],
      ['DS_LINK_SKIPPED', 'a/up'],
      ['DS_LINK_SKIPPED', 'a/x-again.txt'],
    ]);
  } finally {
    await cleanup();
  }
});

test('walkTree follows a link to a folder outside the tree once', { skip }, async () => {
  const outside = await makeTree({ 'shared/p.jpg': 'p' });
  const { dir, cleanup } = await makeTree({ 'own/q.jpg': 'q' });
  try {
    await symlink(join(outside.dir, 'shared'), join(dir, 'linked'));
    await symlink(join(outside.dir, 'shared'), join(dir, 'linked-again'));
    const r = await walkTree(dir);
    assert.deepEqual(r.files.map((f) => relative(dir, f)), ['linked/p.jpg', 'own/q.jpg']);
    assert.deepEqual(r.notes.map((n) => n.code), ['DS_LINK_SKIPPED']);
  } finally {
    await cleanup();
    await outside.cleanup();
  }
});

test('walkTree stops at the file, depth and time limits and says where', async () => {
  const { dir, cleanup } = await makeTree(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i % 3}/f${String(i).padStart(2, '0')}.txt`, 'x'])));
  try {
    const many = await walkTree(dir, { maxFiles: 12, maxDepth: 10, maxMs: 60_000 });
    assert.equal(many.files.length, 12);
    assert.deepEqual(many.notes.map((n) => n.code), ['DS_WALK_TOO_MANY_FILES']);
    assert.equal(many.notes[0]?.params['at'], 'd1/f07.txt');
    const shallow = await walkTree(dir, { maxFiles: 100, maxDepth: 0, maxMs: 60_000 });
    assert.deepEqual(shallow.files, []);
    assert.deepEqual(shallow.notes.map((n) => [n.code, relative(dir, n.file)]), [['DS_WALK_TOO_DEEP', 'd0']]);
    // A clock that jumps 10 s per reading: the walk gives up after the first folder.
    let t = 0;
    const slow = await walkTree(dir, { maxFiles: 100, maxDepth: 10, maxMs: 15_000 }, () => (t += 10_000));
    assert.deepEqual(slow.notes.map((n) => [n.code, n.params['seconds']]), [['DS_WALK_TIMEOUT', 15]]);
    assert.ok(slow.files.length < 30);
  } finally {
    await cleanup();
  }
});

test('FIFOs are never opened: readers and image decoding answer at once with DS_NOT_A_FILE', { skip }, async () => {
  const { dir, cleanup } = await makeTree({ 'keep.txt': 'k' });
  try {
    const fifo = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(readRegularText(fifo), (err: unknown) => err instanceof NotAFileError && err.kind === 'pipe');
    await assert.rejects(readRegularText(dir), (err: unknown) => err instanceof NotAFileError && err.kind === 'folder');
    await assert.rejects(decodeImage(fifo), (err: unknown) => err instanceof KestrelError && err.code === 'DS_NOT_A_FILE');
    assert.deepEqual(await probeImage(fifo, 'full'), { ok: false, code: 'DS_NOT_A_FILE', reason: 'pipe' });
    const r = await walkTree(dir);
    assert.deepEqual(r.files.map((f) => relative(dir, f)), ['keep.txt']);
    assert.deepEqual(r.notes.map((n) => [n.code, n.params['kind']]), [['DS_NOT_A_FILE', 'pipe']]);
  } finally {
    await cleanup();
  }
});

test('walkTree over a system tree (/usr) stops at its limits, quickly, with a note', { skip: existsSync('/usr/lib') ? false : 'no /usr here' }, async () => {
  const t0 = Date.now();
  const r = await walkTree('/usr', { maxFiles: 3000, maxDepth: 24, maxMs: 20_000 });
  assert.ok(Date.now() - t0 < 25_000, 'bounded in time');
  assert.ok(r.files.length <= 3000);
  assert.ok(r.notes.some((n) => n.code === 'DS_WALK_TOO_MANY_FILES' || n.code === 'DS_WALK_TIMEOUT'), JSON.stringify(r.notes.slice(0, 3)));
});
