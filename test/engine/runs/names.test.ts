// assertRunName's coded errors and runNameFrom's repair of free text (dataset folder names)
// into a usable run name, over a generated set of awkward inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRunName, checkRunName, runNameFrom, RUN_NAME_MAX } from '../../../electron/engine/runs/names';
import { KestrelError } from '../../../electron/shared/errors';

test('assertRunName returns a good name and throws a coded sentence for a bad one', () => {
  assert.equal(assertRunName('defects-v2'), 'defects-v2');
  const cases: Array<[string, string, RegExp]> = [
    ['CON', 'RUN_NAME_RESERVED', /"CON" is a device name Windows reserves \(CON\)/],
    ['nul.txt', 'RUN_NAME_RESERVED', /reserves \(NUL\).*"NUL-run"/],
    ['run.', 'RUN_NAME_TRAILING', /ends with a \./],
    ['a/b', 'RUN_NAME_BAD_CHAR', /contains "\/"/],
    ['', 'RUN_NAME_EMPTY', /empty/],
    ['x'.repeat(65), 'RUN_NAME_TOO_LONG', /65 characters long; at most 64/],
  ];
  for (const [name, code, message] of cases) {
    assert.throws(
      () => assertRunName(name),
      (err: unknown) => err instanceof KestrelError && err.code === code && message.test(err.message),
      name,
    );
  }
});

test('a megabyte of text is refused with a short message', () => {
  try {
    assertRunName('z'.repeat(1 << 20));
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof KestrelError);
    assert.ok(err.message.length < 300, `message is ${err.message.length} characters`);
  }
});

test('runNameFrom always yields a valid name, keeping what it can', () => {
  assert.equal(runNameFrom('neu-det'), 'neu-det');
  assert.equal(runNameFrom('CON'), 'CON-run');
  assert.equal(runNameFrom('aux.data'), 'aux-run.data');
  assert.equal(runNameFrom('my data: v2?'), 'my data- v2-');
  assert.equal(runNameFrom('...'), 'run');
  assert.equal(runNameFrom('数据集.'), '数据集');
  const awkward = ['', ' ', '.', '..', 'NUL ', 'lpt9.tar', '<>:"|?*', 'a'.repeat(500), '-x-', '😀😀', 'com1.', 'x\0y', ' . . '];
  for (const text of awkward) {
    const name = runNameFrom(text);
    assert.equal(checkRunName(name), null, `${JSON.stringify(text)} -> ${JSON.stringify(name)}`);
    assert.ok(name.length <= RUN_NAME_MAX);
  }
});
