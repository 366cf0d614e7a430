// The predict message domain: every code in English and Chinese with the same placeholders,
// registered in the catalogue, and every reason predict's decisions produce resolves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideTiling } from '../../../electron/engine/predict/tiles';
import { messages } from '../../../electron/shared/messages/index';
import { predictMessages } from '../../../electron/shared/messages/predict';
import { formatReason, reason } from '../../../electron/shared/reason';

test('predict messages: en and zh cover the same codes and placeholders, and are registered', () => {
  const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(predictMessages.zh).sort(), Object.keys(predictMessages.en).sort());
  for (const [code, en] of Object.entries(predictMessages.en)) {
    assert.deepEqual(holes(predictMessages.zh[code]!), holes(en), code);
    assert.equal(messages.en[code], en, `${code} registered`);
  }
});

test('every tiling decision is a reason with its figures filled', () => {
  const small = { fraction: 0.3, minPx: 8 };
  const cases = [
    decideTiling({ kind: 'off' }, 100, 100, 640, null),
    decideTiling({ kind: 'size', size: 512 }, 100, 100, 640, null),
    decideTiling({ kind: 'auto' }, 4000, 3000, 640, small),
    decideTiling({ kind: 'auto' }, 700, 500, 640, small),
    decideTiling({ kind: 'auto' }, 4000, 3000, 640, { fraction: 0, minPx: 8 }),
    decideTiling({ kind: 'auto' }, 4000, 3000, 640, null),
  ];
  assert.equal(new Set(cases.map((c) => c.code)).size, 6);
  for (const c of cases) {
    const r = reason(c.code, c.params);
    assert.doesNotMatch(r.message, /\{\w+\}/, r.message);
    assert.doesNotMatch(formatReason(r, 'zh'), /\{\w+\}/);
  }
  assert.match(reason(cases[2]!.code, { ...cases[2]!.params }).message, /6\.3x the model input and 30% of the training boxes/);
});
