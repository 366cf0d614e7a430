// The WebGPU probe process's one line of output (webgpu-probe-child.mjs), read back by its parent
// as adapter facts or a reason. No Node here: Electron's main reads it too.
import { reason, type Reason } from '../../shared/reason';
import { adapterFacts, type WebgpuAdapterFacts } from './webgpu-adapter';

/** Marks the probe's answer among anything else a process prints on stdout. */
export const PROBE_MARKER = 'KESTREL_WEBGPU_PROBE';

/** What the probe process found: the adapter, or why there is none. */
export type ProbeAnswer = { ok: true; adapter: WebgpuAdapterFacts } | { ok: false; reason: Reason };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The probe's answer from the line the child printed (its raw findings), or null when malformed. */
export function answerFromLine(v: unknown): ProbeAnswer | null {
  const o = v as { ok?: unknown; info?: Record<string, unknown>; limits?: Record<string, unknown>; stage?: unknown; missingModule?: unknown; error?: unknown } | null;
  if (typeof o !== 'object' || o === null) return null;
  if (o.ok === true) {
    const l = o.limits;
    const i = o.info ?? {};
    if (typeof l?.maxBufferSize !== 'number' || typeof l.maxStorageBufferBindingSize !== 'number') return null;
    const info = { vendor: str(i.vendor), architecture: str(i.architecture), device: str(i.device), description: str(i.description), isFallbackAdapter: i.isFallbackAdapter === true };
    return { ok: true, adapter: adapterFacts({ info, limits: { maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize } }) };
  }
  if (o.ok !== false || typeof o.error !== 'string') return null;
  const detail = o.error;
  switch (o.stage) {
    case 'load':
      return { ok: false, reason: o.missingModule === true ? reason('BACKEND_NOT_INSTALLED', { backend: 'webgpu', package: 'webgpu' }) : reason('BACKEND_WEBGPU_DAWN_FAILED', { detail }) };
    case 'create':
      return { ok: false, reason: reason('BACKEND_WEBGPU_DAWN_FAILED', { detail }) };
    case 'adapter':
      return { ok: false, reason: reason('BACKEND_WEBGPU_NO_ADAPTER', { detail }) };
    default:
      return null;
  }
}

/** The probe's answer from a process's whole stdout (the last marked line wins), or null when there is none or it is malformed. */
export function parseProbeAnswer(stdout: string): ProbeAnswer | null {
  const last = stdout
    .split('\n')
    .filter((l) => l.startsWith(`${PROBE_MARKER} `))
    .at(-1);
  if (last === undefined) return null;
  try {
    return answerFromLine(JSON.parse(last.slice(PROBE_MARKER.length + 1)));
  } catch (_err) {
    return null;
  }
}
