// The app's side of the LR range test: messages from the child process, stop, failures, and the chart's series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrFindChart, runLrFindProcess } from '../../../electron/engine/tune/lr-find-process';
import type { ChildExit, ChildHandle, ForkFn } from '../../../electron/engine/train/fork';
import { KestrelError } from '../../../electron/shared/errors';
import { lrFindResult } from '../../helpers/tune';

const curve = [1e-5, 1e-4, 1e-3, 1e-2].map((lr, step) => ({ step, lr, loss: 3 - step * 0.5, smooth: 3 - step * 0.4 }));
const result = lrFindResult(curve, { plannedLr: 5e-4 });

/** A fake child: replays `script` once the parent listens; records what the parent posts. */
function fakeFork(script: (h: { send: (m: unknown) => void; exit: (e: ChildExit) => void }) => void, posted: unknown[], args: string[][]): ForkFn {
  return (_entry, a) => {
    args.push(a);
    let onMsg: (m: unknown) => void = () => undefined;
    let onExit: (e: ChildExit) => void = () => undefined;
    const handle: ChildHandle = {
      pid: 1,
      postMessage: (m) => void posted.push(m),
      onMessage: (l) => void (onMsg = l),
      onExit: (l) => void (onExit = l),
      kill: () => undefined,
    };
    setImmediate(() => script({ send: (m) => onMsg(m), exit: (e) => onExit(e) }));
    return handle;
  };
}

const request = { datasetPath: 'd', model: { scale: 'n' as const, imgsz: 64 }, runDir: '/tmp/x', epochs: 10 };

test('runLrFindProcess: streams the points, resolves with the result, passes the request as JSON', async () => {
  const posted: unknown[] = [];
  const args: string[][] = [];
  const points: number[] = [];
  const fork = fakeFork((h) => {
    for (const point of curve) h.send({ type: 'point', point });
    h.send({ type: 'garbage' }); // ignored
    h.send({ type: 'done', result });
    h.exit({ code: 0, cause: null });
  }, posted, args);
  const r = await runLrFindProcess(request, { fork, onPoint: (p) => points.push(p.lr) });
  assert.deepEqual(r, result);
  assert.deepEqual(points, [1e-5, 1e-4, 1e-3, 1e-2]);
  assert.deepEqual(JSON.parse(args[0]![0]!), { ...request, overrides: {} });
});

test('runLrFindProcess: abort posts stop; a child error rejects with its code; a dead child rejects', async () => {
  const posted: unknown[] = [];
  const stop = new AbortController();
  const fork = fakeFork((h) => {
    stop.abort();
    h.send({ type: 'error', error: { code: 'DS_NOT_FOUND', message: 'no such set' } });
  }, posted, []);
  await assert.rejects(runLrFindProcess(request, { fork, signal: stop.signal }), (e: unknown) => e instanceof KestrelError && e.code === 'DS_NOT_FOUND');
  assert.deepEqual(posted, [{ type: 'stop' }]);
  const dead = fakeFork((h) => h.exit({ code: null, cause: 'SIGKILL', stderrTail: 'abort\nout of memory' }), [], []);
  await assert.rejects(runLrFindProcess(request, { fork: dead }), /ended \(SIGKILL\): out of memory/);
});

test('lrFindChart: log10 LR series with the chosen and planned LRs', () => {
  const c = lrFindChart(result);
  assert.deepEqual(c.points.map((p) => p.log10Lr), [-5, -4, -3, -2]);
  assert.deepEqual(c.points.map((p) => p.trend), [2.75, 2.5, 2, 1.75], 'the centred average of the raw losses');
  assert.equal(c.planned.lr, 5e-4);
  assert.equal(c.chosen.lr, result.choice.lr);
  assert.ok(Math.abs(c.chosen.log10Lr - Math.log10(result.choice.lr)) < 1e-12);
  assert.deepEqual(c.reasons, result.choice.reasons);
});
