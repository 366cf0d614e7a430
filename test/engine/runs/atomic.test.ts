// Atomic writes leave nothing half-done behind: a failed file write removes its temp file, a
// failed folder swap puts the old folder back and removes the temp one, and a checkpoint that
// cannot be written is a coded FS_* error saying how many bytes it needs and how many are free.
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { replaceDirAtomic, writeFileAtomic } from '../../../electron/engine/runs/atomic';
import { saveCheckpoint, type ModelMeta } from '../../../electron/engine/runs/checkpoint';
import { KestrelError } from '../../../electron/shared/errors';
import { tempDir } from '../train/helpers';

const tmp = tempDir('kestrel-atomic-');
after(() => tmp.cleanup());

const realRename = fsp.rename;
const realMkdir = fsp.mkdir;
afterEach(() => {
  fsp.rename = realRename;
  fsp.mkdir = realMkdir;
  syncBuiltinESMExports();
});

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall}`), { code, syscall });
}

test('writeFileAtomic: a failed rename removes the temp file and keeps the old file', async () => {
  const dir = join(tmp.dir, 'file');
  mkdirSync(dir);
  const file = join(dir, 'a.json');
  writeFileSync(file, 'old');
  fsp.rename = async () => {
    throw errno('EIO', 'rename');
  };
  syncBuiltinESMExports();
  await assert.rejects(writeFileAtomic(file, 'new'), /EIO/);
  assert.deepEqual(readdirSync(dir), ['a.json']);
  assert.equal(readFileSync(file, 'utf8'), 'old');
});

test('writeFileAtomic: a target that is a folder fails without leaving a temp file', async () => {
  const dir = join(tmp.dir, 'isdir');
  mkdirSync(join(dir, 'a.json'), { recursive: true });
  await assert.rejects(writeFileAtomic(join(dir, 'a.json'), 'x'));
  assert.deepEqual(readdirSync(dir), ['a.json']);
});

test('replaceDirAtomic: when the final rename fails the old folder is back and the temp one is gone', async () => {
  const parent = join(tmp.dir, 'swap');
  const dir = join(parent, 'last');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), 'old');
  fsp.rename = async (from, to) => {
    if (String(from).includes('.tmp-')) throw errno('EXDEV', 'rename');
    return realRename(from, to);
  };
  syncBuiltinESMExports();
  await assert.rejects(replaceDirAtomic(dir, async (t) => fsp.writeFile(join(t, 'meta.json'), 'new')), /EXDEV/);
  assert.deepEqual(readdirSync(parent), ['last']);
  assert.equal(readFileSync(join(dir, 'meta.json'), 'utf8'), 'old');
});

test('replaceDirAtomic: a failed fill removes the temp folder and keeps the old one', async () => {
  const parent = join(tmp.dir, 'fill');
  const dir = join(parent, 'best');
  mkdirSync(dir, { recursive: true });
  await assert.rejects(replaceDirAtomic(dir, async () => {
    throw errno('ENOSPC', 'write');
  }), /ENOSPC/);
  assert.deepEqual(readdirSync(parent), ['best']);
});

test('a checkpoint that does not fit the disk is FS_DISK_FULL_NEED with the bytes it needs and the free bytes', async () => {
  const dir = join(tmp.dir, 'ckpt', 'weights', 'last');
  mkdirSync(join(tmp.dir, 'ckpt', 'weights'), { recursive: true });
  fsp.mkdir = async () => {
    throw errno('ENOSPC', 'mkdir');
  };
  syncBuiltinESMExports();
  const ema = new Map([['w', tf.zeros([1000])]]);
  const meta = { classNames: ['a'], imgsz: 64, epoch: 0, step: 0, metrics: null } as unknown as ModelMeta;
  try {
    const err = await saveCheckpoint(dir, meta, { model: null as never, ema }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof KestrelError, String(err));
    assert.equal(err.code, 'FS_DISK_FULL_NEED');
    assert.equal(err.details?.['neededBytes'], 4000 + 64 * 1024);
    assert.equal(typeof err.details?.['freeBytes'], 'number');
    assert.match(err.message, /1 MiB|MiB/);
  } finally {
    tf.dispose([...ema.values()]);
  }
});
