import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Systeminformation } from 'systeminformation';
import { isIntegrated, mergeGpuInventory, MIB, parseNvidiaSmiCsv } from '../../../electron/engine/hardware/index';

type Ctl = Systeminformation.GraphicsControllerData;
const ctl = (c: Partial<Ctl> & Pick<Ctl, 'vendor' | 'model'>): Ctl => ({ bus: 'PCI', vram: null, vramDynamic: false, ...c });
const rows = (csv: string) => parseNvidiaSmiCsv(csv).rows;
const codes = (notes: { code: string }[]) => notes.map((n) => n.code);

test('Windows controllers without a bus id are paired with nvidia-smi rows by name, then in order', () => {
  const gpus = mergeGpuInventory(
    {
      controllers: [
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 3060', vram: 4095 }),
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 4090', vram: 4095 }),
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA Quadro P2000', vram: 5120 }),
      ],
    },
    // Older driver without the "NVIDIA " prefix for the last card, and a different name (rebranded board).
    rows('0, 00000000:01:00.0, NVIDIA GeForce RTX 4090, 24564, 1843, 22324, 551.86\n1, 00000000:05:00.0, GeForce RTX 3060, 12288, 212, 11862, 551.86\n2, 00000000:0A:00.0, Quadro P2000 Special, 5120, 100, 4900, 551.86\n'),
    'win32',
  );
  assert.deepEqual(
    gpus.map((g) => [g.model, g.pciBusId, g.vramTotalBytes, g.nvidiaSmiIndex]),
    [
      ['GeForce RTX 3060', '0000:05:00.0', 12288 * MIB, 1],
      ['NVIDIA GeForce RTX 4090', '0000:01:00.0', 24564 * MIB, 0],
      ['Quadro P2000 Special', '0000:0a:00.0', 5120 * MIB, 2],
    ],
  );
  assert.deepEqual(codes(gpus[0]!.notes), ['HW_VRAM_CORRECTED']);
  assert.deepEqual(codes(gpus[2]!.notes), []);
});

test('a Linux controller is matched by bus id only; an unmatched NVIDIA card keeps no figures; rows nobody listed are kept', () => {
  const gpus = mergeGpuInventory(
    { controllers: [ctl({ vendor: 'NVIDIA Corporation', model: 'GA102 [GeForce RTX 3090]', busAddress: '02:00.0', vram: 256 })] },
    rows('0, 00000000:01:00.0, NVIDIA GeForce RTX 3090, 24576, 5, 24250, 550.90.07\n'),
    'linux',
  );
  assert.equal(gpus.length, 2);
  assert.equal(gpus[0]!.vramTotalBytes, null);
  assert.equal(gpus[0]!.trainable, false);
  assert.deepEqual(codes(gpus[0]!.notes), ['HW_VRAM_UNKNOWN_LINUX', 'HW_GPU_NO_DRIVER']);
  assert.equal(gpus[0]!.notes[1]!.params.smiStatus, 'no-row');
  assert.equal(gpus[1]!.index, 1);
  assert.equal(gpus[1]!.pciBusId, '0000:01:00.0');
  assert.equal(gpus[1]!.vramFreeBytes, 24250 * MIB);
  assert.equal(gpus[1]!.trainable, true);
  assert.deepEqual(codes(gpus[1]!.notes), ['HW_GPU_SMI_ONLY']);
});

test('no systeminformation graphics at all (skipped after a hang): nvidia-smi rows alone still give GPUs', () => {
  const gpus = mergeGpuInventory(null, rows('0, 00000000:01:00.0, NVIDIA A100-SXM4-80GB, 81920, 4, 81037, 535.161.08\n'), 'linux');
  assert.equal(gpus.length, 1);
  assert.equal(gpus[0]!.vendor, 'NVIDIA');
  assert.equal(gpus[0]!.vramTotalBytes, 81920 * MIB);
  assert.deepEqual(mergeGpuInventory(null, [], 'linux'), []);
});

test('busy threshold: half the card held by others warns, a little less does not', () => {
  const at = (used: number, free: number) => mergeGpuInventory(null, rows(`0, 00000000:01:00.0, G, 10000, ${used}, ${free}, 550.1\n`), 'linux')[0]!;
  const busy = at(4900, 5000);
  assert.equal(busy.vramUsedByOthersBytes, 5000 * MIB);
  assert.ok(codes(busy.notes).includes('HW_GPU_BUSY'));
  assert.deepEqual(busy.notes.find((n) => n.code === 'HW_GPU_BUSY')!.params, { model: 'G', usedGB: 4.9, totalGB: 9.8, freeGB: 4.9 });
  assert.ok(!codes(at(4800, 5100).notes).includes('HW_GPU_BUSY'));
});

test('memory nvidia-smi cannot report ([N/A]) is null and the GPU is not trainable', () => {
  const g = mergeGpuInventory(null, rows('0, 00000000:01:00.0, NVIDIA GH200 480GB, [N/A], [N/A], [N/A], 550.54.15\n'), 'linux')[0]!;
  assert.equal(g.vramTotalBytes, null);
  assert.equal(g.cudaCapable, true);
  assert.equal(g.trainable, false);
  assert.deepEqual(g.sources, { total: 'unknown', free: 'unknown' });
});

