/**
 * Fault injection for tests and drills: which faults a run injects (its config, else
 * KESTREL_FAULTS), and the one hook the training loop calls before each micro-batch that makes
 * them happen, so the recovery paths run for real.
 */
import { TrainFaultsSchema, type TrainFaults } from '../../shared/schemas/train-config';
import { outOfMemoryError } from '../backend/index';

/**
 * The faults a run injects: the config's, else the KESTREL_FAULTS environment variable (JSON),
 * so a test can inject them into a training process it does not configure directly.
 */
export function resolveFaults(fromConfig: TrainFaults | undefined, env: NodeJS.ProcessEnv = process.env): TrainFaults {
  if (fromConfig) return fromConfig;
  const raw = env.KESTREL_FAULTS;
  if (!raw) return {};
  try {
    return TrainFaultsSchema.parse(JSON.parse(raw));
  } catch (err) {
    throw new Error(`KESTREL_FAULTS is not valid fault JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** How many times the training process was restarted after dying (set by the process runner). */
export function processRestarts(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.KESTREL_RESTARTS ?? 0) || 0;
}

/** Where the loop stands when the fault hook is called. */
export interface FaultPoint {
  /** The optimizer step the micro-batch belongs to. */
  step: number;
  perDeviceBatch: number;
  /** The micro-batch is the first of its optimizer step. */
  firstOfStep: boolean;
}

/**
 * The fault hook, called before every micro-batch: at `crashAtStep` the process dies like a
 * native crash (SIGKILL, first process only, so its restart can succeed); at `oomAtStep` an
 * OUT_OF_MEMORY error is thrown while the batch is above `oomWhileBatchAbove` (at
 * `heapAbortAtStep` the wasm module's own uncoded "Aborted(OOM)" RuntimeError). Returns true
 * when this micro-batch's loss is to be made non-finite (each `nanAtSteps` step once per
 * process, recorded in `fired`).
 */
export function injectFaults(faults: TrainFaults, fired: Set<number>, at: FaultPoint): boolean {
  if (at.firstOfStep && faults.crashAtStep === at.step && processRestarts() === 0) {
    process.kill(process.pid, 'SIGKILL');
  }
  if (faults.oomAtStep === at.step && at.perDeviceBatch > (faults.oomWhileBatchAbove ?? 1)) {
    throw outOfMemoryError('injected fault', { injected: true, step: at.step });
  }
  if (faults.heapAbortAtStep === at.step && at.perDeviceBatch > (faults.oomWhileBatchAbove ?? 1)) {
    // As Emscripten's abort() reports a heap that cannot grow: uncoded, like the real one.
    throw new WebAssembly.RuntimeError('Aborted(OOM). Build with -sASSERTIONS for more info. (injected fault)');
  }
  if (!faults.nanAtSteps?.includes(at.step) || fired.has(at.step)) return false;
  fired.add(at.step);
  return true;
}
