import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recommendModel } from '../../electron/app/recommend';
import { confidenceSweep, matchImage } from '../../electron/shared/match';
import type { DatasetSummary } from '../../electron/shared/schemas/dataset';
import type { HardwareProfile } from '../../electron/shared/schemas/hardware';

const reason = { code: 'X', params: {}, message: 'x' };
function hw(gpuFreeGiB: number | null): HardwareProfile {
  const gpu = gpuFreeGiB !== null;
  return {
    gpus: gpu
      ? [{ index: 0, vendor: 'NVIDIA', model: 'RTX', pciBusId: null, vramTotalBytes: 24 * 2 ** 30, vramFreeBytes: gpuFreeGiB * 2 ** 30, vramUsedByOthersBytes: 0, driver: '550', integrated: false, cudaCapable: true, sources: { total: 'nvidia-smi', free: 'nvidia-smi' }, notes: [] }]
      : [],
    cpu: { model: 'cpu', cores: 8, threads: 16 },
    memory: { totalBytes: 32 * 2 ** 30, availableBytes: 16 * 2 ** 30 },
    os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
    backends: [{ id: 'tfjs-node-gpu', available: gpu, reason }, { id: 'wasm', available: true, reason }],
    warnings: [],
    probedAt: '2025-01-01T00:00:00Z',
  };
}
function ds(p10: number, side = 1024, trainImages = 500): DatasetSummary {
  return { trainImages, valImages: 100, classNames: ['a'], typicalWidth: side, typicalHeight: side, boxesPerImage: 2, boxRelSize: { p10, p50: p10 * 2, p90: p10 * 4 }, warnings: [] };
}

test('input size: the smallest that keeps small objects above 8 px, capped on CPU and by the images', () => {
  assert.equal(recommendModel(hw(20), ds(0.04)).imgsz, 224, '0.04 x 224 = 9 px');
  assert.equal(recommendModel(hw(20), ds(0.02)).imgsz, 416, '0.02 x 416 = 8.3 px');
  assert.equal(recommendModel(hw(20), ds(0.01)).imgsz, 640);
  const cpu = recommendModel(hw(null), ds(0.01));
  assert.equal(cpu.imgsz, 416);
  assert.equal(cpu.reasons[0]!.code, 'APP_REC_IMGSZ_CPU');
  const small = recommendModel(hw(20), ds(0.01, 200));
  assert.equal(small.imgsz, 224, 'never above the images own size (200 px -> 224)');
  assert.equal(small.reasons[0]!.code, 'APP_REC_IMGSZ_NATIVE');
});

test('scale: n on CPU; s or m by free GPU memory and dataset size', () => {
  assert.equal(recommendModel(hw(null), ds(0.05)).scale, 'n');
  assert.equal(recommendModel(hw(4), ds(0.05)).scale, 'n');
  assert.equal(recommendModel(hw(10), ds(0.05)).scale, 's');
  assert.equal(recommendModel(hw(20), ds(0.05, 1024, 5000)).scale, 'm');
  assert.equal(recommendModel(hw(20), ds(0.05, 1024, 500)).scale, 's');
});

test('matching at a confidence: hits, false alarms, misses; ignore boxes are neither', () => {
  const truths = [
    { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 },
    { x1: 20, y1: 20, x2: 30, y2: 30, cls: 1 },
    { x1: 40, y1: 40, x2: 50, y2: 50, cls: 0, ignore: true },
  ];
  const dets = [
    { x1: 0, y1: 0, x2: 10, y2: 9, cls: 0, score: 0.9 },
    { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0, score: 0.8 },
    { x1: 20, y1: 20, x2: 30, y2: 30, cls: 0, score: 0.7 },
    { x1: 40, y1: 40, x2: 50, y2: 50, cls: 0, score: 0.6 },
  ];
  assert.deepEqual(matchImage(truths, dets, 0.5), { tp: 1, fp: 2, fn: 1 });
  assert.deepEqual(matchImage(truths, dets, 0.85), { tp: 1, fp: 0, fn: 1 });
  const s = confidenceSweep([{ truths, detections: dets }], [0.5, 0.85, 0.95]);
  assert.deepEqual(s.precision, [1 / 3, 1, 1]);
  assert.deepEqual(s.recall, [0.5, 0.5, 0]);
});
