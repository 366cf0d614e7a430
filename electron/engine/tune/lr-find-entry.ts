/**
 * The LR range test process: runs runLrFind for the request in argv[2] (JSON LrFindRequest)
 * and sends each step, then the result or the error, as LrFindMessage over IPC. A separate
 * process, like training, so the app's main process never loads TF.js and an out-of-memory
 * abort kills only this process. A `{ type: 'stop' }` message ends the test early (the result
 * so far is still chosen and written).
 */
import { toErrorInfo } from '../../shared/errors';
import { LrFindRequestSchema, type LrFindMessage } from '../../shared/schemas/tune';
import { runLrFind } from './lr-find';

async function main(): Promise<void> {
  const req = LrFindRequestSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const stop = new AbortController();
  process.on('message', (m: unknown) => {
    if ((m as { type?: string } | null)?.type === 'stop') stop.abort();
  });
  const send = (m: LrFindMessage) => process.send?.(m);
  const result = await runLrFind({
    datasetPath: req.datasetPath,
    model: req.model,
    runDir: req.runDir,
    epochs: req.epochs,
    overrides: req.overrides,
    signal: stop.signal,
    ...(req.steps !== undefined ? { steps: req.steps } : {}),
    onPoint: (point) => send({ type: 'point', point }),
  });
  send({ type: 'done', result });
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    const info = toErrorInfo(err);
    process.send?.({ type: 'error', error: { code: info.code, message: info.message } } satisfies LrFindMessage);
    process.exitCode = 1;
    process.disconnect?.();
  },
);
