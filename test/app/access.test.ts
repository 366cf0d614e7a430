// What the renderer may open: generated executable names (every listed extension, any case,
// Windows' trailing dots), mode bits, non-regular files, symlinks leading out of a run folder,
// paths outside the allowed roots, and path shapes (relative, NUL, oversized).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkOpenPath, EXECUTABLE_EXTENSIONS, hasExecutableExtension, isFsRoot, isInside, openRefusal, PathGrants, pathShapeProblem } from '../../electron/app/access';
import { KestrelError } from '../../electron/shared/errors';

const root = mkdtempSync(join(tmpdir(), 'kestrel-access-'));
after(() => rmSync(root, { recursive: true, force: true }));
const runs = join(root, 'runs');
const outside = join(root, 'outside');
mkdirSync(join(runs, 'r1', 'weights'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(runs, 'r1', 'metrics.csv'), 'epoch\n');
writeFileSync(join(runs, 'r1', 'setup.exe'), 'MZ');
writeFileSync(join(runs, 'r1', 'tool'), '#!/bin/sh\n');
chmodSync(join(runs, 'r1', 'tool'), 0o755);
writeFileSync(join(outside, 'secret.txt'), 'x');
writeFileSync(join(outside, 'evil.sh'), 'x');
symlinkSync(join(outside, 'secret.txt'), join(runs, 'r1', 'link.txt'));
symlinkSync(outside, join(runs, 'r1', 'escape'));
symlinkSync(join(runs, 'r1', 'metrics.csv'), join(runs, 'r1', 'metrics.exe'));

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'opened',
    (err: unknown) => (err instanceof KestrelError ? err.code : `raw ${String(err)}`),
  );

test('every executable extension is refused in any case, also with trailing dots or spaces', () => {
  let n = 0;
  for (const ext of EXECUTABLE_EXTENSIONS) {
    for (const name of [`a.${ext}`, `A.${ext.toUpperCase()}`, `x.y.${ext}`, `a.${ext}.`, `a.${ext} `, `C:\\dir\\b.${ext}`]) {
      assert.equal(hasExecutableExtension(name), true, name);
      assert.equal(openRefusal({ name, kind: 'file', mode: 0o644, platform: 'win32' }), 'executable', name);
      n++;
    }
  }
  assert.ok(n > 400);
  for (const name of ['metrics.csv', 'results.json', 'best', 'photo.JPG', 'exe', 'a.exe.txt', 'notes.md']) assert.equal(hasExecutableExtension(name), false, name);
});

test('mode bits make a file executable outside Windows; folders and devices are judged apart', () => {
  for (const mode of [0o100, 0o010, 0o001, 0o755]) {
    assert.equal(openRefusal({ name: 'tool', kind: 'file', mode, platform: 'linux' }), 'executable', mode.toString(8));
    assert.equal(openRefusal({ name: 'tool', kind: 'file', mode, platform: 'win32' }), null, mode.toString(8));
  }
  assert.equal(openRefusal({ name: 'r1', kind: 'dir', mode: 0o755, platform: 'linux' }), null);
  assert.equal(openRefusal({ name: 'Evil.app', kind: 'dir', mode: 0o755, platform: 'darwin' }), 'executable');
  assert.equal(openRefusal({ name: 'fifo', kind: 'other', mode: 0o644, platform: 'linux' }), 'not-a-file');
});

test('path shapes: relative, NUL bytes, empty and oversized paths are refused', () => {
  assert.equal(pathShapeProblem('/data/x'), null);
  assert.equal(pathShapeProblem('C:\\data\\x'), null);
  assert.equal(pathShapeProblem('\\\\server\\share\\x'), null);
  assert.equal(pathShapeProblem('data/x'), 'relative');
  assert.equal(pathShapeProblem('./x'), 'relative');
  assert.equal(pathShapeProblem('/a\0b'), 'nul');
  assert.equal(pathShapeProblem(''), 'empty');
  assert.equal(pathShapeProblem('/' + 'a'.repeat(5000)), 'too-long');
  assert.equal(isFsRoot('/'), true);
  assert.equal(isFsRoot('/data'), false);
  assert.equal(isInside('/a/b/../../etc', '/a'), false);
  assert.equal(isInside('/a/b', '/a'), true);
  assert.equal(isInside('/ab', '/a'), false);
});

test('grants hold only full paths and allow what lies under them', () => {
  const g = new PathGrants();
  g.grant('relative/path');
  g.grant('/data/set');
  assert.deepEqual(g.list(), ['/data/set']);
  assert.equal(g.allows('/data/set/images/a.jpg'), true);
  assert.equal(g.allows('/data/settings'), false);
  assert.equal(g.allows('/data/set/../other'), false);
  assert.equal(g.allows('/elsewhere', ['/elsewhere']), true);
});

test('opening: run folders and plain files inside them yes; executables, escapes and strangers no', async () => {
  const roots = [runs];
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1'), roots)), 'opened');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'metrics.csv'), roots)), 'opened');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'setup.exe'), roots)), 'APP_PATH_EXECUTABLE');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'tool'), roots, 'linux')), 'APP_PATH_EXECUTABLE');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'metrics.exe'), roots)), 'APP_PATH_EXECUTABLE');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'link.txt'), roots)), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', 'escape', 'evil.sh'), roots)), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'r1', '..', '..', 'outside', 'secret.txt'), roots)), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf(checkOpenPath(join(outside, 'secret.txt'), roots)), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf(checkOpenPath('/', roots)), 'APP_PATH_NOT_ALLOWED');
  assert.equal(await codeOf(checkOpenPath(join(runs, 'gone'), roots)), 'APP_PATH_NOT_FOUND');
  assert.equal(await codeOf(checkOpenPath('runs/r1', roots)), 'APP_PATH_INVALID');
  assert.equal(await codeOf(checkOpenPath(`${runs}\0/x`, roots)), 'APP_PATH_INVALID');
});

test('a FIFO inside a run folder is never opened (and never blocks)', { skip: process.platform === 'win32' ? 'FIFOs need a POSIX system' : false }, async () => {
  const fifo = join(runs, 'r1', 'pipe');
  execFileSync('mkfifo', [fifo]);
  assert.equal(await codeOf(checkOpenPath(fifo, [runs])), 'APP_PATH_NOT_ALLOWED');
});
