import { execFile } from 'node:child_process';
import { win32 } from 'node:path';
import { normalisePciBusId } from './pci';
import type { CommandOutput, NvidiaSmiRow, NvidiaSmiRun, RunCommand } from './types';

/** The exact arguments Kestrel passes to nvidia-smi (one CSV line per GPU, figures in MiB). */
export const NVIDIA_SMI_ARGS: readonly string[] = [
  '--query-gpu=index,pci.bus_id,name,memory.total,memory.used,memory.free,driver_version',
  '--format=csv,noheader,nounits',
];

/** How long nvidia-smi may take before the probe stops it; it answers in well under a second when healthy. */
export const DEFAULT_NVIDIA_SMI_TIMEOUT_MS = 8000;

const FIELDS = 7;

/** A MiB figure, or null for nvidia-smi's `[N/A]` / `[Not Supported]` / `N/A`. */
function mib(field: string): number | null | 'bad' {
  if (/^\[?(n\/a|not supported|unknown error|insufficient permissions)\]?$/i.test(field)) return null;
  if (!/^\d+(\.\d+)?$/.test(field)) return 'bad';
  return Number(field);
}

/** First line of some text, shortened, for a reason parameter. */
export function firstLine(text: string, max = 160): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Parses nvidia-smi's CSV (the query of NVIDIA_SMI_ARGS). Pure.
 * Lines that do not parse are reported, not guessed at: a driver in a bad state prints
 * sentences on stdout, and a figure read from one would be wrong.
 */
export function parseNvidiaSmiCsv(text: string): { rows: NvidiaSmiRow[]; badLines: string[] } {
  const rows: NvidiaSmiRow[] = [];
  const badLines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length < FIELDS) {
      badLines.push(line);
      continue;
    }
    // A name could contain a comma; the fields around it are fixed.
    const n = parts.length;
    const name = parts.slice(2, n - 4).join(', ');
    const index = parts[0] ?? '';
    const busId = normalisePciBusId(parts[1]);
    const total = mib(parts[n - 4] ?? '');
    const used = mib(parts[n - 3] ?? '');
    const free = mib(parts[n - 2] ?? '');
    const driver = parts[n - 1] ?? '';
    if (!/^\d+$/.test(index) || busId === null || total === 'bad' || used === 'bad' || free === 'bad' || name === '') {
      badLines.push(line);
      continue;
    }
    rows.push({
      index: Number(index),
      pciBusId: busId,
      name,
      totalMiB: total,
      usedMiB: used,
      freeMiB: free,
      driver: /^\d+(\.\d+)*$/.test(driver) ? driver : null,
    });
  }
  return { rows, badLines };
}

/**
 * Where to look for nvidia-smi. On Windows the driver puts it in System32 (DCH drivers)
 * or in NVSMI (older ones), often not on PATH.
 */
export function nvidiaSmiCandidates(platform: string, env: Record<string, string | undefined>): string[] {
  if (platform !== 'win32') return ['nvidia-smi'];
  const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
  const programFiles = env.ProgramFiles ?? env.PROGRAMFILES ?? 'C:\\Program Files';
  return ['nvidia-smi', win32.join(systemRoot, 'System32', 'nvidia-smi.exe'), win32.join(programFiles, 'NVIDIA Corporation', 'NVSMI', 'nvidia-smi.exe')];
}

/** Runs a program with execFile; the child is killed (SIGKILL) when the signal aborts. */
export const defaultRunCommand: RunCommand = (file, args, { signal }) =>
  new Promise<CommandOutput>((resolve, reject) => {
    execFile(
      file,
      [...args],
      { signal, killSignal: 'SIGKILL', windowsHide: true, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
  });

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
}

function failureDetail(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; stdout?: unknown; stderr?: unknown; message?: unknown };
  const said = firstLine(`${typeof e.stdout === 'string' ? e.stdout : ''}\n${typeof e.stderr === 'string' ? e.stderr : ''}`);
  const head = typeof e.code === 'number' ? `exit code ${e.code}` : typeof e.code === 'string' ? e.code : firstLine(String(e.message ?? err));
  return said ? `${head}: ${said}` : head;
}

/**
 * Runs nvidia-smi asynchronously with a deadline and reports how it went (never throws).
 * On the deadline the process is aborted and the probe moves on even if the runner does
 * not settle, because a wedged driver can leave nvidia-smi unkillable.
 */
export async function runNvidiaSmi(opts: {
  runCommand?: RunCommand | undefined;
  timeoutMs?: number | undefined;
  platform?: string | undefined;
  env?: Record<string, string | undefined> | undefined;
}): Promise<NvidiaSmiRun> {
  const run = opts.runCommand ?? defaultRunCommand;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_NVIDIA_SMI_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<NvidiaSmiRun>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: 'timeout', timeoutMs });
    }, timeoutMs);
  });
  const attempt = async (): Promise<NvidiaSmiRun> => {
    for (const file of nvidiaSmiCandidates(opts.platform ?? process.platform, opts.env ?? process.env)) {
      try {
        const { stdout } = await run(file, NVIDIA_SMI_ARGS, { signal: controller.signal });
        return { status: 'ok', stdout };
      } catch (err) {
        if (controller.signal.aborted) return { status: 'timeout', timeoutMs };
        if (errorCode(err) === 'ENOENT') continue;
        return { status: 'failed', detail: failureDetail(err) };
      }
    }
    return { status: 'missing' };
  };
  try {
    return await Promise.race([attempt(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
