import { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../worker-thread';
import { KestrelError, type ErrorInfo } from '../../../shared/errors';
import type { TrainBatch } from '../batch';
import type { BatchRequest, BuilderConfig } from './build';

interface Reply {
  id: number;
  batch?: TrainBatch;
  error?: ErrorInfo;
  decodes?: number;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  decodes: number;
}

/** Starts the loader worker (./worker.ts from sources, worker.js in a bundle: see startModuleWorker). */
function startWorker(cfg: BuilderConfig): Worker {
  return startModuleWorker(import.meta.url, 'worker', cfg);
}

/** A small pool of batch-building worker threads; requests go to the least busy one. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (b: TrainBatch) => void; reject: (e: Error) => void; slot: Slot }>();
  private failed: Error | null = null;

  constructor(cfg: BuilderConfig, size: number) {
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: startWorker(cfg), inFlight: 0, decodes: 0 };
      slot.worker.on('message', (msg: Reply) => this.onReply(slot, msg));
      slot.worker.on('error', (err) => this.fail(err));
      slot.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`loader worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Image decodes done by all workers so far (cache misses). */
  get decodes(): number {
    return this.slots.reduce((n, s) => n + s.decodes, 0);
  }

  private onReply(slot: Slot, msg: Reply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    slot.inFlight--;
    if (msg.decodes !== undefined) slot.decodes = msg.decodes;
    if (msg.batch) p.resolve(msg.batch);
    else p.reject(new KestrelError(msg.error?.code ?? 'DATASET_LOADER_FAILED', msg.error?.message ?? 'loader worker failed', msg.error?.details));
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = new KestrelError(
      'DATASET_LOADER_FAILED',
      `The data loader stopped (${err.message}). Check the dataset with "kestrel dataset check", or retry with fewer loader workers.`,
    );
    for (const p of this.pending.values()) p.reject(this.failed);
    this.pending.clear();
  }

  /** Sends a request to the least busy worker. */
  run(req: BatchRequest): Promise<TrainBatch> {
    if (this.failed) return Promise.reject(this.failed);
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    slot.inFlight++;
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject, slot });
      slot.worker.postMessage(req);
    });
  }

  /** Stops all workers; requests still in flight are rejected. */
  async close(): Promise<void> {
    this.failed ??= new KestrelError('DATASET_LOADER_CLOSED', 'The data loader was closed.');
    for (const p of this.pending.values()) p.reject(this.failed);
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
