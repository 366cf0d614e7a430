import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createDetector } from '../../../electron/engine/model/detector';
import { describeModel } from '../../../electron/engine/model/describe';
import type { ModelScale, NormKind } from '../../../electron/shared/schemas/model';

const size = (vs: tf.Variable[]): number => vs.reduce((a, v) => a + v.size, 0);

for (const scale of ['n', 's', 'm'] as ModelScale[]) {
  for (const norm of ['batch', 'group'] as NormKind[]) {
    test(`built ${scale}/${norm} network has the parameters and buffers describeModel reports`, async () => {
      await tf.setBackend('cpu');
      const spec = { scale, imgsz: 64, numClasses: 3, norm };
      const det = createDetector(spec, { seed: 1 });
      try {
        const tv = det.trainableVariables();
        const trainable = size([...tv.weights, ...tv.norms, ...tv.biases]);
        const figures = describeModel(spec);
        assert.equal(trainable, figures.params);
        assert.equal(size([...det.buffers().values()]), figures.buffers);
        assert.equal(det.params().length, tv.weights.length + tv.norms.length + tv.biases.length);
        assert.ok(det.params().every((p) => p.variable.trainable));
        assert.ok([...det.buffers().values()].every((v) => !v.trainable));
        if (scale === 'n') {
          // Ultralytics' YOLOv8n summary (80 classes): "3157200 parameters, 3157184 gradients";
          // the 16 without gradient are its fixed DFL projection conv, which here is a constant.
          const f80 = describeModel({ ...spec, numClasses: 80 });
          assert.equal(f80.params, 3157184);
        }
      } finally {
        det.dispose();
      }
    });
  }
}
