/**
 * The memory-probe process: runs a few real training steps at the batch sizes it is given and
 * sends back the measured peaks. A separate process, so that a probe that runs out of memory
 * kills only itself. Input: argv[2] = JSON ProbeRequest. Output: one IPC message
 * { ok: true, points } or { ok: false, error }.
 */
import { initBackend, measureStepPeaks, ProbeRequestSchema } from '../engine/index';

async function main(): Promise<void> {
  const req = ProbeRequestSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  await initBackend({ force: req.backend });
  const points = await measureStepPeaks(req.spec, req.optimizer, req.batches, req.steps);
  process.send?.({ ok: true, points });
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
