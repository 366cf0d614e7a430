// The one run-name rule: generated cases for every Windows-reserved device name with and
// without extensions, trailing dots and spaces, forbidden characters and lengths, and the
// IPC RunIdSchema agreeing with the rule case by case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRunName, RUN_NAME_MAX } from '../../electron/shared/run-name';
import { RunIdSchema } from '../../electron/shared/schemas/ipc/runs';
import { messages } from '../../electron/shared/messages/index';

const DEVICES = ['CON', 'PRN', 'AUX', 'NUL', ...Array.from({ length: 10 }, (_, i) => `COM${i}`), ...Array.from({ length: 10 }, (_, i) => `LPT${i}`), 'COM¹', 'LPT³'];
const SPELLINGS = (d: string) => [d, d.toLowerCase(), d[0] + d.slice(1).toLowerCase()];
const EXTENSIONS = ['', '.txt', '.tar.gz', '.run', ' .txt'];

test('every Windows device name is refused, in any case and with any extension', () => {
  let n = 0;
  for (const d of DEVICES) {
    for (const spelled of SPELLINGS(d)) {
      for (const ext of EXTENSIONS) {
        const name = spelled + ext;
        const p = checkRunName(name);
        assert.equal(p?.kind, 'RESERVED', `${name} -> ${JSON.stringify(p)}`);
        assert.equal(RunIdSchema.safeParse(name).success, false, name);
        n++;
      }
    }
  }
  assert.ok(n >= 300, `${n} reserved cases`);
});

test('names that merely contain a device name are fine', () => {
  for (const name of ['console', 'CONTROL', 'nul1x', 'com10', 'lpt', 'aux-run', 'run.con', 'my CON', 'COM1-a.txt']) {
    assert.equal(checkRunName(name), null, name);
    assert.equal(RunIdSchema.safeParse(name).success, true, name);
  }
});

test('trailing dots and spaces, leading dots, dashes and spaces are refused', () => {
  assert.deepEqual(checkRunName('run.'), { kind: 'TRAILING', char: '.' });
  assert.deepEqual(checkRunName('run '), { kind: 'TRAILING', char: 'space' });
  assert.deepEqual(checkRunName('run. .'), { kind: 'TRAILING', char: '.' });
  for (const name of ['.hidden', '..', '.', '-rf', ' run', '_x']) assert.equal(checkRunName(name)?.kind, 'BAD_START', name);
});

test('every character Windows or a shell path forbids is refused, anywhere in the name', () => {
  const forbidden = ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\n', '\t', '\x1f', '$', '%', '\u202e', '😀'];
  for (const ch of forbidden) {
    for (const name of [`a${ch}b`, `ab${ch}`]) {
      const p = checkRunName(name);
      assert.equal(p?.kind, 'BAD_CHAR', `${JSON.stringify(name)} -> ${JSON.stringify(p)}`);
      assert.equal(RunIdSchema.safeParse(name).success, false, JSON.stringify(name));
    }
  }
  // A NUL or a control character is named by its code point, never printed raw.
  assert.deepEqual(checkRunName('a\0b'), { kind: 'BAD_CHAR', char: 'U+0000' });
});

test('letters of any script, digits, dots, dashes, underscores and inner spaces are fine', () => {
  for (const name of ['n320-20250101-120000', 'scratches_v2.1', '划痕检测 第二轮', 'Größe-ä', 'a', 'run 2', '1']) {
    assert.equal(checkRunName(name), null, name);
  }
});

test('length is bounded: empty and over-long names are refused', () => {
  assert.deepEqual(checkRunName(''), { kind: 'EMPTY' });
  assert.equal(checkRunName('a'.repeat(RUN_NAME_MAX)), null);
  assert.deepEqual(checkRunName('a'.repeat(RUN_NAME_MAX + 1)), { kind: 'TOO_LONG', length: RUN_NAME_MAX + 1, max: RUN_NAME_MAX });
  assert.equal(checkRunName('a'.repeat(1_000_000))?.kind, 'TOO_LONG');
});

test('every refusal has an English and a Chinese sentence with the same placeholders', () => {
  const ph = (s: string | undefined) => [...(s ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const kind of ['EMPTY', 'TOO_LONG', 'RESERVED', 'TRAILING', 'BAD_START', 'BAD_CHAR']) {
    const code = `RUN_NAME_${kind}`;
    assert.ok(messages.en[code] && messages.zh[code], code);
    assert.deepEqual(ph(messages.zh[code]), ph(messages.en[code]), code);
  }
});
