// Files dropped on Try it: images within the limits go to the model, the rest are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leftOut, sortDrop, toBase64 } from '../../renderer/src/lib/try-drop';
import { TRY_DROP_MAX_BYTES, TRY_DROP_MAX_FILES } from '../../electron/shared/schemas/ipc/predict';

test('a drop keeps images in order, leaves out the rest with the reason', () => {
  const files = [
    { name: 'a.JPG', size: 10 },
    { name: 'notes.txt', size: 10 },
    { name: 'huge.png', size: TRY_DROP_MAX_BYTES + 1 },
    { name: 'b.webp', size: 10 },
  ];
  const s = sortDrop(files);
  assert.deepEqual(s, { accepted: [0, 3], notImages: ['notes.txt'], tooLarge: ['huge.png'], overLimit: [] });
  assert.equal(leftOut(s), 2);
});

test('at most TRY_DROP_MAX_FILES images per drop', () => {
  const many = Array.from({ length: TRY_DROP_MAX_FILES + 2 }, (_, i) => ({ name: `p${i}.png`, size: 1 }));
  const s = sortDrop(many);
  assert.equal(s.accepted.length, TRY_DROP_MAX_FILES);
  assert.deepEqual(s.overLimit, [`p${TRY_DROP_MAX_FILES}.png`, `p${TRY_DROP_MAX_FILES + 1}.png`]);
});

test('base64 of large byte arrays, the same as Node says', () => {
  const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) & 255);
  assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
  assert.equal(toBase64(new Uint8Array()), '');
});
