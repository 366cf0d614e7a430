/**
 * One progress display for the CLI's long jobs (`kestrel train`, `kestrel predict`). On a
 * terminal the line is redrawn in place (carriage return, at most 5 times a second). In a log
 * (stdout/stderr not a TTY, or CI set, or TERM=dumb) it prints plain lines at a bounded rate:
 * one each time the job passes another 10%, or after 30 s without one, and one at the end;
 * never a carriage return or an escape sequence.
 */

/** Erases the current terminal line (carriage return + clear to end of line). */
const ERASE_LINE = '\r\x1b[K';

/**
 * Whether `stream` is a terminal a redrawn line suits: a TTY, outside CI (CI=true, as CI
 * services set it; CI=0 or CI=false count as unset) and not TERM=dumb.
 */
export function isInteractive(stream: { isTTY?: boolean | undefined }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (stream.isTTY !== true) return false;
  const ci = env['CI']?.trim().toLowerCase();
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') return false;
  return env['TERM'] !== 'dumb';
}

/** How a progress display writes and how often. */
export interface ProgressOptions {
  /** Redraw one line in place (a terminal) or print plain lines (a log). */
  tty: boolean;
  /** Raw text for the terminal line (e.g. process.stderr.write); no newline is added. */
  write: (text: string) => void;
  /** One whole line of a log (e.g. io.err). */
  line: (text: string) => void;
  /** The clock in ms (tests pass their own). */
  now?: () => number;
  /** Terminal: the least time between two redraws (default 200 ms). */
  redrawMs?: number;
  /** Log: the most time without a line (default 30 s). */
  logEveryMs?: number;
  /** Log: a line each time the job passes another 1/logSteps of its total (default 10, every 10%). */
  logSteps?: number;
}

/** A progress display: `update` as work is done, `clear` before other output, `finish` at the end. */
export interface Progress {
  /** `done` of `total` units are done; `render` makes the line and is called only when it is shown. */
  update(done: number, total: number, render: () => string): void;
  /** Before printing anything else: erases the redrawn line on a terminal (a log needs nothing). */
  clear(): void;
  /** At the end: a terminal keeps the last line and moves past it. */
  finish(): void;
}

/** A progress display for a terminal or a log (see the file's header). */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const redrawMs = opts.redrawMs ?? 200;
  const logEveryMs = opts.logEveryMs ?? 30_000;
  const steps = opts.logSteps ?? 10;
  let lastMs = now();
  let lastStep = 0;
  let drawn = false; // a terminal line is on screen
  let ended = false; // the final line of a log was printed
  let anyDrawn = false;
  return {
    update(done, total, render) {
      const t = now();
      const finished = total > 0 && done >= total;
      if (opts.tty) {
        if (!finished && anyDrawn && t - lastMs < redrawMs) return;
        opts.write(ERASE_LINE + render());
        drawn = true;
        anyDrawn = true;
        lastMs = t;
        return;
      }
      const step = total > 0 ? Math.floor((Math.min(done, total) / total) * steps) : 0;
      const due = finished ? !ended : step > lastStep || t - lastMs >= logEveryMs;
      if (!due) return;
      opts.line(render());
      lastStep = Math.max(lastStep, step);
      lastMs = t;
      if (finished) ended = true;
    },
    clear() {
      if (opts.tty && drawn) opts.write(ERASE_LINE);
      drawn = false;
    },
    finish() {
      if (opts.tty && drawn) opts.write('\n');
      drawn = false;
    },
  };
}
