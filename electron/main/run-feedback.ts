/**
 * A long run seen from outside the window: the taskbar (Windows) or dock (macOS) progress bar,
 * and one OS notification when the run ends or fails. Both are decided here from the events the
 * supervisor already sends the window (evt:training, evt:run-state), by pure functions; main
 * (index.ts) only hands them to BrowserWindow.setProgressBar and Electron's Notification.
 *
 * The notification is main's, not the renderer's: it comes once per run (after the supervisor's
 * restarts, never for an error that a restart recovers from), also with the window minimised
 * or closed, and in the language of the settings.
 */
import type { Locale } from '../shared/messages/index';
import { fillTemplate, formatReason } from '../shared/reason';
import type { TrainingEvent } from '../shared/schemas/events';
import type { RunStateEvent } from '../shared/schemas/ipc/runs';

/** BrowserWindow.setProgressBar's arguments: a fraction (below 0 removes the bar) and its mode. */
export interface TaskbarBar {
  progress: number;
  mode: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused';
}

/** No bar. */
export const NO_BAR: TaskbarBar = { progress: -1, mode: 'none' };

/** What main keeps of the watched run to draw its bar and word its notification. */
export interface RunProgress {
  runId: string | null;
  /** Epochs of the run, once an event said (train-start, epoch-start, epoch-end). */
  epochs: number | null;
  /** Fraction of the run done, 0 to 1 (a resumed run starts where its checkpoint was). */
  done: number;
  /** True while the run's process lives. */
  live: boolean;
  /** The best epoch, from train-end. */
  best: { epoch: number; map50: number } | null;
  bar: TaskbarBar;
}

/** Before any run. */
export const IDLE: RunProgress = { runId: null, epochs: null, done: 0, live: false, best: null, bar: NO_BAR };

/** Bar positions are kept to 1/1000: finer steps would not show, and would redraw the taskbar for nothing. */
const round3 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;

function running(s: RunProgress, done: number, epochs = s.epochs): RunProgress {
  const d = round3(done);
  return { ...s, epochs, done: d, live: true, bar: { progress: d, mode: 'normal' } };
}

/** The run after one of its training events (a run the state did not know yet is taken up). */
export function afterTrainingEvent(prev: RunProgress, runId: string, ev: TrainingEvent): RunProgress {
  const s: RunProgress = prev.runId === runId ? prev : { ...IDLE, runId, live: true, bar: { progress: 0, mode: 'normal' } };
  switch (ev.type) {
    case 'train-start':
      return running(s, ev.startEpoch / ev.epochs, ev.epochs);
    case 'epoch-start':
      return running(s, ev.epoch / ev.epochs, ev.epochs);
    case 'batch-end':
      return s.epochs === null ? s : running(s, (ev.epoch + ev.batch / ev.batches) / s.epochs);
    case 'epoch-end':
      return running(s, (ev.epoch + 1) / ev.epochs, ev.epochs);
    case 'recovered':
      // Restarting after out of memory, a NaN streak or a crash: paused (yellow) until it trains again.
      return { ...s, bar: { progress: s.done > 0 ? s.done : 1, mode: 'paused' } };
    case 'train-end':
      return { ...s, best: ev.best ? { epoch: ev.best.epoch, map50: ev.best.map50 } : null, ...(ev.status === 'completed' ? { done: 1, bar: { progress: 1, mode: 'normal' } } : {}) };
    default:
      // plan, checkpoint-saved, warning; and error, which a restart may still recover from:
      // the run's fate comes with evt:run-state.
      return s;
  }
}

/**
 * The run after the supervisor's word on its process: a start shows an empty bar; a normal end
 * clears it; a failure turns it red (error) and a run cut short yellow (paused), kept until the
 * engineer looks at the window ({@link afterFocus}).
 */
export function afterRunState(prev: RunProgress, ev: RunStateEvent): RunProgress {
  const s: RunProgress = prev.runId === ev.runId ? prev : { ...IDLE, runId: ev.runId };
  const shown = s.done > 0 ? s.done : 1;
  switch (ev.state) {
    case 'running':
      return prev.runId === ev.runId && prev.live ? prev : { ...IDLE, runId: ev.runId, live: true, bar: { progress: 0, mode: 'normal' } };
    case 'completed':
    case 'early-stopped':
    case 'stopped':
      return { ...s, live: false, bar: NO_BAR };
    case 'failed':
    case 'crashed':
      return { ...s, live: false, bar: { progress: shown, mode: 'error' } };
    case 'incomplete':
      return { ...s, live: false, bar: { progress: shown, mode: 'paused' } };
  }
}

/** The window got the focus: a finished run's red or yellow bar has been seen and goes. */
export function afterFocus(s: RunProgress): RunProgress {
  return s.live || s.bar.mode === 'none' ? s : { ...s, bar: NO_BAR };
}

/** True when two bars look the same (no need to redraw the taskbar). */
export function sameBar(a: TaskbarBar, b: TaskbarBar): boolean {
  return a.mode === b.mode && a.progress === b.progress;
}

