// The memory probe's parent side: what the probe process measures, and running it in a child process.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BackendIdSchema } from '../../shared/schemas/hardware';
import { ModelSpecSchema } from '../../shared/schemas/model';
import { OptimizerKindSchema } from '../../shared/schemas/plan';
import { nodeFork, type ForkFn } from './fork';
import type { MemoryPoint } from './memory-probe';

/** What the memory-probe process measures. */
export const ProbeRequestSchema = z.object({
  spec: ModelSpecSchema,
  optimizer: OptimizerKindSchema,
  backend: BackendIdSchema,
  batches: z.array(z.number().int().positive()).min(1),
  steps: z.number().int().positive().default(1),
});
export type ProbeRequest = z.input<typeof ProbeRequestSchema>;

/** The probe process's entry (KESTREL_PROBE_ENTRY overrides it, e.g. in a bundled app). */
export function probeEntry(): string {
  return process.env.KESTREL_PROBE_ENTRY ?? fileURLToPath(new URL('../../worker/probe-entry.ts', import.meta.url));
}

/**
 * Runs the memory probe in a child process and returns its measured points. Rejects when the
 * child fails, dies (an out-of-memory abort kills only it) or takes longer than `timeoutMs`.
 */
export function runMemoryProbe(req: ProbeRequest, opts: { timeoutMs?: number; fork?: ForkFn } = {}): Promise<MemoryPoint[]> {
  const timeoutMs = opts.timeoutMs ?? 120000;
  return new Promise((resolve, reject) => {
    const child = (opts.fork ?? nodeFork)(probeEntry(), [JSON.stringify(req)], { name: 'kestrel-memory-probe', quiet: true });
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill();
      done(() => reject(new Error(`the probe took longer than ${Math.round(timeoutMs / 1000)} s`)));
    }, timeoutMs);
    child.onMessage((msg: unknown) => {
      const m = msg as { ok?: boolean; points?: MemoryPoint[]; error?: string };
      if (m.ok && m.points) done(() => resolve(m.points!));
      else done(() => reject(new Error(m.error ?? 'the probe failed')));
    });
    child.onExit((exit) => {
      const last = exit.stderrTail?.trim().split('\n').slice(-1)[0];
      done(() => reject(new Error(`the probe process ended (${exit.cause ?? `exit code ${exit.code}`})${last ? `: ${last}` : ''}`)));
    });
  });
}
