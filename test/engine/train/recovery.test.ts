// The recovery policy as tables: memory deaths, OOM restarts, the runner's decision after an exit, in-process OOM and NaN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChildExit } from '../../../electron/engine/train/fork';
import { nodeExitCause } from '../../../electron/engine/train/fork';
import {
  decideAfterExit,
  decideInProcessOom,
  decideNanRecovery,
  decideOomRestart,
  diedOfMemory,
  DEFAULT_RESTART_POLICY,
  halveLayout,
  MAX_NAN_RECOVERIES,
  memoryDeathBasis,
  type ExitFacts,
} from '../../../electron/engine/train/recovery';

test('OOM decisions: halving keeps the effective batch; odd batches never shrink it; limits hold', () => {
  assert.deepEqual(decideOomRestart({ perDeviceBatch: 8, accumulation: 2 }, 0, 3, 'oom'), {
    restart: true,
    from: { perDeviceBatch: 8, accumulation: 2 },
    to: { perDeviceBatch: 4, accumulation: 4 },
  });
  const odd = decideOomRestart({ perDeviceBatch: 5, accumulation: 3 }, 0, 3, 'oom');
  assert.ok(odd.restart && odd.to.perDeviceBatch === 2 && odd.to.perDeviceBatch * odd.to.accumulation >= 15);
  assert.equal(decideOomRestart({ perDeviceBatch: 1, accumulation: 16 }, 0, 3, 'oom').restart, false);
  const gaveUp = decideOomRestart({ perDeviceBatch: 4, accumulation: 4 }, 3, 3, 'oom');
  assert.ok(!gaveUp.restart && gaveUp.reason.code === 'APP_OOM_GAVE_UP');
  assert.deepEqual(halveLayout({ perDeviceBatch: 16, accumulation: 4 }), { perDeviceBatch: 8, accumulation: 8 });
  assert.deepEqual(halveLayout({ perDeviceBatch: 3, accumulation: 2 }), { perDeviceBatch: 1, accumulation: 6 });
  assert.equal(halveLayout({ perDeviceBatch: 1, accumulation: 64 }), null);
});

test('which deaths count as out of memory, and on what grounds', () => {
  const rows: Array<[ChildExit, string | null, ReturnType<typeof memoryDeathBasis>]> = [
    [{ code: 0, cause: null }, null, null],
    [{ code: 0, cause: null }, 'OUT_OF_MEMORY', null],
    [{ code: 3, cause: 'crashed' }, null, null],
    [{ code: 1, cause: 'crashed' }, 'OUT_OF_MEMORY', 'oom-error'],
    [{ code: null, cause: 'oom' }, null, 'reported'],
    [{ code: null, cause: 'SIGKILL' }, null, 'killed-assumed-oom'],
    [{ code: null, cause: 'killed' }, null, 'killed-assumed-oom'],
    [{ code: 137, cause: 'crashed' }, null, 'killed-assumed-oom'],
    [{ code: null, cause: 'SIGSEGV' }, null, null],
  ];
  for (const [exit, lastError, basis] of rows) {
    assert.equal(memoryDeathBasis(exit, lastError), basis, JSON.stringify([exit, lastError]));
    assert.equal(diedOfMemory(exit, lastError ? { error: { code: lastError } } : null), basis !== null);
  }
  assert.deepEqual(
    ([[0, null], [134, null], [null, 'SIGABRT'], [null, 'SIGKILL'], [3, null]] as const).map(([c, s]) => nodeExitCause(c, s)),
    [null, 'oom', 'oom', 'SIGKILL', 'crashed'],
  );
});

const base: ExitFacts = {
  exit: { code: 3, cause: 'crashed' },
  done: false,
  reportedFailure: false,
  ended: false,
  started: true,
  intended: false,
  lastErrorCode: null,
  layout: null,
  planLayout: { perDeviceBatch: 8, accumulation: 2 },
  checkpoint: { epoch: 2, step: 40, layout: { perDeviceBatch: 8, accumulation: 2 } },
  oomRestarts: 0,
  crashRestarts: 0,
  runDir: '/runs/r',
};
const cli = { maxOomRestarts: 3, maxCrashRestarts: 3 };
const oom = { code: 134, cause: 'oom' } as const;

