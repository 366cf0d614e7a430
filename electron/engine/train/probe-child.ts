import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BackendIdSchema } from '../../shared/schemas/hardware';
import { ModelSpecSchema } from '../../shared/schemas/model';
import { OptimizerKindSchema } from '../../shared/schemas/plan';
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
export function runMemoryProbe(req: ProbeRequest, opts: { timeoutMs?: number } = {}): Promise<MemoryPoint[]> {
  const entry = probeEntry();
  return new Promise((resolve, reject) => {
    const child = fork(entry, [JSON.stringify(req)], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(() => reject(new Error(`the probe took longer than ${Math.round((opts.timeoutMs ?? 120000) / 1000)} s`)));
    }, opts.timeoutMs ?? 120000);
    child.on('message', (msg: unknown) => {
      const m = msg as { ok?: boolean; points?: MemoryPoint[]; error?: string };
      if (m.ok && m.points) done(() => resolve(m.points!));
      else done(() => reject(new Error(m.error ?? 'the probe failed')));
    });
    child.on('exit', (code, signal) => {
      done(() => reject(new Error(`the probe process ended (${signal ?? `exit code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-1)[0]}` : ''}`)));
    });
    child.on('error', (err) => done(() => reject(err)));
  });
}
