import { z } from 'zod';
import type { ChannelName, EventName, MethodName } from './ipc-channels';
import { DatasetReportSchema } from './schemas/dataset-report';
import { HardwareProfileSchema } from './schemas/hardware';
import { TrainingEventSchema } from './schemas/events';
import { AbsolutePathSchema, DatasetPathSchema, DatasetSamplesRequestSchema, DatasetSamplesSchema } from './schemas/ipc/dataset';
import { limitNumber } from './schemas/ipc/limits';
import { OpenDialogRequestSchema, OpenDialogResultSchema } from './schemas/ipc/dialog';
import { PlanRequestSchema, PlanResponseSchema } from './schemas/ipc/plan';
import { ResultsResponseSchema } from './schemas/ipc/results';
import { ActiveRunSchema, RunDetailSchema, RunIdSchema, RunMetaSchema, RunStateEventSchema, RunSummarySchema } from './schemas/ipc/runs';
import { PredictTryFilesRequestSchema, PredictTryRequestSchema, PredictTryResponseSchema, REPORT_PLOT_NAMES, ThresholdsSaveRequestSchema, ThresholdsSuggestRequestSchema, ThresholdsSuggestResponseSchema } from './schemas/ipc/predict';
import { ThresholdsSchema } from './schemas/thresholds';
import { LrFindAppRequestSchema, LrFindProgressSchema, LrFindResponseSchema } from './schemas/ipc/tune';
import { AcceptedPlanSchema, StartModeSchema } from './schemas/train-config';
import { SettingsPatchSchema, SettingsSchema } from './schemas/ipc/settings';
import { ModelChoiceSchema, TrainTilesModeSchema, UserOverridesSchema } from './schemas/user-choice';
import { LabelsAddImageRequestSchema, LabelsAddImageResponseSchema, LabelsGetRequestSchema, LabelsGetResponseSchema, LabelsSaveRequestSchema, LabelsSaveResponseSchema } from './schemas/labels';

export { CHANNELS, EVENTS, methodName } from './ipc-channels';
export type { ChannelName, EventName, MethodName } from './ipc-channels';

const empty = z.object({}).strict();
const runRef = z.object({ runId: RunIdSchema }).strict();

/**
 * Every IPC channel once, with the schema of its request and of its response.
 * Main validates each request (the trust boundary) and each response (catches engine drift);
 * preload, renderer and the browser-test bridge derive their types from here.
 */
