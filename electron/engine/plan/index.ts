/**
 * The training planner: a pure function from hardware, model and dataset size to a
 * TrainingPlan with reasons, plus the LR schedule the trainer and the chart evaluate.
 */
export { planTraining, type PlanModel, type PlanOptions } from './plan';
export { lrAt, sampleSchedule, buildSchedule, planWarmup, warmupStepsFor, warmupOverrideWarning, type LrPoint, type ScheduleOptions, type WarmupPlan, type WarmupRule } from './schedule';
export { calibrationDeviceKey, estimateMemoryLine, findCalibration, maxBatchWithin, predictBytes, type MemoryLine } from './memory';
export { chooseDevice, type DeviceChoice } from './device';
export { planLr, strictLr, lrInSafeRange, weightDecayFor } from './lr';
export { RULES, OPTIMIZER_RULES, SCHEDULE_RULES, FINETUNE_RULES, MEMORY_MODEL, STEP_MEMORY_VERSION, stepMemoryVersion } from './constants';
