import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeHardware } from '../../../electron/engine/hardware/index';
import { messages } from '../../../electron/shared/messages/index';
import { hardwareMessages } from '../../../electron/shared/messages/hardware';
import { HardwareProfileSchema } from '../../../electron/shared/schemas/hardware';
import { fixtureProbeOptions } from '../../fixtures/hardware/load';

test('the real probe on this machine returns a valid profile within a few seconds', async () => {
  const t0 = Date.now();
  const p = HardwareProfileSchema.parse(await probeHardware());
  const took = Date.now() - t0;
  assert.ok(took < 5000, `took ${took} ms`);
  assert.ok(p.cpu.threads >= 1 && p.memory.totalBytes > 0 && p.memory.availableBytes > 0);
  assert.equal(p.os.platform, process.platform);
  const wasm = p.backends.find((b) => b.id === 'wasm');
  assert.deepEqual([wasm?.available, wasm?.simd, wasm?.threads], [true, true, 1]);
  assert.equal(p.backends.find((b) => b.id === 'cpu')?.available, true);
  // This machine has no NVIDIA GPU: tfjs-node-gpu cannot be available, and nothing is trainable.
  assert.equal(p.backends.find((b) => b.id === 'tfjs-node-gpu')?.available, false);
  assert.ok(!p.gpus.some((g) => g.trainable));
});

test('a failing systeminformation call becomes a warning and Node figures fill in', async () => {
  const opts = fixtureProbeOptions('win-rtx3090');
  const si = opts.si!;
  const p = await probeHardware({
    ...opts,
    si: { ...si, graphics: si.graphics, cpu: () => Promise.reject(new Error('WMI is broken')), mem: si.mem, osInfo: si.osInfo },
  });
  const w = p.warnings.find((x) => x.code === 'HW_INVENTORY_FAILED');
  assert.deepEqual(w?.params, { part: 'cpu', detail: 'WMI is broken' });
  assert.ok(p.cpu.threads >= 1 && p.cpu.model.length > 0);
  assert.equal(p.gpus[0]!.trainable, true);
});

test('a systeminformation call that never answers is abandoned after its deadline', async () => {
  const opts = fixtureProbeOptions('linux-gpu-busy');
  const si = opts.si!;
  const p = await probeHardware({ ...opts, inventoryTimeoutMs: 100, si: { cpu: si.cpu, mem: si.mem, osInfo: si.osInfo, graphics: () => new Promise(() => undefined) } });
  assert.deepEqual(p.warnings.map((x) => x.code), ['HW_INVENTORY_FAILED']);
  assert.equal(p.warnings[0]!.params.part, 'graphics');
  // nvidia-smi alone still reports the card.
  assert.equal(p.gpus[0]!.model, 'NVIDIA GeForce RTX 3080');
  assert.deepEqual(p.gpus[0]!.notes.map((n) => n.code), ['HW_GPU_SMI_ONLY', 'HW_GPU_BUSY']);
});

test('every hardware reason has English and Chinese text with the same placeholders', () => {
  const en = hardwareMessages.en;
  const zh = hardwareMessages.zh;
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const code of Object.keys(en)) {
    assert.match(code, /^HW_/);
    assert.deepEqual(placeholders(zh[code]!), placeholders(en[code]!), code);
    assert.equal(messages.en[code], en[code]);
  }
});
