// Where the app's WebGPU training step runs: in the training process (Dawn, npm `webgpu`), or in
// a hidden sandboxed Chromium renderer (electron/gpu-host) when Dawn cannot run there (the
// prebuilt dawn.node imports node.exe without a delay-load hook, so it may not load inside
// Electron's utilityProcess on Windows). Pure: decided from the two probes' results, so it is
// tested on them; electron/main/gpu-host.ts runs the probes.
import { reason, type Reason } from '../../shared/reason';
import { adapterName, type WebgpuAdapterFacts } from './webgpu-adapter';
import type { ProbeAnswer } from './webgpu-probe-answer';

/** What the WebGPU probe process (webgpu-probe-child.mjs) in a utilityProcess gave. */
export type UtilityProbe =
  /** It answered: an adapter, or why there is none (Dawn not installed, failed to load, no adapter). */
  | { kind: 'answered'; answer: ProbeAnswer }
  /** It died or hung without answering (dawn.node could not even be loaded by the process). */
  | { kind: 'no-answer'; detail: string };

/** What the hidden renderer found in Chromium's own WebGPU. */
export type RendererProbe = { kind: 'adapter'; adapter: WebgpuAdapterFacts } | { kind: 'none'; detail: string };

/** Inputs of {@link chooseGpuHost}. */
export interface GpuHostInput {
  utility: UtilityProbe;
  /** Absent until the renderer has been probed (it is probed only when the choice asks for it). */
  renderer?: RendererProbe;
  /** Train on a software adapter (lavapipe, SwiftShader, WARP): only when webgpu was forced. */
  allowSoftware: boolean;
}

/** Where WebGPU training runs, and why. */
export type GpuHostChoice =
  | { host: 'utility'; adapter: WebgpuAdapterFacts; reason: Reason }
  | { host: 'renderer'; adapter: WebgpuAdapterFacts; reason: Reason }
  /** Dawn cannot run in the training process: probe the hidden renderer, then decide again with its result. */
  | { host: 'probe-renderer'; reason: Reason }
  | { host: 'none'; reason: Reason };

/** Failures of Dawn itself in the utility process (as opposed to "Dawn runs, but there is no adapter"). */
const DAWN_FAILURE_CODES = new Set(['BACKEND_WEBGPU_DAWN_FAILED', 'BACKEND_NOT_INSTALLED']);

function usable(adapter: WebgpuAdapterFacts, allowSoftware: boolean): Reason | null {
  return adapter.software && !allowSoftware ? reason('BACKEND_WEBGPU_SOFTWARE', { adapter: adapterName(adapter) }) : null;
}

/**
 * The host of the WebGPU training step:
 * - the training process, when Dawn answered there with a usable adapter;
 * - none, when Dawn ran there and found no adapter, or only a software one not allowed (Chromium's
 *   WebGPU sees the same drivers, so the renderer would find nothing better);
 * - otherwise (Dawn failed to load, or the probe died without answering) the hidden renderer:
 *   'probe-renderer' until its probe result is given, then 'renderer' with a usable adapter, else none.
 */
export function chooseGpuHost(input: GpuHostInput): GpuHostChoice {
  const { utility, renderer, allowSoftware } = input;
  let dawnFailure: string;
  if (utility.kind === 'answered') {
    const a = utility.answer;
    if (a.ok) {
      const bad = usable(a.adapter, allowSoftware);
      if (bad) return { host: 'none', reason: reason('GPU_HOST_NONE', { detail: bad.message }) };
      return { host: 'utility', adapter: a.adapter, reason: reason('GPU_HOST_UTILITY', { adapter: adapterName(a.adapter) }) };
    }
    if (!DAWN_FAILURE_CODES.has(a.reason.code)) return { host: 'none', reason: reason('GPU_HOST_NONE', { detail: a.reason.message }) };
    dawnFailure = a.reason.message;
  } else {
    dawnFailure = utility.detail;
  }
  if (!renderer) return { host: 'probe-renderer', reason: reason('GPU_HOST_PROBE_RENDERER', { detail: dawnFailure }) };
  if (renderer.kind === 'none') return { host: 'none', reason: reason('GPU_HOST_NONE', { detail: `${dawnFailure}; Chromium's WebGPU: ${renderer.detail}` }) };
  const bad = usable(renderer.adapter, allowSoftware);
  if (bad) return { host: 'none', reason: reason('GPU_HOST_NONE', { detail: bad.message }) };
  return { host: 'renderer', adapter: renderer.adapter, reason: reason('GPU_HOST_RENDERER', { detail: dawnFailure, adapter: adapterName(renderer.adapter) }) };
}
