// Reads the job file the runner hands the training process into a TrainConfig.
import { TrainJobSchema } from '../shared/schemas/ipc/worker';
import { TrainConfigSchema, trainConfigFromJob, type TrainConfig } from '../shared/schemas/train-config';

/**
 * A job file's content as a TrainConfig: the app's TrainJob, or a full TrainConfig (the CLI's
 * process runner and tests pass more settings). A TrainJob is also a TrainConfig.
 */
export function configFromJobFile(raw: unknown): TrainConfig {
  const full = TrainConfigSchema.safeParse(raw);
  if (full.success) return full.data;
  const job = TrainJobSchema.safeParse(raw);
  if (job.success) return trainConfigFromJob(job.data);
  throw new Error(`The job file is not a training job: ${full.error.message}`);
}