/** The sentences of the notifications, English and Simplified Chinese (the same keys in both). */
export const NOTICE_TEXT = {
  en: {
    titleDone: 'Kestrel: training finished',
    titleStopped: 'Kestrel: training stopped',
    titleCutShort: 'Kestrel: training ended before its last epoch',
    titleFailed: 'Kestrel: training stopped with a problem',
    completed: 'Run {run} completed.',
    earlyStopped: 'Run {run} stopped early: the model had stopped improving.',
    stopped: 'Run {run} was stopped; its last checkpoint is saved.',
    cutShort: 'Run {run} ended before its last epoch.',
    failed: 'Run {run}: {problem}',
    unexpected: 'The training process ended unexpectedly (exit code {code}, {cause}).',
    best: 'Best mAP50 {map50} (epoch {epoch}).',
    resumable: 'Resume continues from the last checkpoint.',
    notResumable: 'No checkpoint was saved yet: start the run again.',
  },
  zh: {
    titleDone: 'Kestrel：训练完成',
    titleStopped: 'Kestrel：训练已停止',
    titleCutShort: 'Kestrel：训练在最后一轮之前结束',
    titleFailed: 'Kestrel：训练因问题而停止',
    completed: '运行 {run} 已完成。',
    earlyStopped: '运行 {run} 提前停止：模型已不再改进。',
    stopped: '运行 {run} 已停止；最后的检查点已保存。',
    cutShort: '运行 {run} 在最后一轮之前结束。',
    failed: '运行 {run}：{problem}',
    unexpected: '训练进程意外结束（退出码 {code}，{cause}）。',
    best: '最佳 mAP50 {map50}（第 {epoch} 轮）。',
    resumable: '“继续”会从上一个检查点接着训练。',
    notResumable: '尚未保存检查点：请重新开始该运行。',
  },
} as const satisfies Record<Locale, Record<string, string>>;
/** A sentence of a notification. */
export type NoticeKey = keyof (typeof NOTICE_TEXT)['en'];

/** An OS notification: title, body, and whether it reports a failure (critical urgency on Linux). */
export interface RunNotice {
  title: string;
  body: string;
  failure: boolean;
}

/**
 * The notification for the supervisor's word on a run (`s` is the run as it stood before that
 * word: its best epoch); null while it runs.
 */
export function runEndNotice(s: RunProgress, ev: RunStateEvent, locale: Locale): RunNotice | null {
  const t = (k: NoticeKey, p: Record<string, string | number> = {}) => fillTemplate(NOTICE_TEXT[locale][k], p);
  // Sentences follow each other with a space in English, directly in Chinese.
  const sep = locale === 'zh' ? '' : ' ';
  const run = ev.runId;
  const best = s.runId === run && s.best ? sep + t('best', { map50: s.best.map50.toFixed(3), epoch: s.best.epoch + 1 }) : '';
  const resume = sep + t(ev.resumable ? 'resumable' : 'notResumable');
  switch (ev.state) {
    case 'running':
      return null;
    case 'completed':
      return { title: t('titleDone'), body: t('completed', { run }) + best, failure: false };
    case 'early-stopped':
      return { title: t('titleDone'), body: t('earlyStopped', { run }) + best, failure: false };
    case 'stopped':
      return { title: t('titleStopped'), body: t('stopped', { run }) + best, failure: false };
    case 'incomplete':
      return { title: t('titleCutShort'), body: t('cutShort', { run }) + resume, failure: false };
    case 'failed':
    case 'crashed': {
      const problem = ev.reason ? formatReason(ev.reason, locale) : t('unexpected', { code: ev.exitCode ?? '–', cause: ev.cause ?? '–' });
      return { title: t('titleFailed'), body: t('failed', { run, problem }) + resume, failure: true };
    }
  }
}

/** What the run's feedback is drawn on: main gives the window's bar and Electron's notifications. */
export interface RunFeedbackPorts {
  setBar(bar: TaskbarBar): void;
  notify(notice: RunNotice): void;
  locale(): Locale;
}

/**
 * Keeps the watched run's progress and draws it through the ports: the bar when it changes,
 * one notification per run end. `quitting()` silences the end the app's own quit causes (the
 * supervisor kills the process, which reads as a crash).
 */
export class RunFeedback {
  private state: RunProgress = IDLE;
  private quitting = false;

  constructor(private readonly ports: RunFeedbackPorts) {}

  /** The run as it stands (a new window draws its bar from it). */
  get current(): RunProgress {
    return this.state;
  }

  training(runId: string, ev: TrainingEvent): void {
    if (!this.quitting) this.set(afterTrainingEvent(this.state, runId, ev));
  }

  runState(ev: RunStateEvent): void {
    if (this.quitting) return;
    const before = this.state;
    this.set(afterRunState(before, ev));
    const notice = runEndNotice(before, ev, this.ports.locale());
    if (notice) this.ports.notify(notice);
  }

  focused(): void {
    this.set(afterFocus(this.state));
  }

  /** The app is quitting: the bar goes, and what follows (the process killed) is neither drawn nor notified. */
  quit(): void {
    this.quitting = true;
    this.set({ ...this.state, live: false, bar: NO_BAR });
  }

  private set(next: RunProgress): void {
    const redraw = !sameBar(this.state.bar, next.bar);
    this.state = next;
    if (redraw) this.ports.setBar(next.bar);
  }
}