test('after an exit: end cleanly, restart, or end with the reason', () => {
  const rows: Array<[string, Partial<ExitFacts>, typeof cli, string]> = [
    ['clean exit after done', { exit: { code: 0, cause: null }, done: true }, DEFAULT_RESTART_POLICY, 'end:clean'],
    ['clean exit after train-end', { exit: { code: 0, cause: null }, ended: true }, DEFAULT_RESTART_POLICY, 'end:clean'],
    ['exit 0 without a word', { exit: { code: 0, cause: null } }, DEFAULT_RESTART_POLICY, 'end:APP_CRASHED'],
    ['plain crash, app policy', {}, DEFAULT_RESTART_POLICY, 'end:APP_CRASHED'],
    ['plain crash, CLI policy', {}, cli, 'restart:TRAIN_CRASH_RECOVERED'],
    ['crash at start-up is not retried', { started: false }, cli, 'end:TRAIN_START_FAILED'],
    ['a memory-like death at start-up is a start-up failure too', { started: false, exit: oom }, DEFAULT_RESTART_POLICY, 'end:TRAIN_START_FAILED'],
    ['a kill before the first message is a start-up failure', { started: false, exit: { code: null, cause: 'SIGKILL' } }, cli, 'end:TRAIN_START_FAILED'],
    ['launch failure is not retried', { exit: { code: null, cause: 'launch-failed' } }, cli, 'end:TRAIN_START_FAILED'],
    ['a reported failure is not retried', { exit: { code: 1, cause: 'crashed' }, reportedFailure: true }, cli, 'end:APP_CRASHED'],
    ['crash restarts used up', { crashRestarts: 3 }, cli, 'end:TRAIN_CRASH_GAVE_UP'],
    ['memory death with a checkpoint', { exit: oom }, DEFAULT_RESTART_POLICY, 'restart:APP_RECOVERED_OOM_RESTART'],
    ['memory death before a checkpoint', { exit: oom, checkpoint: null }, DEFAULT_RESTART_POLICY, 'restart:APP_RECOVERED_OOM_RESTART_FRESH'],
    ['memory death, layout unknown', { exit: oom, checkpoint: null, planLayout: null }, DEFAULT_RESTART_POLICY, 'end:APP_CRASHED_OOM'],
    ['memory death at batch 1', { exit: oom, layout: { perDeviceBatch: 1, accumulation: 16 } }, DEFAULT_RESTART_POLICY, 'end:APP_OOM_AT_BATCH_ONE'],
    ['memory restarts used up', { exit: oom, oomRestarts: 3 }, DEFAULT_RESTART_POLICY, 'end:APP_OOM_GAVE_UP'],
    ['memory death while stopping', { exit: oom, intended: true }, DEFAULT_RESTART_POLICY, 'end:APP_CRASHED_OOM'],
    ['kill without a word while stopping', { exit: { code: null, cause: 'SIGKILL' }, intended: true }, DEFAULT_RESTART_POLICY, 'end:APP_CRASHED_KILLED'],
    ['kill without a word before a checkpoint', { exit: { code: 137, cause: 'crashed' }, checkpoint: null }, DEFAULT_RESTART_POLICY, 'restart:APP_RECOVERED_KILLED_RESTART_FRESH'],
    ['crash after train-end', { ended: true }, cli, 'end:APP_CRASHED'],
  ];
  for (const [name, facts, policy, want] of rows) {
    const d = decideAfterExit({ ...base, ...facts }, policy);
    const got = d.action === 'restart' ? `restart:${d.notice.reason.code}` : d.clean ? 'end:clean' : `end:${d.reason.code}`;
    assert.equal(got, want, name);
  }
});

