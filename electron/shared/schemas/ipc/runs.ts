import { z } from 'zod';
import { EpochEndEventSchema, TrainingEventSchema } from '../events';
import { ReasonSchema } from '../reason';
import { checkRunName } from '../../run-name';
import { LiveRunStateSchema, SettledRunStateSchema } from '../run-state';
import { TrainTilesModeSchema } from '../user-choice';

/**
 * Run ids are folder names under the runs directory, by the one run-name rule (../../run-name.ts):
 * no separators or dot-dot, no names Windows reserves (CON, NUL, COM1...), no trailing dot or
 * space, at most RUN_NAME_MAX characters.
 */
export const RunIdSchema = z.string().superRefine((name, ctx) => {
  const problem = checkRunName(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `not a usable run name (${problem.kind.toLowerCase().replace('_', ' ')})` });
});

/** One line of the past-runs list. */
export const RunSummarySchema = z.object({
  id: RunIdSchema,
  dir: z.string(),
  createdAt: z.string().nullable(),
  /** Where the run stands, as read from its folder and the live supervisor (../run-state.ts). */
  status: SettledRunStateSchema,
  datasetPath: z.string().nullable(),
  model: z.object({ scale: z.string(), imgsz: z.number() }).nullable(),
  epochsPlanned: z.number().int().nullable(),
  epochsDone: z.number().int(),
  best: z.object({ epoch: z.number().int(), map50: z.number(), map50_95: z.number() }).nullable(),
  /** A checkpoint exists and the run did not finish: it can be resumed. */
  resumable: z.boolean(),
  hasResults: z.boolean(),
  /** Training on tiles as the run's config asked for it (absent: no config); a fine-tune of it starts with the same choice. */
  tiles: TrainTilesModeSchema.optional(),
  /** The run this one was fine-tuned from (its folder name), null for a run from scratch. */
  parentRun: z.string().nullable().optional(),
  /** The engineer's name and note for the run (run-meta.json; the folder keeps its name). */
  title: z.string().optional(),
  note: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** A run opened for viewing: its summary, plan, per-epoch history and notable events. */
export const RunDetailSchema = z.object({
  summary: RunSummarySchema,
  plan: z.record(z.string(), z.unknown()).nullable(),
  epochs: z.array(EpochEndEventSchema),
  /** Events other than batch-end/epoch-end (warnings, recoveries, checkpoints, errors). */
  events: z.array(TrainingEventSchema),
  /** metrics.csv as columns (epoch, train_box, lr, map50...), null without the file; the curves of a reopened run. */
  metrics: z.object({ columns: z.record(z.string(), z.array(z.number().nullable())) }).nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** The run the supervisor is watching now, with what the renderer needs to redraw its charts. */
export const ActiveRunSchema = z.object({
  runId: RunIdSchema,
  runDir: z.string(),
  startedAt: z.string(),
  state: LiveRunStateSchema,
  /** The events so far; batch-end thinned to at most a few hundred. */
  events: z.array(TrainingEventSchema),
});
export type ActiveRun = z.infer<typeof ActiveRunSchema>;

/**
 * A change of the training process itself (not of training), sent by the supervisor: it
 * started ('running'); it ended normally (train-end's status: completed, stopped,
 * early-stopped); it reported a failure ('failed') or died (crash, out of memory: 'crashed');
 * and whether the run can resume. The states are the one run-state vocabulary (../run-state.ts).
 */
export const RunStateEventSchema = z.object({
  runId: RunIdSchema,
  state: SettledRunStateSchema,
  exitCode: z.number().int().nullable(),
  /** Why the process went away (Electron's child-process-gone reason or a signal name). */
  cause: z.string().nullable(),
  resumable: z.boolean(),
  message: z.string().nullable(),
  /** The same as `message` as a translatable reason (code + figures), when the supervisor has one. */
  reason: ReasonSchema.nullable().optional(),
});
export type RunStateEvent = z.infer<typeof RunStateEventSchema>;

/** What the engineer may write about a run: a display name and a note (run-meta.json in its folder). */
export const RunMetaSchema = z.object({ title: z.string().max(120).default(''), note: z.string().max(4000).default('') });
export type RunMeta = z.infer<typeof RunMetaSchema>;
