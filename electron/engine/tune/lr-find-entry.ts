/**
 * The LR range test process: runs runLrFind for the request in argv[2] (JSON LrFindRequest)
 * and sends each step, then the result or the error, as LrFindMessage to its parent. A separate
 * process, like training, so the app's main process never loads TF.js and an out-of-memory
 * abort kills only this process. A `{ type: 'stop' }` message ends the test early (the result
 * so far is still chosen and written). Runs under Node's fork (the CLI, tests) and Electron's
 * utilityProcess (the app), whose parent link is `process.parentPort`.
 */
import { toErrorInfo } from '../../shared/errors';
import { LrFindRequestSchema, type LrFindMessage } from '../../shared/schemas/tune';
import { runLrFind } from './lr-find';

/** Electron's utilityProcess link: messages arrive as events with `.data`. */
interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}
const port = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(m: LrFindMessage): void {
  if (port) port.postMessage(m);
  else process.send?.(m);
}

function onStop(stop: () => void): void {
  const isStop = (m: unknown) => (m as { type?: string } | null)?.type === 'stop';
  if (port) port.on('message', (e) => isStop(e.data) && stop());
  else process.on('message', (m: unknown) => isStop(m) && stop());
}

async function main(): Promise<void> {
  const req = LrFindRequestSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const stop = new AbortController();
  onStop(() => stop.abort());
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

/** Ends the process once its last message is on its way (a utilityProcess's port would keep it alive). */
function end(code: number): void {
  if (port) process.exit(code);
  process.exitCode = code;
  process.disconnect?.();
}

main().then(
  () => end(0),
  (err: unknown) => {
    const info = toErrorInfo(err);
    const params = Object.fromEntries(Object.entries(info.details ?? {}).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))) as Record<string, string | number | boolean>;
    send({ type: 'error', error: { code: info.code, message: info.message, ...(Object.keys(params).length ? { params } : {}) } });
    end(1);
  },
);
