// The event sink of a run: every event to the caller, and to events.jsonl (batch-end thinned).
import { appendJsonLine } from '../runs/run-dir';
import type { TrainingEvent } from '../../shared/schemas/events';

/** How often batch-end events reach events.jsonl (every other event is written at once). */
const FILE_BATCH_INTERVAL_MS = 2000;

/** Fans events out to the caller and to the run's events.jsonl, in order. */
export interface EventSink {
  emit(event: TrainingEvent): void;
  /** Resolves when every event so far is on disk. */
  flush(): Promise<void>;
}

/**
 * An event sink writing to `file` (append-only; a crash loses at most the last line) and calling
 * `onEvent` with every event. batch-end events are thinned to one per two seconds in the file;
 * the caller still gets each one (the worker thins its own stream).
 */
export function createEventSink(file: string | null, onEvent?: (e: TrainingEvent) => void): EventSink {
  let chain: Promise<void> = Promise.resolve();
  let lastBatchWrite = 0;
  let writeError: unknown = null;
  return {
    emit(event) {
      if (onEvent) {
        try {
          onEvent(event);
        } catch {
          // A watcher's bug must not stop training.
        }
      }
      if (!file) return;
      if (event.type === 'batch-end') {
        if (event.t - lastBatchWrite < FILE_BATCH_INTERVAL_MS && event.batch !== event.batches) return;
        lastBatchWrite = event.t;
      }
      chain = chain.then(() => appendJsonLine(file, event)).catch((err: unknown) => {
        writeError ??= err;
      });
    },
    async flush() {
      await chain;
      if (writeError) {
        const e = writeError;
        writeError = null;
        throw e;
      }
    },
  };
}
