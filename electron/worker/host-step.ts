/**
 * The training session's step on a training-step host (electron/gpu-host: the app's hidden
 * WebGPU renderer), through createStepClient over a MessagePort: micro-batches and updates go as
 * messages, losses and gradient norms come back; the weights, EMA and optimizer slots come back
 * only when validation or a checkpoint needs them (one 'state' read, kept until the next step).
 * The host holds the model, optimizer, accumulator and EMA on its GPU; this process keeps the
 * loader, the loop, validation (on its own backend) and checkpoints, as with the in-process step.
 *
 * A host's errors arrive as the same KestrelErrors (OUT_OF_MEMORY halves the batch as in-process);
 * a host that goes away fails every request with GPU_HOST_GONE.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createStepClient, type StepClient } from '../gpu-host/client';
import type { BatchData, ListenablePort } from '../gpu-host/protocol';
import { fromTensorMap, toTensorMap } from '../gpu-host/tensor-map';
import { startingDetector, type HostBackend, type SessionStepFactory, type StepHost } from '../engine/train/index';
import { parseStepHostMessage } from '../engine/train/step-host';
import { KestrelError } from '../shared/errors';
import { reason, type Reason } from '../shared/reason';
import { BackendIdSchema } from '../shared/schemas/hardware';
import type { ParentLink } from './transport';

/** How long the trainer waits for the parent's port after it starts. */
export const STEP_HOST_WAIT_MS = 60_000;
/** The longest one request may take (a step on a software GPU takes seconds; a lost host forever). */
export const STEP_HOST_REQUEST_TIMEOUT_MS = 600_000;

function hostFailed(detail: string): KestrelError {
  return new KestrelError('GPU_HOST_FAILED', reason('GPU_HOST_FAILED', { detail }).message, { detail });
}

/** The host's backend as the ladder reports one, with why the steps run there (main's decision, when given). */
export async function hostBackend(client: StepClient, why: Reason | null): Promise<HostBackend> {
  const info = await client.request('info', {});
  const id = BackendIdSchema.safeParse(info.backend);
  if (!id.success) throw hostFailed(`it trains on '${info.backend}', which is not a backend Kestrel plans for`);
  const out: HostBackend = { id: id.data, passedOver: [], reason: why ?? reason('BACKEND_SELECTED', { backend: id.data }) };
  if (info.adapter) {
    out.adapter = info.adapter;
    out.memoryLimitBytes = info.adapter.maxBufferSize;
  }
  return out;
}

/** The fields of a loader batch the host's step reads. */
function batchData(b: BatchData): BatchData {
  return { size: b.size, imgsz: b.imgsz, images: b.images, batchIndex: b.batchIndex, cls: b.cls, boxes: b.boxes };
}

/**
 * Opens each session's step on the host behind `client`: the host's model starts from the
 * session's weights (fresh from the run's seed, a checkpoint, or a fine-tune's parent: sent
 * whole, so it starts exactly where the in-process step would), its optimizer slots and EMA.
 */
