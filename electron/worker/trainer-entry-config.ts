// Reads the job file the runner hands the training process into a TrainConfig.
import { TrainConfigSchema, type TrainConfig } from '../shared/schemas/train-config';

/**
 * A job file's content as a TrainConfig: the app's TrainJob (a pick of TrainConfig, so the rest
 * takes its defaults), or a full TrainConfig (the CLI's process runner and tests pass more settings).
 */
export function configFromJobFile(raw: unknown): TrainConfig {
  const full = TrainConfigSchema.safeParse(raw);
  if (full.success) return full.data;
  throw new Error(`The job file is not a training job: ${full.error.message}`);
}
