// nodeFork passes a child's stderr on without Dawn's two limit notices, and nothing else lost:
// errors, other warnings and a last line without its newline reach ours (or, for a quiet child,
// the tail its exit reports, whose last line recovery.ts names when a process fails to start).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childStderrSink, nodeFork, type ChildExit } from '../../../electron/engine/train/fork';
import { startFailure } from '../../../electron/engine/train/recovery';
import { tempDir } from './helpers';

const tmp = tempDir('kestrel-fork-');
after(() => tmp.cleanup());

const UNIFORM = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';
const STORAGE = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';

/** A child that writes Dawn's notices (one split over two writes) among its own lines, then fails. */
const entry = join(tmp.dir, 'noisy-child.mjs');
writeFileSync(
  entry,
  `const w = (t) => new Promise((r) => process.stderr.write(t, r));
await w(${JSON.stringify(`${UNIFORM.slice(0, 30)}`)});
await new Promise((r) => setTimeout(r, 30));
await w(${JSON.stringify(`${UNIFORM.slice(30)}\n${STORAGE}\nkestrel trainer: loading the dataset\n`)});
await w('Warning: something else the user must see\\n');
await w(${JSON.stringify(`${STORAGE}\n`)});
await w('Error: OUT_OF_MEMORY on the GPU');
process.exitCode = 3;
`,
);

function run(quiet: boolean): Promise<ChildExit> {
  return new Promise((resolve) => nodeFork(entry, [], { name: 'noisy', quiet }).onExit(resolve));
}

test('a quiet child: its kept stderr has every line but the notices; the start failure names its own last line', async () => {
  const exit = await run(true);
  assert.equal(exit.code, 3);
  assert.equal(exit.stderrTail, 'kestrel trainer: loading the dataset\nWarning: something else the user must see\nError: OUT_OF_MEMORY on the GPU');
  assert.match(startFailure(exit).message, /OUT_OF_MEMORY on the GPU/);
});

test('a child whose stderr is ours: the same lines reach our stderr, in order, without the notices', async () => {
  const seen: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    seen.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stderr.write;
  let exit: ChildExit;
  try {
    exit = await run(false);
    // Output that arrives just after the exit still flows.
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.stderr.write = write;
  }
  assert.equal(exit.code, 3);
  assert.equal(exit.stderrTail, undefined, 'nothing kept: it went to our stderr');
  assert.equal(seen.join(''), 'kestrel trainer: loading the dataset\nWarning: something else the user must see\nError: OUT_OF_MEMORY on the GPU');
});

test('the stderr sink both forks use (Electron utilityProcess too): notices dropped, chunks joined, quiet keeps the tail', () => {
  const written: string[] = [];
  const loud = childStderrSink(false, (t) => written.push(t));
  loud.push(`${UNIFORM.slice(0, 12)}`);
  loud.push(Buffer.from(`${UNIFORM.slice(12)}\nreal line\n${STORAGE}\nlast`));
  loud.end();
  assert.equal(written.join(''), 'real line\nlast');
  assert.deepEqual(loud.withTail({ code: 1, cause: 'crashed' }), { code: 1, cause: 'crashed' });

  const quiet = childStderrSink(true, () => assert.fail('a quiet child writes nothing to ours'));
  quiet.push(`${STORAGE}\nError: GPU device lost\n`);
  quiet.end();
  assert.deepEqual(quiet.withTail({ code: 3, cause: 'crashed' }), { code: 3, cause: 'crashed', stderrTail: 'Error: GPU device lost\n' });
  // A quiet child that wrote only notices reports no tail at all.
  const silent = childStderrSink(true);
  silent.push(`${UNIFORM}\n`);
  silent.end();
  assert.equal(silent.withTail({ code: 0, cause: null }).stderrTail, undefined);
});
