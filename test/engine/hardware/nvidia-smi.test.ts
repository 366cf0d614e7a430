import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultRunCommand,
  interpretNvidiaSmi,
  normalisePciBusId,
  NVIDIA_SMI_ARGS,
  parseNvidiaSmiCsv,
  runNvidiaSmi,
  type RunCommand,
} from '../../../electron/engine/hardware/index';

test('normalisePciBusId puts nvidia-smi, lspci and domain forms into one', () => {
  const cases: [string | null | undefined, string | null][] = [
    ['00000000:01:00.0', '0000:01:00.0'],
    ['01:00.0', '0000:01:00.0'],
    ['0000:01:00.0', '0000:01:00.0'],
    ['00000000:C1:00.0', '0000:c1:00.0'],
    ['c1:00.0', '0000:c1:00.0'],
    ['00000001:3B:00.1', '0001:3b:00.1'],
    ['  0b:00.0 ', '0000:0b:00.0'],
    ['PCI', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['01:00', null],
  ];
  for (const [input, want] of cases) assert.equal(normalisePciBusId(input), want, String(input));
});

test('parseNvidiaSmiCsv reads rows in MiB, CRLF, [N/A] and commas in names', () => {
  const text =
    '0, 00000000:01:00.0, NVIDIA GeForce RTX 4090, 24564, 1843, 22324, 551.86\r\n' +
    '1, 00000000:05:00.0, NVIDIA GeForce RTX 3060, 12288, 212, 11862, 551.86\r\n' +
    '2, 00000000:09:00.0, Odd, Name, [N/A], [N/A], [Not Supported], 551.86\r\n\r\n';
  const { rows, badLines } = parseNvidiaSmiCsv(text);
  assert.deepEqual(badLines, []);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], { index: 0, pciBusId: '0000:01:00.0', name: 'NVIDIA GeForce RTX 4090', totalMiB: 24564, usedMiB: 1843, freeMiB: 22324, driver: '551.86' });
  assert.deepEqual(rows[1], { index: 1, pciBusId: '0000:05:00.0', name: 'NVIDIA GeForce RTX 3060', totalMiB: 12288, usedMiB: 212, freeMiB: 11862, driver: '551.86' });
  assert.deepEqual(rows[2], { index: 2, pciBusId: '0000:09:00.0', name: 'Odd, Name', totalMiB: null, usedMiB: null, freeMiB: null, driver: '551.86' });
});

test('parseNvidiaSmiCsv reports a driver sentence as bad lines instead of guessing figures', () => {
  const text = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n";
  const parsed = parseNvidiaSmiCsv(text);
  assert.equal(parsed.rows.length, 0);
  assert.equal(parsed.badLines.length, 1);
  const interpreted = interpretNvidiaSmi({ status: 'ok', stdout: text });
  assert.equal(interpreted.status, 'unreadable');
  assert.equal(interpreted.warning?.code, 'HW_SMI_UNREADABLE');
  assert.match(String(interpreted.warning?.params.detail), /^NVIDIA-SMI has failed/);
  // Garbage figures in an otherwise well-formed line are rejected too.
  assert.deepEqual(parseNvidiaSmiCsv('0, 00000000:01:00.0, GPU, lots, 1, 2, 550.1\n').rows, []);
  assert.deepEqual(parseNvidiaSmiCsv('x, 00000000:01:00.0, GPU, 1, 1, 2, 550.1\n').rows, []);
  assert.deepEqual(parseNvidiaSmiCsv('0, not-a-bus, GPU, 1, 1, 2, 550.1\n').rows, []);
  // "No devices were found" prints nothing parseable but also no rows: that is "no GPU", ok.
  assert.deepEqual(interpretNvidiaSmi({ status: 'ok', stdout: '' }), { rows: [], status: 'ok', warning: null });
});

function recorder(behaviour: (file: string, signal: AbortSignal) => Promise<{ stdout: string; stderr: string }>): { run: RunCommand; files: string[]; args: (readonly string[])[] } {
  const files: string[] = [];
  const args: (readonly string[])[] = [];
  return {
    files,
    args,
    run: (file, a, { signal }) => {
      files.push(file);
      args.push(a);
      return behaviour(file, signal);
    },
  };
}

