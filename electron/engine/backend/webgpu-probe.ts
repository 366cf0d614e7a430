// The WebGPU adapter probe in a child process: Dawn's limit notices stay out of the caller's
// stderr (dawn-noise.ts), and a driver that hangs or crashes takes only the child down.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reason } from '../../shared/reason';
import { createDawnNoticeFilter } from './dawn-noise';
import { requestWebgpuAdapterHere, WebgpuUnavailable } from './dawn';
import { parseProbeAnswer } from './webgpu-probe-answer';
import type { WebgpuAdapterFacts } from './webgpu-adapter';

/** Deadline of the probe process (below the hardware probe's own 10 s, so the child is ended first; it answers in about a second). */
export const WEBGPU_CHILD_PROBE_TIMEOUT_MS = 9000;

/**
 * The probe process's entry: KESTREL_WEBGPU_PROBE_ENTRY, else webgpu-probe-child.mjs beside this
 * file when it is there (a checkout); null inside a bundle, where the probe runs in-process.
 */
export function webgpuProbeEntry(env: Record<string, string | undefined> = process.env, exists: (p: string) => boolean = existsSync): string | null {
  if (env.KESTREL_WEBGPU_PROBE_ENTRY) return env.KESTREL_WEBGPU_PROBE_ENTRY;
  const here = fileURLToPath(new URL('./webgpu-probe-child.mjs', import.meta.url));
  return exists(here) ? here : null;
}

/** Options of {@link probeWebgpuInChild}. */
export interface ChildProbeOptions {
  /** The probe process's entry (default {@link webgpuProbeEntry}). */
  entry?: string;
  timeoutMs?: number;
  /** Where the child's other stderr lines go (default: this process's stderr). */
  stderr?: (text: string) => void;
}

/**
 * Asks for the WebGPU adapter in a child process (Node; `.ts` entries through tsx) and returns
 * its facts. Throws WebgpuUnavailable: no adapter or Dawn failed (the child's reason), the child
 * died without answering (BACKEND_WEBGPU_DAWN_FAILED with its last stderr line), or no answer
 * within the deadline (BACKEND_WEBGPU_NO_ADAPTER; the child is killed).
 */
export function probeWebgpuInChild(opts: ChildProbeOptions = {}): Promise<WebgpuAdapterFacts> {
  const entry = opts.entry ?? webgpuProbeEntry();
  if (!entry) return Promise.reject(new Error('no WebGPU probe entry (KESTREL_WEBGPU_PROBE_ENTRY)'));
  const timeoutMs = opts.timeoutMs ?? WEBGPU_CHILD_PROBE_TIMEOUT_MS;
  const forward = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  return new Promise((resolve, reject) => {
    const execArgv = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    const child = spawn(process.execPath, [...execArgv, entry], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, windowsHide: true });
    let stdout = '';
    let lastErrLine = '';
    const filter = createDawnNoticeFilter((text) => {
      const lines = text.split('\n').filter((l) => l.trim());
      if (lines.length) lastErrLine = lines.at(-1)!.slice(0, 300);
      forward(text);
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => filter.push(d));
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new WebgpuUnavailable(reason('BACKEND_WEBGPU_NO_ADAPTER', { detail: `the adapter probe gave no answer within ${timeoutMs / 1000} s` }))));
    }, timeoutMs);
    function settle(fn: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    }
    child.on('error', (err) => settle(() => reject(new WebgpuUnavailable(reason('BACKEND_WEBGPU_DAWN_FAILED', { detail: `the adapter probe did not start: ${err.message}` })))));
    child.on('close', (code, signal) => {
      filter.end();
      const a = parseProbeAnswer(stdout);
      settle(() => {
        if (a?.ok) resolve(a.adapter);
        else if (a) reject(new WebgpuUnavailable(a.reason));
        else {
          const how = signal ? `signal ${signal}` : `exit code ${code}`;
          reject(new WebgpuUnavailable(reason('BACKEND_WEBGPU_DAWN_FAILED', { detail: `the adapter probe ended (${how}) without an answer${lastErrLine ? `: ${lastErrLine}` : ''}` })));
        }
      });
    });
  });
}

/**
 * The adapter TF.js's webgpu backend would take, without creating a device: asked in a child
 * process where one can be started (see {@link probeWebgpuInChild}), else in this process.
 * Throws WebgpuUnavailable with the reason when there is none.
 */
export async function probeWebgpuAdapter(opts: ChildProbeOptions & { isolated?: boolean } = {}): Promise<WebgpuAdapterFacts> {
  const entry = opts.entry ?? webgpuProbeEntry();
  if (opts.isolated === false || !entry) return requestWebgpuAdapterHere();
  return probeWebgpuInChild({ ...opts, entry });
}