test('a memory restart halves the layout the process ran at, says what it assumed, and resumes only from a checkpoint', () => {
  const killed = decideAfterExit({ ...base, exit: { code: null, cause: 'SIGKILL' }, layout: { perDeviceBatch: 4, accumulation: 1 } }, DEFAULT_RESTART_POLICY);
  assert.ok(killed.action === 'restart');
  assert.deepEqual([killed.resume, killed.layout, killed.notice.from, killed.notice.resumeEpoch], [true, { perDeviceBatch: 2, accumulation: 2 }, { perDeviceBatch: 4, accumulation: 1 }, 2]);
  assert.deepEqual([killed.notice.reason.params['cause'], killed.notice.reason.params['basis'], killed.notice.reason.params['epoch']], ['SIGKILL', 'killed-assumed-oom', 3]);
  // A kill is told apart from a reported memory death: its own sentence says the memory death was assumed.
  assert.equal(killed.notice.reason.code, 'APP_RECOVERED_KILLED_RESTART');
  assert.equal(killed.notice.basis, 'killed-assumed-oom');
  assert.match(killed.notice.reason.message, /killed from outside.*assumed/);
  const reported = decideAfterExit({ ...base, exit: oom }, DEFAULT_RESTART_POLICY);
  assert.ok(reported.action === 'restart' && reported.notice.basis === 'reported' && reported.notice.reason.code === 'APP_RECOVERED_OOM_RESTART');
  // A start-up failure names the child's last words when they were kept.
  const early = decideAfterExit({ ...base, started: false, exit: { code: 1, cause: 'crashed', stderrTail: 'x\nError: Cannot find package tsx\n' } }, cli);
  assert.ok(early.action === 'end' && !early.clean && early.reason.code === 'TRAIN_START_FAILED' && /Cannot find package tsx/.test(early.reason.message));
  // Without a job layout: the checkpoint's, then the plan event's.
  const fresh = decideAfterExit({ ...base, exit: oom, checkpoint: null, planLayout: { perDeviceBatch: 6, accumulation: 1 } }, DEFAULT_RESTART_POLICY);
  assert.ok(fresh.action === 'restart' && !fresh.resume && fresh.notice.to?.perDeviceBatch === 3 && fresh.notice.resumeEpoch === 0);
  const err = decideAfterExit({ ...base, exit: { code: 1, cause: 'crashed' }, reportedFailure: true, lastErrorCode: 'OUT_OF_MEMORY' }, DEFAULT_RESTART_POLICY);
  assert.ok(err.action === 'restart' && err.notice.reason.params['cause'] === 'crashed' && err.notice.reason.params['basis'] === 'oom-error');
  // A crash restart keeps the layout and names the checkpoint's step.
  const crash = decideAfterExit({ ...base, layout: { perDeviceBatch: 4, accumulation: 2 } }, cli);
  assert.ok(crash.action === 'restart' && crash.notice.kind === 'crash');
  assert.deepEqual([crash.layout, crash.notice.reason.params['resumeStep']], [{ perDeviceBatch: 4, accumulation: 2 }, 40]);
});

test('in-process recoveries: OOM halves or fails at batch 1; NaN halves the LR a limited number of times', () => {
  const ok = decideInProcessOom({ perDeviceBatch: 4, accumulation: 1 }, 'wasm heap');
  assert.deepEqual(ok.to, { perDeviceBatch: 2, accumulation: 2 });
  assert.equal(ok.reason.code, 'TRAIN_OOM_RECOVERED');
  assert.equal(ok.reason.params['effectiveBatch'], 4);
  const one = decideInProcessOom({ perDeviceBatch: 1, accumulation: 4 }, 'wasm heap');
  assert.ok(one.to === null && one.code === 'TRAIN_OOM_AT_BATCH_ONE' && /wasm heap/.test(one.reason.message));
  const factors = Array.from({ length: MAX_NAN_RECOVERIES + 1 }, (_, i) => decideNanRecovery(i, 0.5 ** i).lrFactor);
  assert.deepEqual(factors, [0.5, 0.25, 0.125, null]);
});