export function hostStepFactory(client: StepClient): SessionStepFactory {
  return async (input) => {
    const { ctx, start, st } = input;
    // Here: the network checkpoints are written for, and the weights the host starts from.
    const model = startingDetector(input);
    try {
      await client.request('init', {
        spec: ctx.plan.modelSpec,
        optimizer: ctx.plan.optimizer,
        seed: ctx.cfg.seed,
        state: await toTensorMap(model.state()),
        ...(start.optimizer ? { optimizerState: { step: st.optimizerStep, slots: await toTensorMap(start.optimizer) } } : {}),
        ema: { updates: st.emaUpdates, ...(start.ema ? { state: await toTensorMap(start.ema) } : {}) },
      });
    } catch (err) {
      model.dispose();
      throw err;
    }
    let optimizerStep = st.optimizerStep;
    let emaUpdates = st.emaUpdates;
    /** The host's weights as last read, until the next step changes them. */
    let read: { ema: Map<string, tf.Tensor>; raw: Map<string, tf.Tensor>; optimizer: Record<string, tf.Tensor> } | null = null;
    const forget = () => {
      if (!read) return;
      tf.dispose([...read.ema.values(), ...read.raw.values(), ...Object.values(read.optimizer)]);
      read = null;
    };
    const weights = async () => {
      if (read) return read;
      const s = await client.request('state', { optimizer: true, ema: true });
      if (!s.optimizer || !s.ema) throw hostFailed('it sent the weights without the optimizer slots or the EMA');
      const raw = fromTensorMap(s.state);
      const ema = fromTensorMap(s.ema);
      const optimizer = Object.fromEntries(fromTensorMap(s.optimizer.slots));
      optimizerStep = s.optimizer.step;
      read = { ema, raw, optimizer };
      return read;
    };
    return {
      model,
      async micro(batch, o) {
        // The training forward moves the BatchNorm statistics: what was read is stale.
        forget();
        // An injected fault makes the host's loss non-finite, so the host drops the gradients and
        // skips the update exactly as the in-process step does.
        const loss = o.poison ? { ...o.loss, scale: Number.NaN } : o.loss;
        const r = await client.request('micro', { batch: batchData(batch), loss, bnMomentum: o.bnMomentum });
        return { loss: r.loss, bad: r.finite ? null : r.loss.total };
      },
      async update(hyper, o) {
        forget();
        const r = await client.request('update', { hyper, clipNorm: o.clipNorm });
        // A micro-batch this process counts as bad was bad on the host too (its loss came from there).
        if (o.skip && !r.skipped) throw hostFailed('it applied an update whose micro-batches had a non-finite loss');
        optimizerStep = r.step;
        if (!r.skipped) emaUpdates++;
        return { gradNorm: r.gradNorm, skipped: r.skipped };
      },
      async withEma(use) {
        return use((await weights()).ema);
      },
      async withTrainState(use) {
        const w = await weights();
        return use({ ...w, optimizerStep, emaUpdates });
      },
      async dispose() {
        forget();
        model.dispose();
        // Frees the host's model; a host already gone has nothing to free.
        await client.request('dispose', {}, { timeoutMs: 10_000 }).catch(() => undefined);
      },
    };
  };
}

/** A step host behind a client: its backend, a step per session, and its timed step. */
export function stepHostOf(client: StepClient, why: Reason | null): StepHost {
  return {
    backend: () => hostBackend(client, why),
    open: hostStepFactory(client),
    timeStep: async (workload) => (await client.request('time', { workload })).imagesPerSecond,
  };
}

/** A port as the trainer receives it: Electron's MessagePortMain, or a worker_threads / browser MessagePort. */
type HostPort = ListenablePort & {
  on?(type: 'close', listener: () => void): void;
  addEventListener?(type: 'close', listener: () => void): void;
};

/** Fails every request of `client` once `port`'s other end is gone (the host window closed or crashed). */
export function failWhenClosed(port: HostPort, client: StepClient): void {
  const gone = () => client.fail(new KestrelError('GPU_HOST_GONE', reason('GPU_HOST_GONE', { detail: 'its port closed' }).message));
  if (typeof port.on === 'function') port.on('close', gone);
  else port.addEventListener?.('close', gone);
}

/**
 * The step host the parent hands this process (the runner's STEP_HOST_ARG): listens for the
 * parent's step-host message at once, and trains through its port. Its backend() waits for the
 * port up to `waitMs` and fails with GPU_HOST_NO_PORT when none came.
 */
export function stepHostFromParent(link: ParentLink, opts: { waitMs?: number; requestTimeoutMs?: number } = {}): StepHost {
  const waitMs = opts.waitMs ?? STEP_HOST_WAIT_MS;
  const connected = new Promise<StepHost>((resolve, reject) => {
    const seconds = Math.round(waitMs / 1000);
    // Not unref'd: a trainer waiting for its port must not exit for lack of anything else to wait on.
    const timer = setTimeout(() => reject(new KestrelError('GPU_HOST_NO_PORT', reason('GPU_HOST_NO_PORT', { seconds }).message, { seconds })), waitMs);
    link.onMessage((raw, ports) => {
      const msg = parseStepHostMessage(raw);
      const port = ports[0] as HostPort | undefined;
      if (!msg || !port) return;
      clearTimeout(timer);
      const client = createStepClient(port, { timeoutMs: opts.requestTimeoutMs ?? STEP_HOST_REQUEST_TIMEOUT_MS });
      failWhenClosed(port, client);
      resolve(stepHostOf(client, msg.reason));
    });
  });
  // Awaited by backend(); a port that never came is said there, not as an unhandled rejection.
  connected.catch(() => undefined);
  return {
    backend: async () => (await connected).backend(),
    open: async (input) => (await connected).open(input),
    timeStep: async (workload) => (await connected).timeStep(workload),
  };
}
