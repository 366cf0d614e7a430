// A long run seen from outside the window: the taskbar/dock progress and the one OS notification
// at its end, decided from the supervisor's events (electron/main/run-feedback.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterFocus,
  afterRunState,
  afterTrainingEvent,
  IDLE,
  NO_BAR,
  NOTICE_TEXT,
  RunFeedback,
  runEndNotice,
  type RunNotice,
  type RunProgress,
  type TaskbarBar,
} from '../../electron/main/run-feedback';
import { reason } from '../../electron/shared/reason';
import type { TrainingEvent } from '../../electron/shared/schemas/events';
import type { RunStateEvent } from '../../electron/shared/schemas/ipc/runs';

const t = 1_700_000_000_000;
const trainStart = (epochs: number, startEpoch = 0): TrainingEvent => ({
  type: 'train-start',
  t,
  runDir: '/runs/r1',
  epochs,
  startEpoch,
  batchesPerEpoch: 10,
  totalSteps: epochs * 10,
  trainImages: 100,
  valImages: 20,
  backend: 'wasm',
  device: 'cpu',
  resumed: startEpoch > 0,
});
const batchEnd = (epoch: number, batch: number, batches = 10): TrainingEvent => ({
  type: 'batch-end',
  t,
  epoch,
  batch,
  batches,
  step: epoch * batches + batch,
  loss: { total: 1, parts: {} },
  lr: 0.001,
  imagesPerSec: 10,
  memoryBytes: null,
  etaSeconds: null,
});
const epochEnd = (epoch: number, epochs: number): TrainingEvent => ({ type: 'epoch-end', t, epoch, epochs, trainLoss: { total: 1, parts: {} }, metrics: null, best: false, lr: 0.001, durationMs: 1000 });
const trainEnd = (status: 'completed' | 'stopped' | 'early-stopped'): TrainingEvent => ({ type: 'train-end', t, status, epochsRun: 10, best: { epoch: 7, map50: 0.6123, map50_95: 0.3 }, runDir: '/runs/r1', durationMs: 1 });
const state = (s: RunStateEvent['state'], extra: Partial<RunStateEvent> = {}): RunStateEvent => ({ runId: 'r1', state: s, exitCode: null, cause: null, resumable: false, message: null, reason: null, ...extra });
const fold = (events: TrainingEvent[], from: RunProgress = IDLE) => events.reduce((s, e) => afterTrainingEvent(s, 'r1', e), from);

test('the bar follows the run: epochs and batches as a fraction of the whole run, a resume starting where it was', () => {
  const started = afterRunState(IDLE, state('running'));
  assert.deepEqual(started.bar, { progress: 0, mode: 'normal' }, 'an empty bar while the run plans and starts');
  assert.equal(afterTrainingEvent(started, 'r1', batchEnd(0, 5)).bar.progress, 0, 'no fraction before the run said how many epochs it has');
  const s = fold([trainStart(10), batchEnd(0, 5), batchEnd(2, 5)], started);
  assert.deepEqual(s.bar, { progress: 0.25, mode: 'normal' }, 'epoch 3 of 10, half done');
  assert.equal(afterTrainingEvent(s, 'r1', epochEnd(2, 10)).bar.progress, 0.3);
  assert.equal(fold([trainStart(10, 4)]).bar.progress, 0.4, 'resumed at epoch 5 of 10');
  assert.equal(fold([trainStart(3), batchEnd(0, 1, 3)]).bar.progress, 0.111, 'kept to 1/1000');
  // A restart after running out of memory: paused (yellow) until the next batch.
  const recovered = afterTrainingEvent(s, 'r1', { type: 'recovered', t, kind: 'oom', reason: reason('APP_CRASHED_OOM', { cause: 'oom' }) });
  assert.deepEqual(recovered.bar, { progress: 0.25, mode: 'paused' });
  assert.deepEqual(afterTrainingEvent(recovered, 'r1', batchEnd(2, 6)).bar, { progress: 0.26, mode: 'normal' });
  // An error event may still be recovered from by a restart: it changes nothing by itself.
  assert.equal(afterTrainingEvent(s, 'r1', { type: 'error', t, error: { code: 'OUT_OF_MEMORY', message: 'x' } }), s);
});

test('the end: cleared when the run ends normally; red on a failure and yellow when cut short, until the window is looked at', () => {
  const s = fold([trainStart(10), batchEnd(3, 5)], afterRunState(IDLE, state('running')));
  for (const end of ['completed', 'early-stopped', 'stopped'] as const) assert.deepEqual(afterRunState(s, state(end)).bar, NO_BAR, end);
  const failed = afterRunState(s, state('failed'));
  assert.deepEqual(failed.bar, { progress: 0.35, mode: 'error' });
  assert.equal(failed.live, false);
  assert.deepEqual(afterRunState(s, state('incomplete')).bar, { progress: 0.35, mode: 'paused' });
  assert.deepEqual(afterRunState(afterRunState(IDLE, state('running')), state('crashed')).bar, { progress: 1, mode: 'error' }, 'a failure before any progress shows a full red bar');
  assert.deepEqual(afterFocus(failed).bar, NO_BAR, 'seen: it goes');
  assert.equal(afterFocus(s), s, 'a live run keeps its bar');
});

