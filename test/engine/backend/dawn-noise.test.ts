// Dawn's two limit notices: the filter drops exactly them from a child's stderr, whatever the
// chunking, and keeps every other line (other warnings, errors, partial lines) as written. With
// a WebGPU adapter, the real probe process prints them and the isolated probe keeps them out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDawnNoticeFilter, isDawnLimitNotice, withoutDawnNotices } from '../../../electron/engine/backend/dawn-noise';
import { probeWebgpuInChild } from '../../../electron/engine/backend/webgpu-probe';
import { useSoftwareVulkanIfUnset } from '../../../electron/engine/backend/webgpu-icd';

const U = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';
const S = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 500000 to 8 to fit dynamic offset allocation limit.';

/** Runs text through the filter in the given chunks; returns what was written. */
function filtered(chunks: Array<string | Uint8Array>): string {
  let out = '';
  const f = createDawnNoticeFilter((t) => (out += t));
  for (const c of chunks) f.push(c);
  f.end();
  return out;
}

test('exactly the two limit notices are recognised', () => {
  assert.ok(isDawnLimitNotice(U));
  assert.ok(isDawnLimitNotice(S));
  assert.ok(isDawnLimitNotice(`${U}\r`));
  for (const other of [
    'Warning: maxBufferSize artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
    `Error: ${U.slice('Warning: '.length)}`,
    `${U} (and more)`,
    `prefix ${U}`,
    'Warning: Failed to allocate memory for buffer',
    'Error: Device lost (VK_ERROR_DEVICE_LOST)',
  ]) {
    assert.equal(isDawnLimitNotice(other), false, other);
  }
});

test('the filter drops the notices and keeps everything else in order, however the stream is cut', () => {
  const real = 'Error: GPUOutOfMemoryError: Failed to allocate memory for buffer\n';
  const text = `${U}\n${S}\nsome log line\n${real}Warning: something else\nlast line without newline`;
  const want = `some log line\n${real}Warning: something else\nlast line without newline`;
  assert.equal(withoutDawnNotices(text), want);
  assert.equal(filtered([text]), want);
  // Every split point, and byte by byte (as Uint8Array chunks, a UTF-8 character split too).
  for (let i = 0; i <= text.length; i++) assert.equal(filtered([text.slice(0, i), text.slice(i)]), want, `split at ${i}`);
  const bytes = new TextEncoder().encode(`${U}\nnäive ✓ line\n${S}\n`);
  assert.equal(filtered([...bytes].map((b) => Uint8Array.of(b))), 'näive ✓ line\n');
  // A notice at the very end without its newline is still a notice.
  assert.equal(filtered(['x\n', U]), 'x\n');
  // CRLF output (Windows) too.
  assert.equal(filtered([`${U}\r\n${S}\r\nkept\r\n`]), 'kept\r\n');
});

test('a partial line that cannot be a notice is passed on at once (a prompt is not held back), and its rest is never dropped', () => {
  const writes: string[] = [];
  const f = createDawnNoticeFilter((t) => writes.push(t));
  f.push('Progress: 10%');
  assert.deepEqual(writes, ['Progress: 10%']);
  // The rest of that line looks like a notice on its own, but it is the same line: kept.
  f.push(`${U}\n`);
  f.push('Warn');
  assert.deepEqual(writes, ['Progress: 10%', `${U}\n`], 'a line that may become a notice is held');
  f.push('ing: other\n');
  f.end();
  assert.deepEqual(writes.join(''), `Progress: 10%${U}\nWarning: other\n`);
});

useSoftwareVulkanIfUnset();
const entry = fileURLToPath(new URL('../../../electron/engine/backend/webgpu-probe-child.mjs', import.meta.url));
const raw = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 60_000 });
const noNotices = raw.stdout.includes('"ok":true') && raw.stderr.includes('artificially reduced')
  ? false
  : `Dawn printed no limit notice here (adapter answer: ${raw.stdout.trim().slice(0, 200) || raw.stderr.trim().slice(0, 200)}): the drivers here report no more dynamic buffers than Dawn supports, or there is no WebGPU adapter`;
if (noNotices) console.log(`skipped: ${noNotices}`);

test('the real probe process prints the notices; the isolated probe keeps them out of our stderr and returns the adapter', { skip: noNotices }, async () => {
  assert.equal(raw.stderr.split('\n').filter(isDawnLimitNotice).length, 2, raw.stderr);
  let forwarded = '';
  const adapter = await probeWebgpuInChild({ entry, stderr: (t) => (forwarded += t), timeoutMs: 60_000 });
  assert.ok(adapter.maxBufferSize > 0 && adapter.description.length + adapter.vendor.length > 0);
  assert.equal(forwarded.includes('artificially reduced'), false, forwarded);
});
