// A step host served in this process over a worker_threads MessageChannel (the page's host code,
// electron/gpu-host/host.ts, without Chromium), with a client that counts the requests the trainer
// sends, by op. Closed after the test file.
import { after } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { createStepClient, type StepClient } from '../../electron/gpu-host/client';
import { serveTrainingSteps } from '../../electron/gpu-host/host';

export function stepHostChannel(info: Parameters<typeof serveTrainingSteps>[1]['info']): { client: StepClient; sent: Map<string, number> } {
  const channel = new MessageChannel();
  const served = serveTrainingSteps(channel.port1, { info });
  const inner = createStepClient(channel.port2, { timeoutMs: 300_000 });
  after(() => {
    served.dispose();
    channel.port1.close();
    channel.port2.close();
  });
  const sent = new Map<string, number>();
  const client: StepClient = {
    request(op, payload, o) {
      sent.set(op, (sent.get(op) ?? 0) + 1);
      return inner.request(op, payload, o);
    },
    fail: (why) => inner.fail(why),
  };
  return { client, sent };
}
