// Images dropped on Try it: saved in the run folder under names that never collide, only image
// files accepted at the trust boundary, the same image endings as the engine reads.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DROPPED_DIR, dropNames, saveDropped } from '../../electron/app/predict';
import { IMAGE_EXTENSIONS } from '../../electron/engine/data/image';
import { contract } from '../../electron/shared/ipc-contract';
import { TRY_DROP_EXTENSIONS } from '../../electron/shared/schemas/ipc/predict';

const root = mkdtempSync(join(tmpdir(), 'kestrel-drop-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('dropNames keeps names and numbers repeats, case-blind', () => {
  assert.deepEqual(dropNames(['a.png', 'b.jpg', 'A.png', 'a.png', 'a-1.png']), ['a.png', 'b.jpg', 'A-1.png', 'a-2.png', 'a-1-1.png']);
  assert.deepEqual(dropNames([]), []);
});

test('saveDropped writes the bytes into <run>/dropped/<time>/ and returns that folder', async () => {
  const run = join(root, 'n96-run');
  const data = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]);
  const dir = await saveDropped(run, [{ name: 'part.jpg', data: data.toString('base64') }, { name: 'part.jpg', data: Buffer.from('x').toString('base64') }], new Date(Date.UTC(2025, 0, 2, 3, 4, 5)));
  assert.equal(dir, join(run, DROPPED_DIR, '2025-01-02T03-04-05-000Z'));
  assert.deepEqual(readdirSync(dir).sort(), ['part-1.jpg', 'part.jpg']);
  assert.deepEqual(readFileSync(join(dir, 'part.jpg')), data);
});

test('predict:tryFiles takes file names of images only, never paths', () => {
  const req = contract['predict:tryFiles'].req;
  const ok = (name: string) => req.safeParse({ runId: 'r1', files: [{ name, data: '' }] }).success;
  assert.equal(ok('scratch 01.JPG'), true);
  assert.equal(ok('a.webp'), true);
  for (const bad of ['../x.png', 'sub/x.png', 'C:x.png', 'a\\b.png', 'notes.txt', 'x.png\0.txt', '..']) assert.equal(ok(bad), false, bad);
  assert.equal(req.safeParse({ runId: 'r1', files: [] }).success, false, 'at least one file');
  assert.equal(req.safeParse({ runId: '../r', files: [{ name: 'a.png', data: '' }] }).success, false, 'a run name');
});

test('the drop accepts exactly the image endings the engine reads', () => {
  assert.deepEqual([...TRY_DROP_EXTENSIONS].sort(), [...IMAGE_EXTENSIONS].sort());
});
