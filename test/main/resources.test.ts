// Main points the engine at the shipped resources (pretrained weights, label font): in the
// packaged app they sit in process.resourcesPath/resources (electron-builder.yml extraResources),
// beside the sources otherwise; a variable already set is left alone.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { FONT_FILE, resourceEnv } from '../../electron/main/resources';
import { FONT_FILE_NAME } from '../../electron/engine/predict/annotate';

const ROOT = resolve(import.meta.dirname, '../..');

test('the packaged app finds the pretrained weights and the font in its resources folder', () => {
  const res = join('/opt', 'Kestrel', 'resources');
  assert.deepEqual(resourceEnv({ packaged: true, resourcesPath: res, appPath: join(res, 'app.asar') }, {}), {
    KESTREL_PRETRAINED_DIR: join(res, 'resources', 'pretrained'),
    KESTREL_FONT_FILE: join(res, 'resources', 'fonts', FONT_FILE_NAME),
  });
});

test('unpackaged, they are the source tree\'s resources; a variable already set wins', () => {
  const env = resourceEnv({ packaged: false, resourcesPath: '/electron/resources', appPath: ROOT }, { KESTREL_PRETRAINED_DIR: '/mine' });
  assert.deepEqual(env, { KESTREL_FONT_FILE: join(ROOT, 'resources', 'fonts', FONT_FILE_NAME) });
  assert.ok(existsSync(env['KESTREL_FONT_FILE']!), 'the font main names is the one shipped');
  assert.equal(FONT_FILE, FONT_FILE_NAME);
});