test('the notification says how the run ended, with its best epoch, in the language of the settings', () => {
  const s = fold([trainStart(10), trainEnd('completed')], afterRunState(IDLE, state('running')));
  assert.equal(runEndNotice(s, state('running'), 'en'), null);
  assert.deepEqual(runEndNotice(s, state('completed'), 'en'), { title: 'Kestrel: training finished', body: 'Run r1 completed. Best mAP50 0.612 (epoch 8).', failure: false });
  assert.deepEqual(runEndNotice(s, state('completed'), 'zh'), { title: 'Kestrel：训练完成', body: '运行 r1 已完成。最佳 mAP50 0.612（第 8 轮）。', failure: false });
  assert.match(runEndNotice(s, state('stopped'), 'en')!.body, /was stopped; its last checkpoint is saved/);
  const oom = reason('APP_OOM_AT_BATCH_ONE', { cause: 'oom' });
  const failed = runEndNotice(IDLE, state('crashed', { reason: oom, message: oom.message + ' Resume continues from the last checkpoint.', resumable: true }), 'zh')!;
  assert.equal(failed.failure, true);
  assert.equal(failed.title, 'Kestrel：训练因问题而停止');
  assert.ok(failed.body.startsWith('运行 r1：'), failed.body);
  assert.ok(!/[A-Za-z]{4,}/.test(failed.body.replace(/Kestrel|mAP50/g, '')), `no English in the Chinese notification: ${failed.body}`);
  assert.match(runEndNotice(IDLE, state('crashed', { exitCode: 9, cause: 'killed' }), 'en')!.body, /^Run r1: The training process ended unexpectedly \(exit code 9, killed\)\. No checkpoint was saved yet/);
  assert.match(runEndNotice(IDLE, state('incomplete', { resumable: true }), 'en')!.body, /ended before its last epoch\. Resume continues/);
});

test('the notification texts exist in both languages with the same placeholders, the Chinese ones in Chinese', () => {
  const keys = Object.keys(NOTICE_TEXT.en).sort();
  assert.deepEqual(Object.keys(NOTICE_TEXT.zh).sort(), keys);
  const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
  for (const k of keys) {
    const en = NOTICE_TEXT.en[k as keyof typeof NOTICE_TEXT.en];
    const zh = NOTICE_TEXT.zh[k as keyof typeof NOTICE_TEXT.zh];
    assert.deepEqual(holes(zh), holes(en), k);
    assert.match(zh, /[\u4e00-\u9fff]/, k);
  }
});

test('main draws the bar only when it changes and notifies once per run end, never for the kill of its own quit', () => {
  const bars: TaskbarBar[] = [];
  const notices: RunNotice[] = [];
  const fb = new RunFeedback({ setBar: (b) => bars.push(b), notify: (n) => notices.push(n), locale: () => 'en' });
  fb.runState(state('running'));
  fb.training('r1', trainStart(10));
  for (let i = 0; i < 5; i++) fb.training('r1', batchEnd(0, 1, 1000)); // 0.0001 each: below what the bar shows
  fb.training('r1', batchEnd(4, 10));
  fb.training('r1', { type: 'error', t, error: { code: 'OUT_OF_MEMORY', message: 'x' }, resumable: true });
  assert.deepEqual(bars, [{ progress: 0, mode: 'normal' }, { progress: 0.5, mode: 'normal' }]);
  assert.equal(notices.length, 0, 'an error a restart may recover from notifies nothing');
  fb.runState(state('failed', { reason: reason('APP_OOM_GAVE_UP', { times: 3, cause: 'oom', batch: 1 }), resumable: true }));
  assert.deepEqual(bars.at(-1), { progress: 0.5, mode: 'error' });
  assert.equal(notices.length, 1);
  assert.match(notices[0]!.body, /^Run r1: The training process ran out of memory 3 times/);
  fb.focused();
  assert.deepEqual(bars.at(-1), NO_BAR);

  // The next run; the app quits while it trains: the kill reads as a crash, which is not notified.
  fb.runState(state('running', { runId: 'r2' }));
  fb.training('r2', trainStart(2));
  fb.training('r2', batchEnd(0, 5));
  fb.quit();
  fb.runState(state('crashed', { runId: 'r2', cause: 'killed' }));
  assert.equal(notices.length, 1);
  assert.deepEqual(bars.at(-1), NO_BAR);
});