export const contract = {
  'app:info': {
    req: empty,
    res: z.object({ version: z.string(), platform: z.string(), runsDir: z.string(), userDataDir: z.string() }),
  },
  'hardware:probe': { req: z.object({ refresh: z.boolean().default(false) }).strict(), res: HardwareProfileSchema },
  'dataset:check': {
    req: z.object({ path: DatasetPathSchema, imgsz: limitNumber('imgsz').optional() }).strict(),
    res: DatasetReportSchema,
  },
  'dataset:samples': { req: DatasetSamplesRequestSchema, res: DatasetSamplesSchema },
  'dataset:demo': { req: empty, res: z.object({ path: z.string() }) },
  'plan:create': { req: PlanRequestSchema, res: PlanResponseSchema },
  'train:start': {
    req: z
      .object({
        datasetPath: DatasetPathSchema,
        model: ModelChoiceSchema,
        epochs: limitNumber('epochs'),
        overrides: UserOverridesSchema.default({}),
        /** Training on tiles as the Plan step planned it (the run's config `tiles`); absent: 'auto'. */
        tiles: TrainTilesModeSchema.optional(),
        /** A new run's starting weights as the Plan step planned them (the run's config `start`); absent: 'auto'. Not used with `from`. */
        start: StartModeSchema.optional(),
        /** The run's folder name (checked again in main with the coded RUN_NAME_* errors). */
        name: z.string().max(4096).optional(),
        /** Fine-tune from this earlier run (its id in the runs folder): its weights are the starting point. */
        from: RunIdSchema.optional(),
        /** The key figures of the plan the Plan step showed: the training process warns where its own plan differs. */
        accepted: AcceptedPlanSchema.optional(),
      })
      .strict(),
    res: z.object({ runId: RunIdSchema, runDir: z.string() }),
  },
  'train:resume': { req: runRef, res: z.object({ runId: RunIdSchema, runDir: z.string() }) },
  'train:stop': { req: runRef, res: z.object({ stopping: z.boolean() }) },
  'train:status': { req: empty, res: z.object({ active: ActiveRunSchema.nullable() }) },
  'runs:list': { req: empty, res: z.object({ runsDir: z.string(), runs: z.array(RunSummarySchema) }) },
  'runs:open': { req: runRef, res: RunDetailSchema },
  'results:get': { req: runRef, res: ResultsResponseSchema },
  // The destination comes from a dialog in main, never from the renderer; path null: cancelled.
  'model:export': {
    req: runRef,
    res: z.object({ path: z.string().nullable(), files: z.array(z.string()) }),
  },
  'dialog:openFolder': { req: OpenDialogRequestSchema, res: OpenDialogResultSchema },
  'dialog:openFile': { req: OpenDialogRequestSchema, res: OpenDialogResultSchema },
  'settings:get': { req: empty, res: SettingsSchema },
  'settings:set': { req: SettingsPatchSchema, res: SettingsSchema },
  // Main shows a folder dialog and stores the choice; the renderer never names the folder.
  'settings:chooseRunsDir': { req: z.object({ reset: z.boolean().default(false) }).strict(), res: SettingsSchema },
  'shell:openPath': { req: z.object({ path: AbsolutePathSchema }).strict(), res: z.object({ ok: z.literal(true) }) },
  'labels:get': { req: LabelsGetRequestSchema, res: LabelsGetResponseSchema },
  'labels:save': { req: LabelsSaveRequestSchema, res: LabelsSaveResponseSchema },
  'labels:addImage': { req: LabelsAddImageRequestSchema, res: LabelsAddImageResponseSchema },
  'thresholds:suggest': { req: ThresholdsSuggestRequestSchema, res: ThresholdsSuggestResponseSchema },
  'thresholds:save': { req: ThresholdsSaveRequestSchema, res: ThresholdsSchema },
  // Main shows the file or folder dialog; the renderer never names the images.
  'predict:try': { req: PredictTryRequestSchema, res: PredictTryResponseSchema },
  // Images dropped on Try it: their bytes (the renderer has no paths), saved in the run folder first.
  'predict:tryFiles': { req: PredictTryFilesRequestSchema, res: PredictTryResponseSchema },
  'report:save': { req: runRef, res: z.object({ path: z.string() }) },
  'report:savePlots': {
    req: z
      .object({ runId: RunIdSchema, plots: z.array(z.object({ name: z.enum(REPORT_PLOT_NAMES), png: z.string().max(8_000_000) })).max(REPORT_PLOT_NAMES.length) })
      .strict(),
    res: z.object({ files: z.array(z.string()) }),
  },
  'runs:update': { req: z.object({ runId: RunIdSchema, title: z.string().max(120).optional(), note: z.string().max(4000).optional() }).strict(), res: RunMetaSchema },
  'runs:delete': { req: runRef, res: z.object({ trashedTo: z.string() }) },
  // The LR range test runs in a process of its own; the renderer polls its progress while the first call waits.
  'tune:lrFind': { req: LrFindAppRequestSchema, res: LrFindResponseSchema },
  'tune:lrFindProgress': { req: empty, res: LrFindProgressSchema },
  'tune:lrFindStop': { req: empty, res: z.object({ stopping: z.boolean() }) },
} as const satisfies Record<ChannelName, { req: z.ZodType; res: z.ZodType }>;

/** Events main sends to the renderer, with their payload schemas. */
export const eventContract = {
  'evt:training': z.object({ runId: RunIdSchema, event: TrainingEventSchema }),
  'evt:run-state': RunStateEventSchema,
} as const satisfies Record<EventName, z.ZodType>;

/** What a caller sends on a channel (defaults not yet applied). */
export type Req<C extends ChannelName> = z.input<(typeof contract)[C]['req']>;
/** A request after validation (defaults applied): what a handler receives. */
export type ParsedReq<C extends ChannelName> = z.output<(typeof contract)[C]['req']>;
/** What a channel answers. */
export type Res<C extends ChannelName> = z.output<(typeof contract)[C]['res']>;
/** The payload of an event. */
export type EventPayload<E extends EventName> = z.output<(typeof eventContract)[E]>;

/** An error as it crosses IPC: a reason (a stable code, its figures when it has any, a sentence saying what to do). */
export interface IpcError {
  code: string;
  message: string;
  /** The figures a translated sentence fills in (absent when there are none). */
  params?: Record<string, string | number | boolean>;
}
/** Every channel answers with this envelope: thrown errors would lose their code crossing IPC. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** The handler of every channel: plain async functions, no Electron types. */
export type Handlers = { [C in ChannelName]: (req: ParsedReq<C>) => Promise<Res<C>> };

/** What the preload exposes as `window.api`: one method per channel plus `on` for events. */
export type KestrelApi = {
  [C in ChannelName as MethodName<C>]: (req: Req<C>) => Promise<IpcResult<Res<C>>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};
