// The search's scheduler: successive halving with a trial count, ASHA with a budget, the winner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAction, ranked, rungSchedule, secondsPerEpoch, winner, type SchedulerAction, type SchedulerConfig, type TrialView } from '../../../electron/engine/tune/scheduler';

type Mutable = { id: number; results: Array<{ rung: number; fitness: number; seconds: number; epochs: number }> };

/** Drives the scheduler to the end with a fitness per (trial, rung); returns the actions in order. */
function drive(cfg: SchedulerConfig, fit: (id: number, rung: number) => number, secondsPerEpochRun = 10, limit = 200): { actions: SchedulerAction[]; trials: Mutable[]; elapsed: number } {
  const trials: Mutable[] = [];
  const actions: SchedulerAction[] = [];
  let elapsed = 0;
  for (let k = 0; k < limit; k++) {
    const a = nextAction(cfg, trials, elapsed);
    actions.push(a);
    if (a.kind === 'done') break;
    if (a.isNew) trials.push({ id: a.trial, results: [] });
    const epochs = cfg.rungEpochs[a.rung]!;
    const seconds = secondsPerEpochRun * (epochs - (a.rung > 0 ? cfg.rungEpochs[a.rung - 1]! : 0));
    elapsed += seconds;
    trials.find((t) => t.id === a.trial)!.results.push({ rung: a.rung, fitness: fit(a.trial, a.rung), seconds, epochs });
  }
  return { actions, trials, elapsed };
}

const runs = (actions: SchedulerAction[]) => actions.flatMap((a) => (a.kind === 'run' ? [`${a.trial}@${a.rung}`] : []));

test('rungSchedule: each rung 1/eta of the next, strictly rising', () => {
  assert.deepEqual(rungSchedule(9, 3, 3), [1, 3, 9]);
  assert.deepEqual(rungSchedule(27, 3, 3), [3, 9, 27]);
  assert.deepEqual(rungSchedule(2, 2, 3), [1, 2]);
  assert.deepEqual(rungSchedule(2, 3, 3), [1, 2], 'repeats dropped');
  assert.deepEqual(rungSchedule(10, 1, 3), [10]);
});

test('--trials 9: all nine run rung 0, the best 3 rung 1, the best of those rung 2 (synchronous halving)', () => {
  const cfg: SchedulerConfig = { rungEpochs: [1, 3, 9], eta: 3, maxTrials: 9, budgetSeconds: null };
  // Fitness rises with the id at rung 0; at rung 1 trial 6 beats 7 and 8.
  const fit = (id: number, rung: number) => (rung === 1 && id === 6 ? 0.9 : id / 10 + rung / 100);
  const { actions, trials } = drive(cfg, fit);
  assert.deepEqual(runs(actions), ['0@0', '1@0', '2@0', '3@0', '4@0', '5@0', '6@0', '7@0', '8@0', '8@1', '7@1', '6@1', '6@2']);
  assert.deepEqual(actions.at(-1), { kind: 'done', why: 'complete' });
  assert.deepEqual(winner(trials), { id: 6, rung: 2 });
});

test('--trials 3 with 2 rungs: one continues (at least one always does)', () => {
  const cfg: SchedulerConfig = { rungEpochs: [1, 2], eta: 3, maxTrials: 3, budgetSeconds: null };
  const { actions, trials } = drive(cfg, (id) => [0.2, 0.5, 0.1][id]!);
  assert.deepEqual(runs(actions), ['0@0', '1@0', '2@0', '1@1']);
  assert.deepEqual(winner(trials), { id: 1, rung: 1 });
});

test('the same state gives the same next action (a killed search continues where it was)', () => {
  const cfg: SchedulerConfig = { rungEpochs: [1, 3], eta: 2, maxTrials: 4, budgetSeconds: null };
  const trials: TrialView[] = [
    { id: 0, results: [{ rung: 0, fitness: 0.3, seconds: 5, epochs: 1 }] },
    { id: 1, results: [] }, // started, killed inside rung 0
  ];
  const a = nextAction(cfg, trials, 5);
  assert.deepEqual(a, { kind: 'run', trial: 1, rung: 0, isNew: false, estimateSeconds: 5 });
  assert.deepEqual(nextAction(cfg, structuredClone(trials), 5), a);
});

test('budget only: ASHA promotes as soon as a trial is in the top 1/eta, and stops before the budget is passed', () => {
  const cfg: SchedulerConfig = { rungEpochs: [1, 3], eta: 3, maxTrials: null, budgetSeconds: 100 };
  const { actions, elapsed } = drive(cfg, (id, rung) => ((id * 7) % 5) / 10 + rung);
  const seq = runs(actions);
  assert.deepEqual(seq.slice(0, 4), ['0@0', '1@0', '2@0', '2@1'], 'after 3 results the best (trial 2) is promoted at once');
  assert.deepEqual(actions.at(-1), { kind: 'done', why: 'budget' });
  assert.ok(elapsed <= 100, `elapsed ${elapsed}`);
});

test('the first rung always runs, even with a tiny budget', () => {
  const cfg: SchedulerConfig = { rungEpochs: [2, 4], eta: 3, maxTrials: null, budgetSeconds: 1 };
  const { actions } = drive(cfg, () => 0.5);
  assert.deepEqual(runs(actions), ['0@0']);
  assert.deepEqual(actions.at(-1), { kind: 'done', why: 'budget' });
});

test('--trials with a budget: the trial count and the budget both bound the search', () => {
  const cfg: SchedulerConfig = { rungEpochs: [1, 3, 9], eta: 3, maxTrials: 9, budgetSeconds: 60 };
  const { actions } = drive(cfg, (id) => id / 10);
  assert.equal(runs(actions).length, 6, 'six 10-second rung-0 trials fill 60 s');
  assert.deepEqual(actions.at(-1), { kind: 'done', why: 'budget' });
});

test('ranking ties go to the lower id; seconds per epoch count only the epochs each rung added', () => {
  const trials: TrialView[] = [
    { id: 2, results: [{ rung: 0, fitness: 0.5, seconds: 10, epochs: 1 }] },
    { id: 1, results: [{ rung: 0, fitness: 0.5, seconds: 10, epochs: 1 }, { rung: 1, fitness: 0.6, seconds: 40, epochs: 3 }] },
  ];
  assert.deepEqual(ranked(trials, 0).map((t) => t.id), [1, 2]);
  assert.equal(secondsPerEpoch(trials, [1, 3]), 60 / 4);
  assert.equal(winner([]), null);
  assert.deepEqual(winner(trials), { id: 1, rung: 1 });
});