test('a driver older than CUDA 11.2 needs is not CUDA-capable, with the minimum in the note', () => {
  const g = mergeGpuInventory(null, rows('0, 00000000:01:00.0, GeForce GTX 1080 Ti, 11264, 500, 10500, 391.35\n'), 'win32')[0]!;
  assert.equal(g.cudaCapable, false);
  assert.equal(g.trainable, false);
  const note = g.notes.find((n) => n.code === 'HW_DRIVER_OLD');
  assert.deepEqual(note?.params, { model: 'GeForce GTX 1080 Ti', driver: '391.35', minDriver: '452.39' });
  assert.equal(mergeGpuInventory(null, rows('0, 00000000:01:00.0, G, 1, 0, 1, 450.80.02\n'), 'linux')[0]!.cudaCapable, true);
});

test('systeminformation figures from its own nvidia-smi call are used when ours gave no row', () => {
  const g = mergeGpuInventory(
    { controllers: [ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 3090', vram: 24576, memoryTotal: 24576, memoryFree: 20000, driverVersion: '546.33' })] },
    [],
    'win32',
    'failed',
  )[0]!;
  assert.equal(g.vramTotalBytes, 24576 * MIB);
  assert.equal(g.vramFreeBytes, 20000 * MIB);
  assert.deepEqual(g.sources, { total: 'systeminformation', free: 'systeminformation' });
  assert.equal(g.trainable, true);
});

test('Windows without nvidia-smi: an exact qwMemorySize figure is kept, the AdapterRAM cap is not', () => {
  const [exact, capped, cappedOdd] = mergeGpuInventory(
    {
      controllers: [
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 3090', vram: 24576 }),
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce GTX 1080 Ti', vram: 4095 }),
        ctl({ vendor: 'NVIDIA', model: 'NVIDIA GeForce GTX 1070', vram: 4095.99951171875 }),
      ],
    },
    [],
    'win32',
    'missing',
  );
  assert.equal(exact!.vramTotalBytes, 24576 * MIB);
  assert.equal(exact!.sources.total, 'systeminformation');
  assert.equal(exact!.trainable, false);
  for (const g of [capped!, cappedOdd!]) {
    assert.equal(g.vramTotalBytes, null);
    assert.equal(g.sources.total, 'unknown');
    assert.equal(g.notes[0]!.code, 'HW_VRAM_CAPPED');
    assert.equal(g.notes[0]!.params.reportedMB, 4095);
  }
  // 4095 MB on Linux is not the Windows cap.
  const linux = mergeGpuInventory({ controllers: [ctl({ vendor: 'AMD', model: 'Navi 22 [Radeon RX 6700 XT]', vram: 4095 })] }, [], 'linux')[0]!;
  assert.equal(linux.vramTotalBytes, 4095 * MIB);
});

test('integrated, display-only and non-NVIDIA discrete adapters are never trainable, each with its note', () => {
  const gpus = mergeGpuInventory(
    {
      controllers: [
        ctl({ vendor: 'Advanced Micro Devices, Inc.', model: 'AMD Radeon(TM) Graphics', vram: 512, vramDynamic: true }),
        ctl({ vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', model: 'Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]', vram: 16384 }),
        ctl({ vendor: 'Intel Corporation', model: 'DG2 [Arc A770]', vram: 16384 }),
        ctl({ vendor: '(Standard display types)', model: 'Microsoft Basic Display Adapter', vram: 0 }),
        ctl({ vendor: 'Apple', model: 'Apple M2 Max', vram: null, vramDynamic: true }),
      ],
    },
    [],
    'win32',
    'missing',
  );
  assert.deepEqual(
    gpus.map((g) => [g.vendor, g.integrated, g.cudaCapable, g.trainable, codes(g.notes)[0], g.vramTotalBytes]),
    [
      ['AMD', true, false, false, 'HW_GPU_INTEGRATED', null],
      ['AMD', false, false, false, 'HW_GPU_NOT_NVIDIA', 16384 * MIB],
      ['Intel', false, false, false, 'HW_GPU_NOT_NVIDIA', 16384 * MIB],
      ['(Standard display types)', false, false, false, 'HW_GPU_DISPLAY_ONLY', null],
      ['Apple', true, false, false, 'HW_GPU_INTEGRATED', null],
    ],
  );
});

test('isIntegrated knows Intel iGPUs from Arc cards and AMD APUs from Radeon cards', () => {
  const cases: [string, string, boolean][] = [
    ['Intel Corporation', 'Alder Lake-P GT2 [Iris Xe Graphics]', true],
    ['Intel Corporation', 'Intel(R) UHD Graphics 630', true],
    ['Intel Corporation', 'Intel(R) Arc(TM) A770 Graphics', false],
    ['Advanced Micro Devices, Inc. [AMD/ATI]', 'Rembrandt [Radeon 680M]', true],
    ['Advanced Micro Devices, Inc. [AMD/ATI]', 'Cezanne [Radeon Vega Series / Radeon Vega Mobile Series]', true],
    ['Advanced Micro Devices, Inc.', 'AMD Radeon RX 7900 XTX', false],
    ['NVIDIA', 'NVIDIA GeForce RTX 3090', false],
  ];
  for (const [vendor, model, want] of cases) assert.equal(isIntegrated({ vendor, model, vramDynamic: false }, 'linux'), want, model);
});
