// Every UI string exists in English and Chinese; Chinese strings are Chinese (no English
// sentence left untranslated); plural forms come in pairs; placeholders agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en } from '../../renderer/src/messages/en';
import { zh } from '../../renderer/src/messages/zh';
import { messages } from '../../electron/shared/messages/index';

/** Latin words allowed in Chinese text: product names, units, metric and format names. */
const ALLOWED_LATIN = /^(Kestrel|Pascal|data\.yaml|tfjs-node-gpu|tfjs-node|YOLOv8\w*|mAP[\w-]*|AP[\w-]*|NVIDIA|px|GiB|MiB|KiB|GPU|CPU|CUDA|NG|OK|PDF|ONNX|PNG|JSON|YAML|CSV|SGD|AdamW|BatchNorm|GroupNorm|CutMix|Tab|Shift|Ctrl|Space|Del|Wheel|F|G|W|D|A|Z|Y|S|F1|IoU|n|s|m|x|e|NaN|Windows|Linux|txt|data|yaml|json|jpg|trash|thresholds|thresholds\.json|runs|wasm|tfjs\w*|WebGPU|WebGL|nvidia\w*|smi|VOC|COCO|YOLO|TF|js|Node|Python|Electron|RAM|URL|Kestrel's|ID|LR|EMA|NMS|HSV|EXIF|BMP|TIFF|WebP|JPEG|SAHI|OpenVINO|TensorRT|OpenCV|DNN)$/;

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('en and zh have the same keys', () => {
  const ek = Object.keys(en).sort();
  const zk = Object.keys(zh).sort();
  assert.deepEqual(zk.filter((k) => !ek.includes(k)), [], 'keys only in zh');
  assert.deepEqual(ek.filter((k) => !zk.includes(k)), [], 'keys only in en');
});

test('every zh string fills the same placeholders as its en string', () => {
  for (const k of Object.keys(en) as (keyof typeof en)[]) assert.deepEqual(placeholders(zh[k]), placeholders(en[k]), k);
});

test('plural forms come in pairs', () => {
  for (const k of Object.keys(en)) {
    if (k.endsWith('.one')) assert.ok(`${k.slice(0, -4)}.other` in en, k);
    if (k.endsWith('.other')) assert.ok(`${k.slice(0, -6)}.one` in en, k);
  }
});

/** English words (3+ letters) in a Chinese string that are not on the allowed list. */
function englishWords(s: string): string[] {
  const stripped = s.replace(/\{\w+\}/g, '');
  return (stripped.match(/[A-Za-z][A-Za-z0-9'’.-]{2,}/g) ?? []).filter((w) => !ALLOWED_LATIN.test(w.replace(/[.’']+$/, '')));
}

test('Chinese UI strings contain no English words', () => {
  const bad = Object.entries(zh).filter(([, v]) => englishWords(v).length > 0);
  assert.deepEqual(bad, []);
});

test('every engine code has an en and a zh sentence, and the zh one is Chinese', () => {
  const en2 = Object.keys(messages.en).sort();
  const zh2 = Object.keys(messages.zh).sort();
  assert.deepEqual(en2.filter((k) => !zh2.includes(k)), [], 'codes without zh');
  assert.deepEqual(zh2.filter((k) => !en2.includes(k)), [], 'codes without en');
  const untranslated = Object.entries(messages.zh).filter(([k, v]) => v === messages.en[k] && /[A-Za-z]{4,}/.test(v));
  assert.deepEqual(untranslated, []);
});
