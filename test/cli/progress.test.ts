// The CLI's one progress display (electron/cli/progress.ts), rendered in both modes: a terminal
// line redrawn in place, and a log's plain lines at a bounded rate with no carriage return;
// and train's text view using it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, isInteractive } from '../../electron/cli/progress';
import { createTextView } from '../../electron/cli/commands/train';
import type { TrainingEvent } from '../../electron/shared/schemas/events';

/** A display on a fake clock, everything it writes captured. */
function rig(tty: boolean) {
  let t = 0;
  const raw: string[] = [];
  const lines: string[] = [];
  const p = createProgress({ tty, write: (s) => void raw.push(s), line: (s) => void lines.push(s), now: () => t });
  return { p, raw, lines, at: (ms: number) => void (t = ms) };
}

test('a log: a plain line per 10% and at the end, never a carriage return', () => {
  const r = rig(false);
  for (let done = 1; done <= 100; done++) {
    r.at(done * 10); // 1 s in all: the 30 s rule never fires
    r.p.update(done, 100, () => `${done}/100`);
  }
  r.p.finish();
  assert.deepEqual(r.lines, ['10/100', '20/100', '30/100', '40/100', '50/100', '60/100', '70/100', '80/100', '90/100', '100/100']);
  assert.deepEqual(r.raw, []);
  assert.ok(r.lines.every((l) => !l.includes('\r') && !l.includes('\x1b')));
});

test('a log: a slow job gets a line every 30 s between its 10% steps; the end is printed once', () => {
  const r = rig(false);
  const shown = (done: number) => () => `at ${done}`;
  r.at(29_000);
  r.p.update(1, 1000, shown(1));
  r.at(30_000);
  r.p.update(2, 1000, shown(2));
  r.at(45_000);
  r.p.update(3, 1000, shown(3));
  r.at(60_000);
  r.p.update(4, 1000, shown(4));
  r.at(61_000);
  r.p.update(1000, 1000, shown(1000));
  r.p.update(1000, 1000, shown(1000));
  assert.deepEqual(r.lines, ['at 2', 'at 4', 'at 1000']);
});

test('a terminal: one line redrawn in place at most 5 times a second, the last always drawn', () => {
  const r = rig(true);
  for (let done = 1; done <= 10; done++) {
    r.at(done * 100);
    r.p.update(done, 10, () => `[${'#'.repeat(done)}${'.'.repeat(10 - done)}]`);
  }
  r.p.clear();
  r.p.update(10, 10, () => '[##########]');
  r.p.finish();
  assert.deepEqual(r.lines, []);
  assert.deepEqual(r.raw, [
    '\r\x1b[K[#.........]',
    '\r\x1b[K[###.......]',
    '\r\x1b[K[#####.....]',
    '\r\x1b[K[#######...]',
    '\r\x1b[K[#########.]',
    '\r\x1b[K[##########]',
    '\r\x1b[K',
    '\r\x1b[K[##########]',
    '\n',
  ]);
});

test('interactive only on a TTY outside CI and not TERM=dumb', () => {
  assert.equal(isInteractive({ isTTY: true }, {}), true);
  assert.equal(isInteractive({ isTTY: false }, {}), false);
  assert.equal(isInteractive({}, {}), false);
  assert.equal(isInteractive({ isTTY: true }, { CI: 'true' }), false);
  assert.equal(isInteractive({ isTTY: true }, { CI: '1' }), false);
  assert.equal(isInteractive({ isTTY: true }, { CI: 'false' }), true);
  assert.equal(isInteractive({ isTTY: true }, { TERM: 'dumb' }), false);
});

/** The events of a run of `epochs` x `batches`, one batch every second. */
function events(epochs: number, batches: number): TrainingEvent[] {
  const out: unknown[] = [{ type: 'train-start', resumed: false, backend: 'wasm', device: 'cpu', trainImages: 8 * batches, valImages: 4, epochs, batchesPerEpoch: batches, totalSteps: epochs * batches, startEpoch: 0, runDir: 'runs/x' }];
  for (let epoch = 0; epoch < epochs; epoch++) {
    out.push({ type: 'epoch-start', epoch });
    for (let batch = 1; batch <= batches; batch++) {
      out.push({ type: 'batch-end', epoch, batch, batches, loss: { total: 1, parts: { box: 0.5, cls: 0.3, dfl: 0.2 } }, lr: 0.01, imagesPerSec: 8, etaSeconds: 60, memoryBytes: null });
    }
  }
  return out as TrainingEvent[];
}

/** Runs the train command's text view over `evs`, one second per batch: the lines it printed and what it drew in place. */
function viewOf(evs: TrainingEvent[], tty: boolean): { out: string[]; written: string } {
  const out: string[] = [];
  let t = 0;
  let written = '';
  const view = createTextView({ out: (s) => void out.push(s), err: (s) => void out.push(s) }, { tty, now: () => t, write: (s) => void (written += s) });
  for (const e of evs) {
    if (e.type === 'batch-end') t += 1000;
    view(e);
  }
  return { out, written };
}

test('train in a log: progress lines per 10% of the whole run, none with a carriage return', () => {
  const { out, written } = viewOf(events(4, 25), false);
  const progress = out.filter((l) => l.startsWith('  epoch '));
  assert.equal(progress.length, 10);
  assert.match(progress[0]!, /^ {2}epoch 1 10\/25 {2}loss 1\.000 \(box 0\.500 cls 0\.300 dfl 0\.200\) {2}lr 0\.0100 {2}8\.0 img\/s {2}ETA 1m00s$/);
  assert.match(progress.at(-1)!, /^ {2}epoch 4 25\/25 /);
  assert.equal(written, '');
  assert.ok(out.every((l) => !l.includes('\r')));
});

test('train on a terminal: the progress line is redrawn in place, not logged', () => {
  const { out, written } = viewOf(events(1, 5), true);
  assert.equal(out.filter((l) => l.startsWith('  epoch ')).length, 0);
  assert.equal(written.split('\r\x1b[K').filter(Boolean).length, 5);
  assert.ok(written.startsWith('\r\x1b[K  epoch 1 1/5 '), JSON.stringify(written.slice(0, 40)));
});
