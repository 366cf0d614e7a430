// Errors in the UI's language: the Chinese sentence when its figures came along, the English
// sentence read back into its figures otherwise, and never a template with {holes}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText } from '../../renderer/src/lib/error-text';
import { messages } from '../../electron/shared/messages/index';
import { fillTemplate } from '../../electron/shared/reason';

test('English is the sentence main sent', () => {
  assert.equal(errorText({ code: 'APP_RUN_NOT_FOUND', message: 'There is no run "x" in /r.' }, 'en'), 'There is no run "x" in /r.');
});

test('Chinese from the code and its figures', () => {
  const params = { existing: 'images/val/v.png', file: '/runs/r/dropped/v.png' };
  const message = fillTemplate(messages.en['LABELS_ALREADY_IN_DATASET']!, params);
  const zh = errorText({ code: 'LABELS_ALREADY_IN_DATASET', message, params }, 'zh');
  assert.equal(zh, fillTemplate(messages.zh['LABELS_ALREADY_IN_DATASET']!, params));
  assert.match(zh, /images\/val\/v\.png/);
});

test('figures missing: the English sentence is read back, or shown as sent, never with {holes}', () => {
  const message = fillTemplate(messages.en['LABELS_DATASET_NOT_OPEN']!, { path: '/data/pcb' });
  assert.equal(errorText({ code: 'LABELS_DATASET_NOT_OPEN', message }, 'zh'), fillTemplate(messages.zh['LABELS_DATASET_NOT_OPEN']!, { path: '/data/pcb' }));
  const odd = errorText({ code: 'LABELS_DATASET_NOT_OPEN', message: 'Something else entirely.' }, 'zh');
  assert.equal(odd, 'Something else entirely.');
  assert.doesNotMatch(odd, /\{\w+\}/);
  assert.equal(errorText({ code: 'NO_SUCH_CODE', message: 'As sent.' }, 'zh'), 'As sent.');
});
