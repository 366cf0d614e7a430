/**
 * The training-step host's protocol: what the trainer (the loader's side) sends over a MessagePort
 * to the process that runs the step on the GPU (electron/gpu-host/host.ts: in Electron, a hidden
 * sandboxed renderer with Chromium's WebGPU), and what comes back. Plain data only (numbers,
 * strings, typed arrays), so it crosses a MessagePort by structured clone: no Node, no tensors.
 */
import type { ModelSpec } from '../shared/schemas/model';
import type { LossOptions } from '../engine/loss/index';
import type { OptimizerKind, StepHyper } from '../engine/train/optim';
import type { WebgpuAdapterFacts } from '../engine/backend/webgpu-adapter';
import type { StepWorkload } from '../engine/backend/measure';
import type { TrainBatch } from '../engine/data/batch';

export { GPU_HOST_PORT_CHANNEL, GPU_HOST_PORT_MESSAGE, GPU_HOST_PAGE } from '../shared/gpu-host-channels';

/** A tensor as plain data: float32 values row-major, and its shape. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Tensors by name (the detector's state, optimizer slots, EMA shadow weights). */
export type TensorMap = Record<string, TensorData>;

/** One micro-batch as the loader makes it (TrainBatch's fields the step reads). */
export type BatchData = Pick<TrainBatch, 'size' | 'imgsz' | 'images' | 'batchIndex' | 'cls' | 'boxes'>;

/** What the host runs on. */
export interface HostInfo {
  /** The TF.js backend the steps run on ('webgpu' in the renderer). */
  backend: string;
  /** The WebGPU adapter, when the backend is webgpu. */
  adapter: WebgpuAdapterFacts | null;
  /** The user agent or runtime, for reports. */
  runtime: string;
}

/** Builds the model and optimizer; replaces any earlier one. */
export interface InitRequest {
  op: 'init';
  spec: ModelSpec;
  optimizer: OptimizerKind;
  /** Seed of the initial weights when `state` is absent or partial. */
  seed?: number;
  /** Weights and BatchNorm buffers by the detector's names (e.g. a checkpoint or a parent run). */
  state?: TensorMap;
  /** Saved optimizer slots ("<param>/<slot>") and step. */
  optimizerState?: { step: number; slots: TensorMap };
  /** Keep an EMA of the weights (moved after every applied update), optionally from saved weights. */
  ema?: { decay?: number; tau?: number; updates?: number; state?: TensorMap };
}

/** Forward, loss and gradients of one micro-batch, added to the host's accumulator. */
export interface MicroRequest {
  op: 'micro';
  batch: BatchData;
  loss?: LossOptions;
  /** BatchNorm momentum of this forward (bnMomentumFor). */
  bnMomentum?: number;
}

/** One optimizer update from the accumulated micro-batches: clip, apply, EMA. */
export interface UpdateRequest {
  op: 'update';
  hyper: StepHyper;
  /** Max global gradient norm (update.ts's CLIP_NORM). */
  clipNorm: number;
}

/** A micro-batch and an update at once (no accumulation). */
export interface StepRequest {
  op: 'step';
  batch: BatchData;
  hyper: StepHyper;
  clipNorm: number;
  loss?: LossOptions;
  bnMomentum?: number;
}

/** The current weights (and, when asked, optimizer slots and EMA weights) as plain data. */
export interface StateRequest {
  op: 'state';
  optimizer?: boolean;
  ema?: boolean;
}

/**
 * Times a short training step of a fresh detector on the host's backend (the ladder's timing,
 * engine/backend/measure.ts), so the trainer can choose between the host and its own CPU by
 * measurement. Touches no model the host trains ('init' before or after is unaffected).
 */
export interface TimeRequest {
  op: 'time';
  workload: StepWorkload;
}

/** Every request; `id` pairs it with its response. */
export type HostRequest = (
  | { op: 'info' }
  | InitRequest
  | MicroRequest
  | UpdateRequest
  | StepRequest
  | StateRequest
  | TimeRequest
  | { op: 'dispose' }
) & { id: number };

/** A micro-batch's loss parts (after gains, before scale) and positives. */
export interface MicroResult {
  loss: { total: number; box: number; cls: number; dfl: number; positives: number };
  /** False when the loss was not finite: its gradients were dropped and the next update is skipped. */
  finite: boolean;
  /** Milliseconds the host spent. */
  ms: number;
}

/** An update's outcome. */
export interface UpdateResult {
  /** Global L2 norm of the summed gradients before clipping (NaN when skipped for a bad loss). */
  gradNorm: number;
  /** True when nothing was applied (a non-finite loss or gradient norm). */
  skipped: boolean;
  /** Optimizer updates applied so far. */
  step: number;
  ms: number;
}

/** A timed step's outcome. */
export interface TimeResult {
  /** The TF.js backend it ran on. */
  backend: string;
  /** Images per second of the median timed step. */
  imagesPerSecond: number;
  /** Milliseconds the whole request took (warm-up included). */
  ms: number;
}

/** The results by request. */
export interface HostResults {
  info: HostInfo;
  init: { params: number; stateTensors: number };
  micro: MicroResult;
  update: UpdateResult;
  step: MicroResult & UpdateResult;
  state: { state: TensorMap; optimizer?: { kind: OptimizerKind; step: number; slots: TensorMap }; ema?: TensorMap };
  time: TimeResult;
  dispose: Record<string, never>;
}

/** An error as it crosses the port: KestrelError's code (OUT_OF_MEMORY...) when it had one. */
export interface HostError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The answer to one request. */
export type HostResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: HostError };

/** The one thing about a port both sides need: MessagePort (browser, Node's worker_threads) or Electron's MessagePortMain. */
export interface PortLike {
  postMessage(message: unknown): void;
}

/** A port the host or client can listen on. */
export type ListenablePort = PortLike &
  (
    | { addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void; start?(): void }
    | { on(type: 'message', listener: (ev: { data: unknown }) => void): void; start?(): void }
  );

/**
 * Subscribes to a port's messages: addEventListener where the port has it (browser and Node
 * MessagePorts), else on() (Electron's MessagePortMain, whose events carry `data`); starts it.
 */
export function listen(port: ListenablePort, onData: (data: unknown) => void): void {
  if ('addEventListener' in port && typeof port.addEventListener === 'function') port.addEventListener('message', (ev) => onData(ev.data));
  else (port as { on(type: 'message', listener: (ev: { data: unknown }) => void): void }).on('message', (ev) => onData(ev.data));
  port.start?.();
}