const enoent = (): Error => Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });

test('runNvidiaSmi passes the exact query and returns the output', async () => {
  const r = recorder(async () => ({ stdout: '0, 00000000:01:00.0, NVIDIA GeForce RTX 3090, 24576, 1432, 22856, 546.33\n', stderr: '' }));
  const res = await runNvidiaSmi({ runCommand: r.run, platform: 'linux', env: {} });
  assert.equal(res.status, 'ok');
  assert.deepEqual(r.files, ['nvidia-smi']);
  assert.deepEqual(r.args[0], NVIDIA_SMI_ARGS);
  assert.deepEqual([...NVIDIA_SMI_ARGS], ['--query-gpu=index,pci.bus_id,name,memory.total,memory.used,memory.free,driver_version', '--format=csv,noheader,nounits']);
});

test('runNvidiaSmi: missing everywhere is "missing"; on Windows it also tries System32 and NVSMI', async () => {
  const linux = recorder(async () => Promise.reject(enoent()));
  assert.deepEqual(await runNvidiaSmi({ runCommand: linux.run, platform: 'linux', env: {} }), { status: 'missing' });
  assert.deepEqual(linux.files, ['nvidia-smi']);

  const win = recorder(async (file) => {
    if (file.endsWith('NVSMI\\nvidia-smi.exe')) return { stdout: 'ok', stderr: '' };
    throw enoent();
  });
  const res = await runNvidiaSmi({ runCommand: win.run, platform: 'win32', env: { SystemRoot: 'D:\\Win', ProgramFiles: 'D:\\PF' } });
  assert.deepEqual(res, { status: 'ok', stdout: 'ok' });
  assert.deepEqual(win.files, ['nvidia-smi', 'D:\\Win\\System32\\nvidia-smi.exe', 'D:\\PF\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe']);
});

test('runNvidiaSmi: a non-zero exit is "failed" with the exit code and its first line', async () => {
  const r = recorder(async () => {
    throw Object.assign(new Error('Command failed'), { code: 9, stdout: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", stderr: '' });
  });
  const res = await runNvidiaSmi({ runCommand: r.run, platform: 'linux', env: {} });
  assert.deepEqual(res, { status: 'failed', detail: "exit code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." });
  // A failing nvidia-smi is not retried at other paths: it exists.
  assert.equal(r.files.length, 1);
});

test('runNvidiaSmi: a runner that never settles times out on the deadline and the signal is aborted', async () => {
  let seen: AbortSignal | undefined;
  const r = recorder((_file, signal) => {
    seen = signal;
    return new Promise(() => undefined);
  });
  const t0 = Date.now();
  const res = await runNvidiaSmi({ runCommand: r.run, platform: 'linux', env: {}, timeoutMs: 150 });
  const waited = Date.now() - t0;
  assert.deepEqual(res, { status: 'timeout', timeoutMs: 150 });
  assert.ok(waited >= 140 && waited < 2000, `waited ${waited} ms`);
  assert.equal(seen?.aborted, true);
});

test('runNvidiaSmi: a runner that rejects when aborted still reports a timeout', async () => {
  const r = recorder(
    (_file, signal) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })));
      }),
  );
  assert.deepEqual(await runNvidiaSmi({ runCommand: r.run, platform: 'linux', env: {}, timeoutMs: 50 }), { status: 'timeout', timeoutMs: 50 });
});

test('defaultRunCommand reports ENOENT for a missing program and kills a hanging one on abort', async () => {
  await assert.rejects(defaultRunCommand('kestrel-no-such-program-xyz', [], { signal: new AbortController().signal }), (err: { code?: unknown }) => err.code === 'ENOENT');
  const ac = new AbortController();
  const t0 = Date.now();
  const hanging = defaultRunCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(hanging, (err: { name?: unknown }) => err.name === 'AbortError');
  assert.ok(Date.now() - t0 < 5000);
  const ok = await defaultRunCommand(process.execPath, ['-e', 'process.stdout.write("0, 00000000:01:00.0, X, 1, 0, 1, 550.1")'], { signal: new AbortController().signal });
  assert.equal(parseNvidiaSmiCsv(ok.stdout).rows[0]?.name, 'X');
});
