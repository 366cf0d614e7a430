// The file-system fault classifier: every errno class a user can meet maps to its own code
// with a sentence (never INTERNAL), real faults (an output path that is a file) are classified
// from the real Node errors, and ensureWritableFolder leaves nothing behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { classifyFsError, ensureWritableFolder, freeBytesOf, fsErrorCode, rethrowFsError } from '../../../electron/engine/runs/fs-errors';
import { KestrelError } from '../../../electron/shared/errors';
import { messages } from '../../../electron/shared/messages/index';

const root = mkdtempSync(join(tmpdir(), 'kestrel-fs-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));

function errno(code: string, path = '/x/tmp.bin'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake, open '${path}'`), { code, path, syscall: 'open' });
}

const TABLE: Array<[string, string, RegExp]> = [
  ['EROFS', 'FS_READ_ONLY', /read-only drive/],
  ['EACCES', 'FS_NO_PERMISSION', /may not write/],
  ['EPERM', 'FS_NO_PERMISSION', /may not write/],
  ['ENOTDIR', 'FS_NOT_A_FOLDER', /is a file/],
  ['EISDIR', 'FS_IS_A_FOLDER', /is a folder/],
  ['ENOSPC', 'FS_DISK_FULL', /is full/],
  ['EDQUOT', 'FS_DISK_FULL', /is full/],
  ['ENAMETOOLONG', 'FS_PATH_TOO_LONG', /too long/],
  ['ENOENT', 'FS_NOT_FOUND', /does not exist/],
  ['EIO', 'FS_IO_ERROR', /read\/write error \(EIO\)/],
  ['ESTALE', 'FS_IO_ERROR', /reconnect/],
  ['EMFILE', 'FS_TOO_MANY_FILES', /open files/],
  ['EBUSY', 'FS_BUSY', /in use/],
  ['EWEIRD', 'FS_FAILED', /EWEIRD/],
];

test('each errno class gets its own code and a sentence naming the user folder, not the temp file', () => {
  for (const [code, expected, sentence] of TABLE) {
    const e = classifyFsError(errno(code), { path: '/data/runs/r1', op: 'write' });
    assert.equal(e.code, expected, code);
    assert.match(e.message, sentence, code);
    assert.match(e.message, /\/data\/runs\/r1/, code);
    assert.doesNotMatch(e.message, /tmp\.bin|INTERNAL/, code);
    assert.ok(messages.en[expected] && messages.zh[expected], `${expected} has en and zh`);
  }
});

test('a full disk says how much the next write needs when the caller knows', () => {
  const e = classifyFsError(errno('ENOSPC'), { path: '/runs/r1/weights/last', neededBytes: 48.2 * 2 ** 20, freeBytes: 1024 });
  assert.equal(e.code, 'FS_DISK_FULL_NEED');
  assert.match(e.message, /needs about 49 MiB/);
  assert.match(e.message, /last good checkpoint was kept/);
  assert.equal(e.details?.['freeBytes'], 1024);
});

test('EEXIST means "a file is in the way" only when making a folder', () => {
  assert.equal(fsErrorCode('EEXIST', { op: 'mkdir' }), 'FS_NOT_A_FOLDER');
  assert.equal(fsErrorCode('EEXIST', { op: 'write' }), 'FS_FAILED');
});

test('real faults: an output path that is a file, or lies under one', async () => {
  const file = join(root, 'not-a-folder');
  writeFileSync(file, 'x');
  for (const target of [file, join(file, 'runs')]) {
    await assert.rejects(ensureWritableFolder(target), (err: unknown) => err instanceof KestrelError && err.code === 'FS_NOT_A_FOLDER');
  }
  const isDir = join(root, 'a-folder');
  await mkdir(isDir);
  const e = await writeFile(isDir, 'x').then(
    () => null,
    (err: unknown) => classifyFsError(err, { path: isDir }),
  );
  assert.equal(e?.code, 'FS_IS_A_FOLDER');
});

test('ensureWritableFolder creates the folder and leaves no probe file', async () => {
  const dir = join(root, 'out', 'deeper');
  await ensureWritableFolder(dir);
  assert.deepEqual(readdirSync(dir), []);
});

test('KestrelErrors pass through; non-file-system errors are rethrown, not disguised', () => {
  const k = new KestrelError('X', 'y');
  assert.equal(classifyFsError(k, { path: '/p' }), k);
  assert.throws(() => rethrowFsError(new TypeError('bug'), { path: '/p' }), TypeError);
  assert.throws(() => rethrowFsError(errno('EROFS'), { path: '/p' }), (err: unknown) => err instanceof KestrelError && err.code === 'FS_READ_ONLY');
});

test('freeBytesOf reports a number for an existing folder and null for a missing one', async () => {
  const free = await freeBytesOf(root);
  assert.ok(free !== null && free > 0);
  assert.equal(await freeBytesOf(join(root, 'missing', 'deep')), null);
});
