import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../electron/cli/commands/dataset';
import { DatasetReportSchema } from '../../electron/shared/schemas/dataset-report';
import { MALFORMED_DIR } from '../fixtures/make-malformed';
import { NEU_DET } from '../engine/data/helpers';
import { captureIO as capture } from '../helpers/cli';

test('kestrel dataset check: readable report with problems grouped by code', async () => {
  const io = capture();
  const code = await run(['check', join(MALFORMED_DIR, 'yolo-class-out-of-range')], io);
  assert.equal(code, 1, 'errors found -> exit 1');
  const text = io.stdout.join('\n');
  assert.match(text, /Images: 2 found, 1 usable, 1 skipped/);
  assert.match(text, /^train\s+1\s+1\s+0$/m);
  assert.match(text, /^DS_CLASS_OUT_OF_RANGE \(error, 1x\)$/m);
  assert.match(text, /labels\/bad\.txt:1 {2}Class 5 is not among the 2 class names/);
  assert.match(text, /what to do: Add the missing class/);
});

test('kestrel dataset check --json prints the report schema; warnings only -> exit 0', async () => {
  const io = capture();
  const code = await run(['check', join(MALFORMED_DIR, 'yolo-duplicate-box'), '--json', '--imgsz', '320'], io);
  assert.equal(code, 0);
  const report = DatasetReportSchema.parse(JSON.parse(io.stdout.join('')));
  assert.equal(report.smallObjects.imgsz, 320);
  assert.equal(report.problemCounts['DS_BOX_DUPLICATE'], 1);
});

test('kestrel dataset: bad path, bad flags and missing arguments exit 2 with a clear message', async () => {
  let io = capture();
  assert.equal(await run(['check', '/no/such/dataset'], io), 2);
  assert.match(io.stderr.join(''), /DS_NOT_FOUND: The dataset path \/no\/such\/dataset does not exist/);
  io = capture();
  assert.equal(await run(['check', join(MALFORMED_DIR, 'empty-folder')], io), 2);
  assert.match(io.stderr.join(''), /DS_FORMAT_UNKNOWN/);
  io = capture();
  assert.equal(await run(['check', MALFORMED_DIR, '--imgsz', 'big'], io), 2);
  assert.match(io.stderr.join(''), /--imgsz must be a whole number/);
  io = capture();
  assert.equal(await run(['check'], io), 2);
  assert.match(io.stderr.join(''), /Give the dataset path/);
  io = capture();
  assert.equal(await run(['frobnicate', 'x'], io), 2);
  io = capture();
  assert.equal(await run(['check', 'x', '--nope'], io), 2);
  io = capture();
  assert.equal(await run(['--help'], io), 0);
  assert.match(io.stdout.join(''), /kestrel dataset check PATH/);
});

test('kestrel dataset check on NEU-DET', { skip: existsSync(NEU_DET) ? false : `NEU-DET not found at ${NEU_DET}` }, async () => {
  const io = capture();
  assert.equal(await run(['check', NEU_DET], io), 0);
  const text = io.stdout.join('\n');
  assert.match(text, /Images: 1800 found, 1800 usable, 0 skipped; 4189 boxes/);
  assert.match(text, /DS_BOX_DUPLICATE \(warning, 3x\)/);
  assert.match(text, /DS_IMAGE_DUPLICATE \(warning, 1x\)/);
  assert.match(text, /images\/patches_105\.jpg {2}The image has the same content as images\/patches_101\.jpg/);
});

test('kestrel dataset check: a dataset with nothing usable names its problems, grouped, with files', async () => {
  const io = capture();
  assert.equal(await run(['check', join(MALFORMED_DIR, 'yolo-labels-dir-misnamed-all')], io), 2);
  const err = io.stderr.join('\n');
  assert.match(err, /^error DS_NO_USABLE_IMAGES: Nothing usable remains/);
  assert.match(err, /The problems: DS_LABELS_DIR_MISNAMED 1x \(label\)/);
  assert.match(err, /^DS_LABELS_DIR_MISNAMED \(error, 1x\)$/m);
  assert.match(err, /^ {2}what to do: Rename the folders/m);
  assert.match(err, /^ {2}label {2}2 images have no label where Kestrel looks \(labels\/\), but the folder "label\/" holds/m);
  assert.doesNotMatch(err, /kestrel dataset check/);
  // Empty labels everywhere: an error before any training, not a pass.
  const io2 = capture();
  assert.equal(await run(['check', join(MALFORMED_DIR, 'yolo-all-labels-empty-no-names')], io2), 2);
  assert.match(io2.stderr.join('\n'), /error DS_NO_BOXES: None of the 2 usable images/);
});

test('kestrel dataset check: nc disagreeing with names fails the check (exit 1) and is named', async () => {
  const io = capture();
  assert.equal(await run(['check', join(MALFORMED_DIR, 'yaml-nc-more-than-names', 'data.yaml')], io), 1);
  assert.match(io.stdout.join('\n'), /^DS_YAML_NC_MISMATCH \(error, 1x\)$/m);
  assert.match(io.stdout.join('\n'), /The YAML says nc: 3 but lists 2 names/);
});
