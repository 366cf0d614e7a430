// The one run-state vocabulary: each place's subset is taken from it, and the helpers split it right.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndedRunStateSchema, isEndedState, isFailedState, LiveRunStateSchema, RunStateSchema, SettledRunStateSchema } from '../../../electron/shared/schemas/run-state';
import { TrainEndEventSchema } from '../../../electron/shared/schemas/events';
import { ActiveRunSchema, RunStateEventSchema, RunSummarySchema } from '../../../electron/shared/schemas/ipc/runs';

test('the live, ended and settled states partition what a run can be in', () => {
  const all = RunStateSchema.options;
  assert.deepEqual(LiveRunStateSchema.options, ['starting', 'running', 'stopping']);
  assert.deepEqual(EndedRunStateSchema.options, ['completed', 'stopped', 'early-stopped']);
  assert.deepEqual([...SettledRunStateSchema.options].sort(), all.filter((s) => s !== 'starting' && s !== 'stopping').sort());
  assert.deepEqual(all.filter(isEndedState), ['completed', 'stopped', 'early-stopped']);
  assert.deepEqual(all.filter(isFailedState), ['failed', 'crashed']);
});

test('the process event, the live run, the run list and train-end all speak it (and refuse the old words)', () => {
  assert.deepEqual(RunStateEventSchema.shape.state.options, SettledRunStateSchema.options);
  assert.deepEqual(RunSummarySchema.shape.status.options, SettledRunStateSchema.options);
  assert.deepEqual(ActiveRunSchema.shape.state.options, LiveRunStateSchema.options);
  assert.deepEqual(TrainEndEventSchema.shape.status.options, EndedRunStateSchema.options);
  // 'exited' and 'ended' were the process event's and the renderer's own words: gone.
  assert.equal(RunStateSchema.safeParse('exited').success, false);
  assert.equal(RunStateSchema.safeParse('ended').success, false);
});
