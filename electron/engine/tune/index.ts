/**
 * The tune module: the LR range test (`kestrel tune --lr-find`) and the small automatic search
 * (`kestrel tune --trials N | --budget 30m`), with their pure decisions and text views.
 */
export { LR_FIND_DEFAULTS, chooseLr, rangeLr, smoothSeries, smoothingBeta, stopReason } from './lr-choice';
export { runLrFind, type LrFindOptions } from './lr-find';
export { nextAction, rungSchedule, winner, type SchedulerAction, type SchedulerConfig, type TrialView } from './scheduler';
export { SEARCH_SPACE, appliedKnobs, sampleTrial, trialOverrides, type Knob } from './space';
export { SEARCH_DEFAULTS, duration, runSearch, searchPaths, type SearchEvent, type SearchOptions, type SearchResult } from './search';
export { formatLrFind, formatSearchTable, trainCommand } from './format';
export { planForTune, type TunePlan, type TunePlanInput } from './planned';
export { runLrFindProcess, lrFindChart, lrFindEntry, type LrFindProcessOptions } from './lr-find-process';
export type { LrFindChart } from '../../shared/schemas/tune';
