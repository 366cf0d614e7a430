// Whether a run's training steps go to the step host it was offered (the app's hidden WebGPU
// window, electron/gpu-host) or stay in this process: chosen by measurement, as the backend
// ladder chooses between webgpu and the CPU in one process (backend/index.ts, chooseByMeasurement):
// the same timed step (backend/measure.ts, run on the host by its 'time' request), the same cache
// (backend/choice.ts, keyed with the host's adapter so it never meets the in-process key) and the
// same reasons. A forced backend is not timed. decideStepHost is pure and tested on figures;
// chooseStepHost does the timing and the cache around it.
import { KestrelError } from '../../shared/errors';
import { reason, type Reason } from '../../shared/reason';
import type { BackendId } from '../../shared/schemas/hardware';
import { BACKEND_ORDER } from '../backend/index';
import { choiceKey, defaultChoiceFile, measurementReasons, pickFastest, readChoices, storeChoice, type StepTiming } from '../backend/choice';
import { DEFAULT_WORKLOAD, describeWorkload, timeTrainingStep, type StepWorkload } from '../backend/measure';
import { adapterName } from '../backend/webgpu-adapter';
import type { HostBackend, StepHost } from './session-step';

/** A backend chosen explicitly: by the run's own setting (option) or KESTREL_BACKEND (env). */
export interface ForcedBackend {
  id: BackendId;
  by: 'BACKEND_FORCED_OPTION' | 'BACKEND_FORCED_ENV';
}

/** The timed steps a choice is made from, fresh or cached. */
export interface HostMeasurement {
  /** The host's speed and this process's, by backend id. */
  timings: StepTiming[];
  /** What was timed ("scale n, 256 px, batch 4"). */
  workload: string;
  /** ISO time of the measurement (a cached one keeps its own). */
  measuredAt: string;
  /** Timings that failed (counted as 0 images/s), each said with BACKEND_MEASURE_FAILED. */
  failures: Reason[];
}

/** Inputs of {@link decideStepHost}. */
export interface StepHostInput {
  /** The host's backend as it reports it; its reason is main's, for the host. */
  host: HostBackend;
  /** This process's backend, from its own ladder (webgpu left out: backend/index.ts skipWebgpu). */
  local: HostBackend;
  forced: ForcedBackend | null;
  /** Null until measured: the decision then asks for a measurement when it needs one. */
  measured: HostMeasurement | null;
}

/** Where the steps run, the backend the plan is made for, and the reasons the plan shows. */
export type StepHostChoice =
  /** Time the host's step and this process's, then decide again with the figures. */
  | { use: 'measure' }
  | { use: 'host' | 'local'; backend: HostBackend; notes: Reason[] };

const rank = (id: BackendId) => BACKEND_ORDER.indexOf(id);
const byRank = (a: { id: BackendId }, b: { id: BackendId }) => rank(a.id) - rank(b.id);

/** `b` with `loser` passed over for `why` (replacing what it said of `loser` before). */
function passing(b: HostBackend, loser: BackendId, why: Reason): HostBackend['passedOver'] {
  return [...b.passedOver.filter((p) => p.id !== loser), { id: loser, reason: why }].sort(byRank);
}

/**
 * The step host's choice:
 * - forced: the host when it trains on the forced backend (not timed, as the ladder does not time
 *   a forced backend); else this process when it runs the forced backend; else BACKEND_UNAVAILABLE;
 * - this process's backend ranks at or above the host's (tfjs-node-gpu loads here): this process;
 * - a software adapter on the host, unforced: this process (as the ladder passes one over);
 * - otherwise by the timed steps: 'measure' until they are given, then the faster
 *   (pickFastest; a tie or an unmeasured figure keeps this process), with both figures said.
 * Pure; throws KestrelError BACKEND_UNAVAILABLE only for a forced backend neither side runs.
 */
