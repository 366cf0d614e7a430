// The trainer's end of the link to a step host (electron/worker/host-step.ts stepHostFromParent):
// it listens for the parent's step-host message from the start, trains through the port that
// message carries, fails every request with GPU_HOST_GONE once the host's end closes, and says
// GPU_HOST_NO_PORT when no port comes. Over real worker_threads MessageChannels, on the cpu backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { serveTrainingSteps } from '../../electron/gpu-host/host';
import { stepHostMessage } from '../../electron/engine/train/step-host';
import { KestrelError } from '../../electron/shared/errors';
import { reason } from '../../electron/shared/reason';
import type { ParentLink } from '../../electron/worker/transport';
import { stepHostFromParent } from '../../electron/worker/host-step';

await tf.setBackend('cpu');

/** A parent link whose messages the test sends. */
function fakeParent(): { link: ParentLink; send(msg: unknown, ports?: unknown[]): void } {
  const listeners: Array<(msg: unknown, ports: readonly unknown[]) => void> = [];
  return {
    link: { post: async () => undefined, onMessage: (l) => void listeners.push(l), close: () => undefined },
    send: (msg, ports = []) => listeners.forEach((l) => l(msg, ports)),
  };
}

const rejectsWith = (code: string) => (e: unknown) => e instanceof KestrelError && e.code === code;

test("the parent's port: the steps' backend is the host's, with main's reason; a closed host fails every request", async () => {
  const parent = fakeParent();
  const host = stepHostFromParent(parent.link, { waitMs: 5_000 });
  const channel = new MessageChannel();
  const served = serveTrainingSteps(channel.port1, { info: () => ({ backend: 'cpu', adapter: null, runtime: 'test' }) });
  const why = reason('GPU_HOST_RENDERER', { detail: 'dawn.node failed to load', adapter: 'Test GPU' });
  // Other messages (stop, a step-host message without its port) are not the host.
  parent.send({ type: 'stop' }, [channel.port2]);
  parent.send(stepHostMessage(why));
  parent.send(stepHostMessage(why), [channel.port2]);
  const backend = await host.backend();
  assert.deepEqual([backend.id, backend.reason], ['cpu', why]);
  served.dispose();
  channel.port1.close();
  await assert.rejects(host.backend(), rejectsWith('GPU_HOST_GONE'));
});

test('no port from the parent within the wait: GPU_HOST_NO_PORT, with the seconds it waited', async () => {
  const host = stepHostFromParent(fakeParent().link, { waitMs: 50 });
  await assert.rejects(host.backend(), (e: unknown) => rejectsWith('GPU_HOST_NO_PORT')(e) && /within 0 s/.test((e as Error).message));
});
