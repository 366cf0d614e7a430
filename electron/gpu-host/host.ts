/**
 * The training-step host: runs the detector's training step for a trainer on the other end of a
 * MessagePort, on whatever TF.js backend is current (webgpu in the hidden renderer; any backend
 * in tests). The trainer keeps the loader, the schedule, checkpoints and events; the host keeps
 * the model, optimizer, gradient accumulator and EMA on the GPU, and answers each request with
 * plain numbers (losses, the gradient norm) or, when asked, the weights; 'time' runs the backend
 * ladder's timed step (engine/backend/step-speed.ts) so the trainer can choose between this host and
 * its own CPU by measurement (engine/train/host-choice.ts). Every read from the
 * device is `await data()`: no dataSync, which WebGPU outside Node cannot do either.
 *
 * No Node here (the lint's gpu-host layer, and test/engine/backend/gpu-host-imports.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { KestrelError } from '../shared/errors';
import { ModelSpecSchema } from '../shared/schemas/model';
import { assertFiniteLoss, toOutOfMemory } from '../engine/backend/limits';
import type { StepWorkload } from '../engine/backend/measure';
import { measureStepSpeed } from '../engine/backend/step-speed';
import { anchorsFor } from '../engine/eval/decode';
import type { LossAnchors } from '../engine/loss/index';
import { createDetector, type Detector } from '../engine/model/detector';
import { GradientAccumulator } from '../engine/train/accumulate';
import { ModelEma } from '../engine/train/ema';
import { clipByGlobalNorm, createOptimizer, type Optimizer } from '../engine/train/optim';
import { computeGradientsAsync } from '../engine/train/step';
import { listen, type HostError, type HostInfo, type HostRequest, type HostResponse, type HostResults, type InitRequest, type ListenablePort, type MicroRequest, type MicroResult, type TimeResult, type UpdateRequest, type UpdateResult } from './protocol';
import { fromTensorMap, toTensorMap } from './tensor-map';

/** The model a host trains: everything lives on the device between requests. */
interface Model {
  det: Detector;
  opt: Optimizer;
  accum: GradientAccumulator;
  ema: ModelEma | null;
  /** A non-finite loss in the update being accumulated (its update is skipped). */
  bad: boolean;
  anchors: Map<number, LossAnchors>;
}

/** Options of {@link serveTrainingSteps}. */
export interface HostOptions {
  /** What the host runs on (answers 'info'). */
  info: () => HostInfo;
  /**
   * Assign targets from a first forward pass read with `await data()` (step.ts). Default: where
   * the backend cannot read synchronously (webgpu); tests set it to check that a step never reads
   * synchronously on a backend that could.
   */
  separateAssignment?: boolean;
}

/** A running host. */
export interface StepHost {
  /** Answers one request (what a message on the port does; tests call it directly). */
  handle(req: HostRequest): Promise<HostResponse>;
  /** Frees the model (the port stays open; a later 'init' starts afresh). */
  dispose(): void;
}

function errorOf(err: unknown): HostError {
  const e = toOutOfMemory(err);
  if (e instanceof KestrelError) return e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message };
  return { code: 'GPU_HOST_FAILED', message: e instanceof Error ? e.message : String(e) };
}

function anchorsOf(m: Model, imgsz: number): LossAnchors {
  let a = m.anchors.get(imgsz);
  if (!a) {
    a = anchorsFor(imgsz);
    m.anchors.set(imgsz, a);
  }
  return a;
}

function disposeModel(m: Model | null): void {
  if (!m) return;
  m.accum.reset();
  m.ema?.dispose();
  m.opt.dispose();
  m.det.dispose();
}

function buildModel(req: InitRequest): Model {
  const spec = ModelSpecSchema.parse(req.spec);
  const det = createDetector(spec, { seed: req.seed ?? 0 });
  let opt: Optimizer | undefined;
  try {
    if (req.state) {
      const known = det.state();
      const unknown = Object.keys(req.state).filter((n) => !known.has(n));
      if (unknown.length) throw new Error(`the state holds tensors this model does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`);
      const tensors = fromTensorMap(req.state);
      try {
        det.setState(tensors);
      } finally {
        tf.dispose([...tensors.values()]);
      }
    }
    opt = createOptimizer(req.optimizer, det.params());
    if (req.optimizerState) {
      const slots = fromTensorMap(req.optimizerState.slots);
      try {
        opt.setState({ kind: req.optimizer, step: req.optimizerState.step, slots: Object.fromEntries(slots) });
      } finally {
        tf.dispose([...slots.values()]);
      }
    }
    let ema: ModelEma | null = null;
    if (req.ema) {
      const o = { ...(req.ema.decay !== undefined ? { decay: req.ema.decay } : {}), ...(req.ema.tau !== undefined ? { tau: req.ema.tau } : {}), ...(req.ema.updates !== undefined ? { updates: req.ema.updates } : {}) };
      if (req.ema.state) {
        const saved = fromTensorMap(req.ema.state);
        try {
          ema = new ModelEma(new Map([...det.state()].map(([n, v]) => [n, saved.get(n) ?? v])), o);
        } finally {
          tf.dispose([...saved.values()]);
        }
      } else {
        ema = new ModelEma(det.state(), o);
      }
    }
    return { det, opt, accum: new GradientAccumulator(), ema, bad: false, anchors: new Map() };
  } catch (err) {
    opt?.dispose();
    det.dispose();
    throw err;
  }
}

