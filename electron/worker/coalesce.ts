// Thins the training process's batch-end events to a few per second before they cross to the parent.
import type { TrainingEvent } from '../shared/schemas/events';

/** At most this many batch-end events per second reach the parent. */
export const BATCH_EVENTS_PER_SECOND = 4;

/** A stream that thins batch-end events and passes every other event at once, in order. */
export interface Coalescer {
  push(event: TrainingEvent): void;
  /** Sends a held batch-end now (before the process ends). */
  flush(): void;
  dispose(): void;
}

/**
 * Coalesces batch-end events to a few per second (the latest wins; the one held back is sent
 * after the interval or before the next other event, so order is kept and the last progress of
 * an epoch is never lost). Every other event passes through unchanged.
 */
export function createCoalescer(send: (event: TrainingEvent) => void, opts: { intervalMs?: number; now?: () => number } = {}): Coalescer {
  const interval = opts.intervalMs ?? 1000 / BATCH_EVENTS_PER_SECOND;
  const now = opts.now ?? Date.now;
  let held: TrainingEvent | null = null;
  let lastSent = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const sendHeld = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (held) {
      const e = held;
      held = null;
      lastSent = now();
      send(e);
    }
  };
  return {
    push(event) {
      if (event.type !== 'batch-end') {
        sendHeld();
        send(event);
        return;
      }
      if (now() - lastSent >= interval) {
        held = null;
        if (timer) clearTimeout(timer);
        timer = null;
        lastSent = now();
        send(event);
        return;
      }
      held = event;
      if (!timer) {
        timer = setTimeout(sendHeld, Math.max(0, interval - (now() - lastSent)));
        timer.unref?.();
      }
    },
    flush: sendHeld,
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
      held = null;
    },
  };
}
