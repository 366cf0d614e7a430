import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIB, probeHardware } from '../../../electron/engine/hardware/index';
import { HardwareProfileSchema, type HardwareProfile } from '../../../electron/shared/schemas/hardware';
import { profileJsonText } from '../../fixtures/hardware/generate';
import { fixtureProbeOptions, HARDWARE_FIXTURES_DIR, listHardwareFixtures, loadFixtureProfile, profileFromFixture } from '../../fixtures/hardware/load';

interface GpuWant {
  model: string;
  total: number | null;
  free: number | null;
  others?: number | null;
  trainable: boolean;
  cuda: boolean;
  integrated: boolean;
  sources: string;
  notes: string[];
  smiIndex?: number | null;
}
interface Want {
  gpus: GpuWant[];
  warnings: string[];
  backends: string;
  cpu?: [cores: number, threads: number];
}

const idleA100 = (free: number, smiIndex: number): GpuWant => ({
  model: 'NVIDIA A100-SXM4-80GB',
  total: 81920 * MIB,
  free: free * MIB,
  others: (81920 - free) * MIB,
  trainable: true,
  cuda: true,
  integrated: false,
  sources: 'nvidia-smi/nvidia-smi',
  notes: [],
  smiIndex,
});
const noFigures = { total: null, free: null, others: null, trainable: false, cuda: false, sources: 'unknown/unknown' };

// Backends as "gpu node wasm cpu" availability letters: y available, n not.
const cases: Record<string, Want> = {
  'win-rtx3090': {
    gpus: [{ model: 'NVIDIA GeForce RTX 3090', total: 25769803776, free: 22856 * MIB, others: (24576 - 22856) * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: [], smiIndex: 0 }],
    warnings: [],
    backends: 'yyyy',
    cpu: [16, 32],
  },
  'linux-laptop-igpu-rtx3060': {
    gpus: [
      { model: 'Alder Lake-P GT2 [Iris Xe Graphics]', ...noFigures, integrated: true, notes: ['HW_GPU_INTEGRATED'], smiIndex: null },
      { model: 'NVIDIA GeForce RTX 3060 Laptop GPU', total: 6 * 1024 * MIB, free: 5796 * MIB, others: 348 * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: [], smiIndex: 0 },
    ],
    warnings: [],
    backends: 'yyyy',
    cpu: [14, 20],
  },
  'linux-4xa100-server': {
    gpus: [
      idleA100(81037, 0),
      { model: 'ASPEED Graphics Family', ...noFigures, integrated: false, notes: ['HW_GPU_DISPLAY_ONLY'], smiIndex: null },
      idleA100(81037, 1),
      idleA100(81037, 2),
      idleA100(81041, 3),
    ],
    warnings: [],
    backends: 'yyyy',
    cpu: [128, 256],
  },
  'win-rtx4090-rtx3060': {
    gpus: [
      { model: 'NVIDIA GeForce RTX 4090', total: 24564 * MIB, free: 22324 * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: [], smiIndex: 0 },
      { model: 'NVIDIA GeForce RTX 3060', total: 12 * 1024 * MIB, free: 11862 * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: [], smiIndex: 1 },
    ],
    warnings: [],
    // tfjs-node-gpu is installed but its libtensorflow download failed.
    backends: 'nyyy',
  },
  'vm-no-gpu': {
    gpus: [{ model: 'QXL paravirtual graphic card', ...noFigures, integrated: false, notes: ['HW_GPU_DISPLAY_ONLY'] }],
    // No NVIDIA adapter: a missing nvidia-smi is not worth a warning.
    warnings: ['HW_NO_TRAINABLE_GPU'],
    backends: 'nyyy',
    cpu: [8, 8],
  },
  'linux-container-no-gpu': { gpus: [], warnings: ['HW_NO_TRAINABLE_GPU'], backends: 'nnyy' },
  'win-gtx1080ti-capped': {
    gpus: [
      { model: 'NVIDIA GeForce GTX 1080 Ti', total: 11264 * MIB, free: 10479 * MIB, others: 785 * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: ['HW_VRAM_CORRECTED'], smiIndex: 0 },
      { model: 'Intel(R) UHD Graphics 630', ...noFigures, integrated: true, notes: ['HW_GPU_INTEGRATED'] },
    ],
    warnings: [],
    backends: 'yyyy',
  },
  'win-gtx1080ti-capped-no-smi': {
    gpus: [
      { model: 'NVIDIA GeForce GTX 1080 Ti', ...noFigures, integrated: false, notes: ['HW_VRAM_CAPPED', 'HW_GPU_NO_DRIVER'], smiIndex: null },
      { model: 'Intel(R) UHD Graphics 630', ...noFigures, integrated: true, notes: ['HW_GPU_INTEGRATED'] },
    ],
    warnings: ['HW_SMI_MISSING', 'HW_NO_TRAINABLE_GPU'],
    backends: 'nyyy',
  },
  'linux-gpu-busy': {
    gpus: [{ model: 'NVIDIA GeForce RTX 3080', total: 10240 * MIB, free: 1055 * MIB, others: (10240 - 1055) * MIB, trainable: true, cuda: true, integrated: false, sources: 'nvidia-smi/nvidia-smi', notes: ['HW_GPU_BUSY'], smiIndex: 0 }],
    warnings: [],
    backends: 'yyyy',
  },
  'linux-smi-timeout': { gpus: [], warnings: ['HW_SMI_TIMEOUT', 'HW_NO_TRAINABLE_GPU'], backends: 'nyyy' },
  'linux-smi-failed': {
    gpus: [{ model: 'GA102 [GeForce RTX 3090]', ...noFigures, integrated: false, notes: ['HW_VRAM_UNKNOWN_LINUX', 'HW_GPU_NO_DRIVER'], smiIndex: null }],
    warnings: ['HW_SMI_FAILED', 'HW_NO_TRAINABLE_GPU'],
    backends: 'nyyy',
  },
};

