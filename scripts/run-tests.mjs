#!/usr/bin/env node
// Runs every test file under test/ (or the files/folders given) with Node's own test runner,
// TypeScript loaded through tsx. Node 20 has no glob for --test, so we list the files here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (name === 'fixtures' || name === 'node_modules' || excludes.includes(resolve(p))) continue;
      walk(p, out);
    } else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

// `--exclude DIR` (repeatable) leaves a folder out: test:unit runs everything but the
// minute-long integration and browser tests.
const argv = process.argv.slice(2);
const excludes = [];
const args = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--exclude') excludes.push(resolve(argv[++i] ?? ''));
  else args.push(argv[i]);
}
const roots = args.length ? args : ['test'];
const files = [];
for (const r of roots) {
  const p = resolve(r);
  if (statSync(p).isDirectory()) walk(p, files);
  else files.push(p);
}
files.sort();
if (files.length === 0) {
  console.error('No test files found under', roots.join(', '));
  process.exit(1);
}
// Two test files run at once on CI's 2 cores: a second wasm thread per file would only
// oversubscribe them. Tests of threads set their own counts in child processes.
const env = { ...process.env, KESTREL_WASM_THREADS: process.env.KESTREL_WASM_THREADS ?? '1' };
// The output streams through as it comes; skipped tests are collected so the closing lines name
// each one and why (one SKIP line would otherwise hide among thousands).
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=' + (process.env.KESTREL_TEST_CONCURRENCY ?? '2'), ...files],
  { stdio: ['inherit', 'pipe', 'inherit'], env },
);
const skipped = [];
let buffered = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^\s*ok \d+ - (.*?) # SKIP\s*(.*)$/.exec(line);
    if (m) skipped.push({ name: m[1], why: m[2] || '(no reason given)' });
  }
});
child.on('close', (code) => {
  if (skipped.length > 0) {
    console.log(`\nSkipped ${skipped.length} test${skipped.length === 1 ? '' : 's'}:`);
    for (const s of skipped) console.log(`  - ${s.name}: ${s.why}`);
  } else console.log('\nNo test was skipped.');
  process.exit(code ?? 1);
});