export function decideStepHost(input: StepHostInput): StepHostChoice {
  const { host, local, forced, measured } = input;
  if (forced) {
    if (forced.id === host.id) {
      const why = reason(forced.by, { backend: host.id });
      return { use: 'host', backend: { ...host, reason: why }, notes: [host.reason, why] };
    }
    if (forced.id === local.id) return { use: 'local', backend: local, notes: [reason('GPU_HOST_NOT_FORCED', { backend: local.id, host: host.id })] };
    const detail = `the hidden WebGPU window trains on ${host.id}, and this process on ${local.id}.`;
    throw new KestrelError('BACKEND_UNAVAILABLE', reason('BACKEND_UNAVAILABLE', { backend: forced.id, detail }).message, { backend: forced.id, detail });
  }
  if (rank(local.id) <= rank(host.id)) return { use: 'local', backend: local, notes: [reason('GPU_HOST_NOT_NEEDED', { backend: local.id, host: host.id })] };
  if (host.adapter?.software) {
    const why = reason('BACKEND_WEBGPU_SOFTWARE', { adapter: adapterName(host.adapter) });
    return { use: 'local', backend: { ...local, passedOver: passing(local, host.id, why) }, notes: [why] };
  }
  if (!measured) return { use: 'measure' };
  const hostWins = pickFastest(measured.timings, local.id) === host.id;
  const [winner, loser] = hostWins ? [host, local] : [local, host];
  const why = measurementReasons(winner.id, loser.id, measured.timings, measured);
  const backend: HostBackend = { ...winner, passedOver: passing(winner, loser.id, why.slower), reason: why.chosen, measured: measured.timings };
  // The host's own reason (why a hidden window at all) only when it trains.
  const notes = [...(hostWins ? [host.reason] : []), why.chosen, why.slower, ...measured.failures];
  return { use: hostWins ? 'host' : 'local', backend, notes };
}

/**
 * The cache key of the host's choice: choiceKey with the host's adapter marked as the host's (the
 * same GPU in this process, through Dawn, is another contender under its own key).
 */
export function stepHostChoiceKey(host: Pick<HostBackend, 'id' | 'adapter'>, local: BackendId): string {
  return choiceKey(`GPU host: ${host.adapter ? adapterName(host.adapter) : host.id}`, [host.id, local]);
}

/** Options of {@link chooseStepHost}. */
export interface ChooseStepHostOptions {
  forced: ForcedBackend | null;
  /** Cache of measured choices; default the ladder's (backend/choice.ts defaultChoiceFile). */
  choiceFile?: string;
  /** Times this process's step (tests); default the ladder's timeTrainingStep on the current backend. */
  measureLocal?: (id: BackendId, workload: StepWorkload) => Promise<StepTiming>;
  /** Default the ladder's (scale n, 256 px, batch 4). */
  workload?: StepWorkload;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}

/**
 * Chooses between `stepHost` and this process (whose backend, `local`, is the current TF.js
 * backend): decideStepHost, with the timed steps read from the cache or measured (the host's
 * first, then this process's, one after the other) and stored. A timing that fails counts as 0
 * images/s and is said; a choice with a failed timing is not cached (the next start times again).
 * Throws what the host's backend() throws (GPU_HOST_NO_PORT...).
 */
export async function chooseStepHost(stepHost: StepHost, local: HostBackend, opts: ChooseStepHostOptions): Promise<Exclude<StepHostChoice, { use: 'measure' }>> {
  const host = await stepHost.backend();
  const input: StepHostInput = { host, local, forced: opts.forced, measured: null };
  const first = decideStepHost(input);
  if (first.use !== 'measure') return first;
  const file = opts.choiceFile ?? defaultChoiceFile();
  const key = stepHostChoiceKey(host, local.id);
  const cached = (await readChoices(file)).find((c) => c.key === key);
  let measured: HostMeasurement;
  if (cached) {
    measured = { timings: cached.timings as StepTiming[], workload: cached.workload, measuredAt: cached.measuredAt, failures: [] };
  } else {
    const w = opts.workload ?? DEFAULT_WORKLOAD;
    const measureLocal = opts.measureLocal ?? ((id: BackendId, wl: StepWorkload) => timeTrainingStep(id, wl));
    const failures: Reason[] = [];
    const time = async (id: BackendId, run: () => Promise<number>): Promise<StepTiming> => {
      try {
        return { id, imagesPerSecond: await run() };
      } catch (err) {
        // A side that cannot finish the timed step does not win.
        failures.push(reason('BACKEND_MEASURE_FAILED', { backend: id, detail: errorText(err) }));
        return { id, imagesPerSecond: 0 };
      }
    };
    const timings = [await time(host.id, () => stepHost.timeStep(w)), await time(local.id, async () => (await measureLocal(local.id, w)).imagesPerSecond)];
    measured = { timings, workload: describeWorkload(w), measuredAt: new Date().toISOString(), failures };
    if (failures.length === 0) await storeChoice(file, { key, winner: pickFastest(timings, local.id), timings, workload: measured.workload, measuredAt: measured.measuredAt });
  }
  const decided = decideStepHost({ ...input, measured });
  // Unreachable: with the figures given, the decision is made.
  if (decided.use === 'measure') throw new Error('the step host choice asked for a measurement it was given');
  return decided;
}
