// The CLI's dispatcher: --version, "did you mean" for a mistyped command, Ultralytics-style
// key=value arguments, and the exit codes of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance, main, normalizeKeyValueArgs } from '../../electron/cli/main';
import pkg from '../../package.json';
import { capture } from '../helpers/cli';

test('--version prints the package version and exits 0', async () => {
  const c = capture();
  assert.equal(await main(['--version'], c.io), 0);
  assert.equal(c.out.join(''), `kestrel ${pkg.version}`);
});

test('a mistyped command gets a suggestion and exit code 2', async () => {
  const c = capture();
  assert.equal(await main(['trian'], c.io), 2);
  assert.match(c.err.join(''), /Unknown command "trian"\. Did you mean "kestrel train"\?/);
  const d = capture();
  assert.equal(await main(['zzzzzz'], d.io), 2);
  assert.doesNotMatch(d.err.join(''), /Did you mean/);
});

test('closest and editDistance', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('trian', 'train'), 1);
  assert.equal(closest('predcit', ['predict', 'plan', 'train']), 'predict');
  assert.equal(closest('exp', ['export', 'plan']), 'export');
  assert.equal(closest('hello', ['predict', 'plan', 'train']), null);
});

test('key=value arguments become flags; paths and plain words are kept', () => {
  assert.deepEqual(normalizeKeyValueArgs(['data=../x/data.yaml', 'epochs=30', 'model=n']), ['--data', '../x/data.yaml', '--epochs', '30', '--model', 'n']);
  assert.deepEqual(normalizeKeyValueArgs(['json_events=true']), ['--json-events', 'true']);
  assert.deepEqual(normalizeKeyValueArgs(['check', './a=b/folder', '--imgsz', '320']), ['check', './a=b/folder', '--imgsz', '320']);
});

test('kestrel plan accepts key=value like its flags', async () => {
  const a = capture();
  const b = capture();
  assert.equal(await main(['plan', 'imgsz=224', 'epochs=10', 'train-images=1416', 'classes=6', '--json'], a.io), 0);
  assert.equal(await main(['plan', '--imgsz', '224', '--epochs', '10', '--train-images', '1416', '--classes', '6', '--json'], b.io), 0);
  const pa = JSON.parse(a.out.join('')) as { plan?: { totalSteps: number } } & { totalSteps?: number };
  const pb = JSON.parse(b.out.join('')) as { plan?: { totalSteps: number } } & { totalSteps?: number };
  assert.equal(pa.plan?.totalSteps ?? pa.totalSteps, pb.plan?.totalSteps ?? pb.totalSteps);
  assert.ok((pa.plan?.totalSteps ?? pa.totalSteps ?? 0) > 0);
});
