/**
 * The LR range test for the app, parent side and free of TF.js (main may import it): runs the
 * test in a child process (lr-find-entry.ts), hands each measured step to `onPoint` for a live
 * chart, and resolves with lr-find.json's content. Also the chart's series, pure.
 */
import { fileURLToPath } from 'node:url';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { LrFindMessageSchema, LrFindRequestSchema, type LrFindChart, type LrFindPoint, type LrFindRequest, type LrFindResult } from '../../shared/schemas/tune';
import { nodeFork, type ForkFn } from '../train/fork';
import { trendOf } from './lr-choice';

/** The LR range test process's entry (KESTREL_LR_FIND_ENTRY overrides it, e.g. in a bundled app). */
export function lrFindEntry(): string {
  return process.env.KESTREL_LR_FIND_ENTRY ?? fileURLToPath(new URL('./lr-find-entry.ts', import.meta.url));
}

/** How {@link runLrFindProcess} runs the child. */
export interface LrFindProcessOptions {
  /** Each measured step, for a live chart. */
  onPoint?: (p: LrFindPoint) => void;
  /** Aborting asks the child to stop. */
  signal?: AbortSignal;
  /** How to start it (default Node's fork; the app: Electron's utilityProcess). */
  fork?: ForkFn;
  /** The entry file (default lrFindEntry(): the bundled app passes its built one). */
  entry?: string;
}

/**
 * Runs the LR range test in a child process. Aborting `signal` asks the child to stop; it still
 * chooses from the steps so far. Rejects with the child's KestrelError (its code and figures)
 * when it fails, and with TUNE_LR_FIND_ENDED when the process ends without an answer.
 */
export function runLrFindProcess(request: LrFindRequest, opts: LrFindProcessOptions = {}): Promise<LrFindResult> {
  const req = LrFindRequestSchema.parse(request);
  return new Promise((resolve, reject) => {
    const child = (opts.fork ?? nodeFork)(opts.entry ?? lrFindEntry(), [JSON.stringify(req)], { name: 'kestrel-lr-find', quiet: true });
    let settled = false;
    const onAbort = () => child.postMessage({ type: 'stop' });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    child.onMessage((raw) => {
      const m = LrFindMessageSchema.safeParse(raw);
      if (!m.success) return;
      if (m.data.type === 'point') opts.onPoint?.(m.data.point);
      else if (m.data.type === 'done') {
        const result = m.data.result;
        done(() => resolve(result));
      } else {
        const e = m.data.error;
        done(() => reject(new KestrelError(e.code, e.message, e.params)));
      }
    });
    child.onExit((exit) => {
      const params = { cause: exit.cause ?? `exit code ${exit.code}`, detail: exit.stderrTail?.trim().split('\n').slice(-1)[0] || 'no message' };
      done(() => reject(new KestrelError('TUNE_LR_FIND_ENDED', reason('TUNE_LR_FIND_ENDED', params).message, params)));
    });
  });
}

/** The chart's series from lr-find.json (pure). */
export function lrFindChart(r: LrFindResult): LrFindChart {
  const trend = trendOf(r.curve.map((p) => p.loss));
  return {
    points: r.curve.map((p, i) => ({ log10Lr: Math.log10(p.lr), loss: p.loss, smooth: p.smooth, trend: trend[i]! })),
    chosen: { lr: r.choice.lr, log10Lr: Math.log10(r.choice.lr) },
    planned: { lr: r.plan.lr, log10Lr: Math.log10(r.plan.lr) },
    rule: r.choice.rule,
    reasons: r.choice.reasons,
  };
}
