// The pieces that connect a training process to a step host (the app's hidden WebGPU renderer):
// which runs may need one, and the message that carries its port. Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFork } from '../../../electron/engine/train/fork';
import { parseStepHostMessage, stepHostMessage, stepHostWanted } from '../../../electron/engine/train/step-host';
import { reason } from '../../../electron/shared/reason';
import { tempDir } from './helpers';

test('a run may need the hidden WebGPU renderer unless another backend is forced; software adapters only when webgpu is', () => {
  assert.deepEqual(stepHostWanted({}), { allowSoftware: false });
  assert.deepEqual(stepHostWanted({ env: '  ' }), { allowSoftware: false });
  assert.deepEqual(stepHostWanted({ env: 'webgpu' }), { allowSoftware: true });
  assert.deepEqual(stepHostWanted({ env: ' webgpu ' }), { allowSoftware: true });
  assert.equal(stepHostWanted({ env: 'wasm' }), null);
  assert.equal(stepHostWanted({ env: 'tfjs-node-gpu' }), null);
  // The run's own setting wins over the environment.
  assert.deepEqual(stepHostWanted({ job: 'webgpu', env: 'wasm' }), { allowSoftware: true });
  assert.equal(stepHostWanted({ job: 'cpu', env: 'webgpu' }), null);
  // An unknown value: the trainer refuses it (BACKEND_UNKNOWN); no window is opened for it.
  assert.equal(stepHostWanted({ env: 'cuda' }), null);
});

test('the step-host message round-trips; anything else is not one', () => {
  const why = reason('GPU_HOST_RENDERER', { detail: 'dawn.node failed to load', adapter: 'NVIDIA RTX 5090' });
  const msg = stepHostMessage(why);
  assert.deepEqual(parseStepHostMessage(structuredClone(msg)), msg);
  for (const other of [{ type: 'stop' }, { type: 'step-host' }, { type: 'step-host', reason: 'x' }, null, 'step-host']) assert.equal(parseStepHostMessage(other), null);
});

test("Node's child_process cannot hand a port to a child: said, not dropped", async () => {
  const tmp = tempDir('kestrel-step-host-');
  const entry = join(tmp.dir, 'idle.mjs');
  writeFileSync(entry, 'setTimeout(() => {}, 5000);\n');
  const child = nodeFork(entry, [], { name: 'port-less', quiet: true });
  const exited = new Promise((resolve) => child.onExit(resolve));
  try {
    assert.throws(() => child.postMessage({ type: 'step-host' }, [{}]), /cannot hand a MessagePort/);
    child.postMessage({ type: 'stop' }); // a message without ports still goes
  } finally {
    child.kill();
    await exited;
    tmp.cleanup();
  }
});
