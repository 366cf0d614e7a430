import { TrainFaultsSchema, type TrainFaults } from '../../shared/schemas/train-config';

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
