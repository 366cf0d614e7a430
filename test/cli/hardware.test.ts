import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHardwareTable, run } from '../../electron/cli/commands/hardware';
import { main } from '../../electron/cli/main';
import { HardwareProfileSchema } from '../../electron/shared/schemas/hardware';
import { loadFixtureProfile } from '../fixtures/hardware/load';
import { captureIO as capture } from '../helpers/cli';

test('kestrel hardware --json prints a valid HardwareProfile of this machine', async () => {
  const io = capture();
  assert.equal(await run(['--json'], io), 0);
  assert.equal(io.stderr.length, 0);
  const p = HardwareProfileSchema.parse(JSON.parse(io.stdout.join('\n')));
  assert.equal(p.os.platform, process.platform);
});

test('kestrel hardware prints a table with GPUs, CPU, RAM, OS and backends (through the CLI entry)', async () => {
  const io = capture();
  assert.equal(await main(['hardware'], io), 0);
  const text = io.stdout.join('\n');
  for (const heading of ['GPUs', 'CPU', 'RAM', 'OS', 'Backends', 'wasm', 'tfjs-node-gpu']) assert.ok(text.includes(heading), heading);
});

test('bad flags give a message and exit code 2', async () => {
  for (const argv of [['--bogus'], ['--json', 'extra'], ['--lang', 'fr']]) {
    const io = capture();
    assert.equal(await run(argv, io), 2, argv.join(' '));
    assert.equal(io.stdout.length, 0);
    assert.match(io.stderr.join('\n'), /Usage: kestrel hardware/);
  }
  const help = capture();
  assert.equal(await run(['--help'], help), 0);
  assert.match(help.stdout.join('\n'), /--json/);
});

test('the table of a fixture machine shows each GPU with total/free, source and notes, in English or Chinese', async () => {
  const io = capture();
  const profile = loadFixtureProfile('win-rtx4090-rtx3060');
  assert.equal(await run([], io, async () => profile), 0);
  const text = io.stdout.join('\n');
  assert.match(text, /0 {2}NVIDIA GeForce RTX 4090 {2}24\.0 GiB {2}21\.8 GiB {2}2\.2 GiB {5}nvidia-smi {2}yes/);
  assert.match(text, /1 {2}NVIDIA GeForce RTX 3060 {2}12\.0 GiB {2}11\.6 GiB/);
  assert.match(text, /tfjs-node-gpu {2}no {3}@tensorflow\/tfjs-node-gpu is installed but its native module \(libtensorflow\) is missing/);

  const capped = renderHardwareTable(loadFixtureProfile('win-gtx1080ti-capped-no-smi'), 'zh');
  assert.match(capped, /NVIDIA GeForce GTX 1080 Ti +\? +\? +\? +unknown +no/);
  assert.match(capped, /Intel\(R\) UHD Graphics 630 .*no \(integrated\)/);
  assert.match(capped, /Windows 报告 NVIDIA GeForce GTX 1080 Ti 的显存为 4095 MB/);
  assert.match(capped, /未找到 nvidia-smi/);
});
