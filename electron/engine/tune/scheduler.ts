/**
 * The search's scheduler, pure: successive halving over rungs of rising epochs. Which trial runs
 * next and to which rung, when the search is done, and who won, from the state alone (so a killed
 * search that reloads its state file makes the same next decision and continues).
 *
 * With a trial count (--trials N) it is synchronous successive halving: all N trials run rung 0,
 * then the best max(1, floor(k / eta)) of each completed rung continue, best first. With only a
 * time budget it is ASHA run by one worker: promote a trial into the next rung whenever it is in
 * the top 1/eta of the results of its rung so far, else start a new trial, until the budget ends.
 *
 * No JavaScript library fitted: Optuna and Ray Tune are Python; the npm packages for
 * hyper-parameter search found are unmaintained or drive their own trial loops, where Kestrel
 * needs a decision function it can checkpoint and test. The rule itself is a few lines.
 */

/** A trial's completed rungs as the scheduler sees them. */
export interface TrialView {
  id: number;
  results: ReadonlyArray<{ rung: number; fitness: number; seconds: number; epochs: number }>;
}

/** The scheduler's settings. */
export interface SchedulerConfig {
  /** Epochs at the end of each rung (rising). */
  rungEpochs: readonly number[];
  eta: number;
  /** Most trials started; null: ASHA until the budget ends. */
  maxTrials: number | null;
  /** Seconds of work allowed; null: none. */
  budgetSeconds: number | null;
}

/** What to do next. */
export type SchedulerAction =
  | { kind: 'run'; trial: number; rung: number; isNew: boolean; estimateSeconds: number | null }
  | { kind: 'done'; why: 'complete' | 'budget' };

/**
 * Rung epochs for a final epoch count, `rungs` rungs and reduction factor eta: the last rung is
 * the full run, each earlier one 1/eta of the next (at least 1 epoch, strictly rising).
 */
export function rungSchedule(finalEpochs: number, rungs: number, eta: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rungs; r++) out.push(Math.max(1, Math.ceil(finalEpochs / eta ** (rungs - 1 - r))));
  // Strictly rising: drop repeats (a 2-epoch search cannot have 3 rungs).
  return out.filter((e, i) => i === 0 || e > out[i - 1]!);
}

/** The rung's result of a trial, if it finished that rung. */
function resultAt(t: TrialView, rung: number) {
  return t.results.find((r) => r.rung === rung);
}

/** Trials that finished `rung`, best fitness first (ties: lower id first). */
export function ranked(trials: readonly TrialView[], rung: number): TrialView[] {
  return trials
    .filter((t) => resultAt(t, rung) !== undefined)
    .sort((a, b) => resultAt(b, rung)!.fitness - resultAt(a, rung)!.fitness || a.id - b.id);
}

/** Seconds per epoch measured so far (null before the first result). */
export function secondsPerEpoch(trials: readonly TrialView[], rungEpochs: readonly number[]): number | null {
  let s = 0;
  let e = 0;
  for (const t of trials) {
    for (const r of t.results) {
      s += r.seconds;
      e += r.epochs - (r.rung > 0 ? (rungEpochs[r.rung - 1] ?? 0) : 0);
    }
  }
  return e > 0 ? s / e : null;
}

function runOf(cfg: SchedulerConfig, trials: readonly TrialView[], trial: number, rung: number, isNew: boolean): SchedulerAction {
  const spe = secondsPerEpoch(trials, cfg.rungEpochs);
  const epochs = (cfg.rungEpochs[rung] ?? 0) - (rung > 0 ? (cfg.rungEpochs[rung - 1] ?? 0) : 0);
  return { kind: 'run', trial, rung, isNew, estimateSeconds: spe === null ? null : spe * epochs };
}

/** The next action of the search from its trials so far and the seconds spent. */
export function nextAction(cfg: SchedulerConfig, trials: readonly TrialView[], elapsedSeconds: number): SchedulerAction {
  const action = chooseNext(cfg, trials);
  if (action.kind === 'done') return action;
  if (cfg.budgetSeconds !== null && trials.some((t) => t.results.length > 0)) {
    // The first rung of the first trial always runs: without it there is nothing to report.
    const est = action.estimateSeconds ?? 0;
    if (elapsedSeconds >= cfg.budgetSeconds || elapsedSeconds + est > cfg.budgetSeconds) return { kind: 'done', why: 'budget' };
  }
  return action;
}

function chooseNext(cfg: SchedulerConfig, trials: readonly TrialView[]): SchedulerAction {
  const top = cfg.rungEpochs.length - 1;
  // A trial started but not through rung 0 (the search was killed): finish it first.
  const pending = trials.filter((t) => t.results.length === 0).sort((a, b) => a.id - b.id)[0];
  if (pending) return runOf(cfg, trials, pending.id, 0, false);
  const nextId = trials.reduce((m, t) => Math.max(m, t.id + 1), 0);
  if (cfg.maxTrials !== null) {
    if (trials.length < cfg.maxTrials) return runOf(cfg, trials, nextId, 0, true);
    // Synchronous halving: the lowest rung whose continuing trials have not all run the next one.
    for (let r = 0; r < top; r++) {
      const done = ranked(trials, r);
      const quota = Math.max(1, Math.floor(done.length / cfg.eta));
      const missing = done.slice(0, quota).find((t) => resultAt(t, r + 1) === undefined);
      if (missing) return runOf(cfg, trials, missing.id, r + 1, false);
    }
    return { kind: 'done', why: 'complete' };
  }
  // ASHA: the highest rung first, so good trials reach the full run early.
  for (let r = top - 1; r >= 0; r--) {
    const done = ranked(trials, r);
    const quota = Math.floor(done.length / cfg.eta);
    const missing = done.slice(0, quota).find((t) => resultAt(t, r + 1) === undefined);
    if (missing) return runOf(cfg, trials, missing.id, r + 1, false);
  }
  return runOf(cfg, trials, nextId, 0, true);
}

/** The winner: of the trials that reached the highest rung, the best fitness there (null: no results). */
export function winner(trials: readonly TrialView[]): { id: number; rung: number } | null {
  for (let r = Math.max(-1, ...trials.flatMap((t) => t.results.map((x) => x.rung))); r >= 0; r--) {
    const best = ranked(trials, r)[0];
    if (best) return { id: best.id, rung: r };
  }
  return null;
}