test('every fixture folder has an expectation row and vice versa', () => {
  assert.deepEqual(listHardwareFixtures(), Object.keys(cases).sort());
});

function check(name: string, p: HardwareProfile, want: Want): void {
  HardwareProfileSchema.parse(p);
  assert.equal(p.gpus.length, want.gpus.length, `${name}: GPU count`);
  want.gpus.forEach((w, i) => {
    const g = p.gpus[i]!;
    const at = `${name} gpu ${i}`;
    assert.equal(g.index, i, at);
    assert.equal(g.model, w.model, at);
    assert.equal(g.vramTotalBytes, w.total, `${at} total`);
    assert.equal(g.vramFreeBytes, w.free, `${at} free`);
    if (w.others !== undefined) assert.equal(g.vramUsedByOthersBytes, w.others, `${at} others`);
    assert.equal(g.trainable, w.trainable, `${at} trainable`);
    assert.equal(g.cudaCapable, w.cuda, `${at} cudaCapable`);
    assert.equal(g.integrated, w.integrated, `${at} integrated`);
    assert.equal(`${g.sources.total}/${g.sources.free}`, w.sources, `${at} sources`);
    assert.deepEqual(g.notes.map((n) => n.code), w.notes, `${at} notes`);
    if (w.smiIndex !== undefined) assert.equal(g.nvidiaSmiIndex, w.smiIndex, `${at} nvidiaSmiIndex`);
  });
  assert.deepEqual(p.warnings.map((n) => n.code), want.warnings, `${name} warnings`);
  assert.equal(p.backends.map((b) => (b.available ? 'y' : 'n')).join(''), want.backends, `${name} backends`);
  assert.deepEqual(p.backends.map((b) => b.id), ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
  if (want.cpu) assert.deepEqual([p.cpu.cores, p.cpu.threads], want.cpu, `${name} cpu`);
}

for (const [name, want] of Object.entries(cases)) {
  test(`fixture ${name}: the probe's profile has the expected figures, and profile.json is up to date`, async () => {
    const profile = await profileFromFixture(name);
    check(name, profile, want);
    const committed = readFileSync(join(HARDWARE_FIXTURES_DIR, name, 'profile.json'), 'utf8');
    assert.equal(committed, profileJsonText(profile), `${name}/profile.json is stale: run node --import tsx test/fixtures/hardware/generate.ts`);
    assert.deepEqual(loadFixtureProfile(name), profile);
  });
}

test('the Windows 1080 Ti nvidia-smi is found in NVSMI although it is not on PATH', async () => {
  const p = loadFixtureProfile('win-gtx1080ti-capped');
  assert.deepEqual(p.gpus[0]!.notes[0]!.params, { model: 'NVIDIA GeForce GTX 1080 Ti', reportedMB: 4095, smiMB: 11264 });
  assert.equal(p.gpus[0]!.driver, '472.12');
});

test('busy GPU: the note gives the figures the user needs', () => {
  const note = loadFixtureProfile('linux-gpu-busy').gpus[0]!.notes[0]!;
  assert.deepEqual(note.params, { model: 'NVIDIA GeForce RTX 3080', usedGB: 9, totalGB: 10, freeGB: 1 });
});

test('a hanging nvidia-smi: the probe gives up on the deadline, never calls graphics(), and still returns a profile', async () => {
  const opts = fixtureProbeOptions('linux-smi-timeout');
  const t0 = Date.now();
  const p = await probeHardware(opts);
  const took = Date.now() - t0;
  assert.ok(took >= opts.timeoutMs - 10 && took < opts.timeoutMs + 2000, `took ${took} ms`);
  assert.deepEqual(opts.calls.sort(), ['cpu', 'mem', 'osInfo']);
  assert.deepEqual(p.warnings[0]!.params, { seconds: 0.3 });
  assert.equal(p.cpu.threads, 20);
});

test('failing nvidia-smi: the exit code and the driver sentence reach the warning', () => {
  assert.deepEqual(loadFixtureProfile('linux-smi-failed').warnings[0]!.params, { detail: 'exit code 18: Failed to initialize NVML: Driver/library version mismatch' });
});
