// The planner over the probe's recorded fixture machines (test/fixtures/hardware/<case>/profile.json):
// every profile the probe produces must plan (or refuse with PLAN_DOES_NOT_FIT), and the
// machines of the issue give the concrete plans below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planTraining } from '../../../electron/engine/plan/index';
import { KestrelError } from '../../../electron/shared/errors';
import { HardwareProfileSchema, type HardwareProfile } from '../../../electron/shared/schemas/hardware';
import { TrainingPlanSchema } from '../../../electron/shared/schemas/plan';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'hardware');
const cases = existsSync(DIR) ? readdirSync(DIR).filter((d) => existsSync(join(DIR, d, 'profile.json'))).sort() : [];

function load(name: string): HardwareProfile {
  return HardwareProfileSchema.parse(JSON.parse(readFileSync(join(DIR, name, 'profile.json'), 'utf8')));
}

// n @ 640, 6 classes, 1000 images: [device ('cpu' or profile GPU index), backend, batch, accumulation, E, norm].
const EXPECTED: Record<string, [number | 'cpu', string, number, number, number, 'batch' | 'group']> = {
  'win-rtx3090': [0, 'tfjs-node-gpu', 24, 3, 72, 'batch'],
  'linux-laptop-igpu-rtx3060': [1, 'tfjs-node-gpu', 5, 13, 65, 'batch'],
  // Index 1 is the BMC's display adapter; GPU 4 has 4 MiB more free than 0, 2 and 3.
  'linux-4xa100-server': [4, 'tfjs-node-gpu', 64, 1, 64, 'batch'],
  // tfjs-node-gpu's libtensorflow is missing there: native CPU.
  'win-rtx4090-rtx3060': ['cpu', 'tfjs-node', 64, 1, 64, 'batch'],
  'vm-no-gpu': ['cpu', 'tfjs-node', 20, 3, 60, 'batch'],
  'win-gtx1080ti-capped': [0, 'tfjs-node-gpu', 10, 6, 60, 'batch'],
  'win-gtx1080ti-capped-no-smi': ['cpu', 'tfjs-node', 14, 5, 70, 'batch'],
};

test('fixture profiles exist (written by the hardware probe tests)', { skip: cases.length === 0 ? 'no fixture profiles yet' : false }, () => {
  assert.ok(cases.length >= 6);
});

for (const name of cases) {
  test(`fixture ${name}: plans at every scale and size, or refuses with what to change`, () => {
    const hw = load(name);
    for (const scale of ['n', 's', 'm'] as const) {
      for (const imgsz of [256, 416, 640]) {
        try {
          const p = planTraining(hw, { scale, imgsz, numClasses: 6 }, { trainImages: 1000 });
          TrainingPlanSchema.parse(p);
          assert.ok(p.memory.predictedBytes <= p.memory.budgetBytes);
          assert.equal(p.norm === 'group', p.perDeviceBatch < 4);
          if (p.device.kind === 'gpu') {
            const g = hw.gpus.find((x) => x.index === p.device.gpuIndex)!;
            assert.ok(g.cudaCapable && !g.integrated);
          }
        } catch (e) {
          assert.ok(e instanceof KestrelError && e.code === 'PLAN_DOES_NOT_FIT', String(e));
          assert.match(e.message, /Change one of: ./);
        }
      }
    }
  });
  const want = EXPECTED[name];
  if (want) {
    test(`fixture ${name}: n @ 640 gives the expected plan`, () => {
      const p = planTraining(load(name), { scale: 'n', imgsz: 640, numClasses: 6 }, { trainImages: 1000 });
      assert.deepEqual([p.device.kind === 'cpu' ? 'cpu' : p.device.gpuIndex, p.backend, p.perDeviceBatch, p.accumulation, p.effectiveBatch, p.norm], want);
      // 100 epochs of 1,000 images: 3 epochs of warmup (the 1,600-image floor and the 10% cap do not bite).
      assert.equal(p.warmupSteps, 3 * p.stepsPerEpoch);
      assert.ok(p.reasons.some((r) => r.code === 'PLAN_WARMUP_RULE_EPOCHS'));
    });
  }
}