async function micro(m: Model, req: Pick<MicroRequest, 'batch' | 'loss' | 'bnMomentum'>, separateAssignment: boolean | undefined): Promise<MicroResult> {
  const t0 = performance.now();
  const { batch } = req;
  if (batch.imgsz % 32 !== 0) throw new Error(`batch side ${batch.imgsz} is not a multiple of 32`);
  if (batch.images.length !== batch.size * batch.imgsz * batch.imgsz * 3) {
    throw new Error(`batch images hold ${batch.images.length} values, ${batch.size} images of ${batch.imgsz} px need ${batch.size * batch.imgsz * batch.imgsz * 3}`);
  }
  const opts = {
    anchors: anchorsOf(m, batch.imgsz),
    // Default as the trainer's loop (update.ts): the loss scaled to the micro-batch's images.
    loss: req.loss ?? { scale: batch.size },
    readLoss: true,
    ...(req.bnMomentum !== undefined ? { bnMomentum: req.bnMomentum } : {}),
    ...(separateAssignment !== undefined ? { separateAssignment } : {}),
  };
  const { grads, loss } = await computeGradientsAsync(m.det, batch, opts);
  const l = loss!;
  let finite = true;
  try {
    // OUT_OF_MEMORY when the device reported an allocation failure during the step.
    assertFiniteLoss(l.total, m.opt.step);
    m.accum.add(grads);
  } catch (err) {
    tf.dispose(Object.values(grads));
    if (!(err instanceof KestrelError && err.code === 'LOSS_NOT_FINITE')) throw err;
    finite = false;
    m.bad = true;
  }
  return { loss: { total: l.total, box: l.box, cls: l.cls, dfl: l.dfl, positives: l.positives }, finite, ms: performance.now() - t0 };
}

async function update(m: Model, req: Pick<UpdateRequest, 'hyper' | 'clipNorm'>): Promise<UpdateResult> {
  const t0 = performance.now();
  if (m.bad || m.accum.size === 0) {
    m.accum.reset();
    m.bad = false;
    return { gradNorm: Number.NaN, skipped: true, step: m.opt.step, ms: performance.now() - t0 };
  }
  const summed = m.accum.take();
  const clipped = clipByGlobalNorm(summed, req.clipNorm);
  tf.dispose(Object.values(summed));
  let gradNorm: number;
  try {
    gradNorm = (await clipped.norm.data())[0]!;
    if (Number.isFinite(gradNorm)) m.opt.apply(clipped.grads, req.hyper);
  } finally {
    tf.dispose([...Object.values(clipped.grads), clipped.norm]);
  }
  const skipped = !Number.isFinite(gradNorm);
  if (!skipped) m.ema?.update(m.det.state());
  return { gradNorm, skipped, step: m.opt.step, ms: performance.now() - t0 };
}

/** The ladder's timed step on this host's backend ('time'); refuses a workload that times nothing. */
async function timeStep(w: StepWorkload): Promise<TimeResult> {
  const t0 = performance.now();
  const whole = (n: unknown, min: number) => Number.isInteger(n) && (n as number) >= min;
  if (!whole(w?.batch, 1) || !whole(w.steps, 1) || !whole(w.warmup, 0) || !whole(w.imgsz, 32) || w.imgsz % 32 !== 0 || (w.scale !== 'n' && w.scale !== 's')) {
    throw new Error(`not a workload to time: ${JSON.stringify(w)}`);
  }
  const imagesPerSecond = await measureStepSpeed(w, createDetector);
  return { backend: tf.getBackend(), imagesPerSecond, ms: performance.now() - t0 };
}

/**
 * Serves training steps on `port` (requests answered one at a time, in order). Returns the host,
 * whose handle() tests may call directly.
 */
export function serveTrainingSteps(port: ListenablePort | null, opts: HostOptions): StepHost {
  let model: Model | null = null;
  const need = (): Model => {
    if (!model) throw new Error("no model: send 'init' first");
    return model;
  };
  async function run(req: HostRequest): Promise<HostResults[keyof HostResults]> {
    switch (req.op) {
      case 'info':
        return opts.info();
      case 'init': {
        disposeModel(model);
        model = null;
        model = buildModel(req);
        return { params: model.det.params().length, stateTensors: model.det.state().size };
      }
      case 'micro':
        return micro(need(), req, opts.separateAssignment);
      case 'update':
        return update(need(), req);
      case 'step': {
        const m = need();
        const r = await micro(m, req, opts.separateAssignment);
        const u = await update(m, req);
        return { ...r, ...u, ms: r.ms + u.ms };
      }
      case 'state': {
        const m = need();
        const out: HostResults['state'] = { state: await toTensorMap(m.det.state()) };
        if (req.optimizer) {
          const s = m.opt.getState();
          try {
            out.optimizer = { kind: s.kind, step: s.step, slots: await toTensorMap(s.slots) };
          } finally {
            tf.dispose(Object.values(s.slots));
          }
        }
        if (req.ema && m.ema) out.ema = await toTensorMap(m.ema.shadow);
        return out;
      }
      case 'time':
        return timeStep(req.workload);
      case 'dispose':
        disposeModel(model);
        model = null;
        return {};
      default:
        throw new Error(`unknown request '${(req as { op: string }).op}'`);
    }
  }
  async function handle(req: HostRequest): Promise<HostResponse> {
    try {
      return { id: req.id, ok: true, result: await run(req) };
    } catch (err) {
      return { id: req.id, ok: false, error: errorOf(err) };
    }
  }
  let queue: Promise<unknown> = Promise.resolve();
  if (port) {
    listen(port, (data) => {
      const req = data as HostRequest;
      if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.op !== 'string') return;
      queue = queue.then(async () => port.postMessage(await handle(req)));
    });
  }
  return {
    handle,
    dispose() {
      disposeModel(model);
      model = null;
    },
  };
}
