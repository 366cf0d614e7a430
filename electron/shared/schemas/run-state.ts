/**
 * The run state: the one vocabulary for where a training run stands, used by the run list
 * (RunSummary.status), the supervisor's live view (ActiveRun.state), its process event
 * (evt:run-state), train-end's status and the renderer's Train step. Each place uses the subset
 * that can occur there, taken from this one enum, so a value means the same everywhere.
 */
import { z } from 'zod';

/**
 * Every state a run can be in: starting/running/stopping while its process lives; completed,
 * stopped or early-stopped when it ended normally (train-end); failed when it reported an error,
 * crashed when its process died without a word; incomplete when it was cut short (a checkpoint
 * may resume it).
 */
export const RunStateSchema = z.enum(['starting', 'running', 'stopping', 'completed', 'stopped', 'early-stopped', 'failed', 'crashed', 'incomplete']);
export type RunState = z.infer<typeof RunStateSchema>;

/** The states of a run whose training process is alive (the supervisor's ActiveRun.state). */
export const LiveRunStateSchema = RunStateSchema.extract(['starting', 'running', 'stopping']);
export type LiveRunState = z.infer<typeof LiveRunStateSchema>;

/** How a run ended normally (train-end's status in events.jsonl). */
export const EndedRunStateSchema = RunStateSchema.extract(['completed', 'stopped', 'early-stopped']);
export type EndedRunState = z.infer<typeof EndedRunStateSchema>;

/**
 * Where a run stands as read from its folder or told by the supervisor once its process is
 * gone (RunSummary.status, evt:run-state): running, or how it ended, failed or was cut short.
 */
export const SettledRunStateSchema = RunStateSchema.exclude(['starting', 'stopping']);
export type SettledRunState = z.infer<typeof SettledRunStateSchema>;

/** True for the states of a run that ended normally (completed, stopped, early-stopped). */
export function isEndedState(state: RunState): state is EndedRunState {
  return EndedRunStateSchema.safeParse(state).success;
}

/** True for the states of a run that went wrong (failed, crashed). */
export function isFailedState(state: RunState): state is 'failed' | 'crashed' {
  return state === 'failed' || state === 'crashed';
}
