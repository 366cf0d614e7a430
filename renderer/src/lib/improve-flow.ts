/**
 * Setting a fine-tune up from a finished run: the parent's network and the epochs the action
 * chose go into the wizard's state, the dataset is checked afresh, and the wizard opens on the
 * Dataset step (more images: see what the check says first) or on the Plan step, which plans
 * it as a fine-tune and starts it from the parent (lib/improve.ts fromOf). The same plan ->
 * Plan step -> train:start path as any run.
 */
import type { RunSummary } from '../../../electron/shared/schemas/ipc/runs';
import { checkDataset, datasetUsable } from './dataset-flow';
import { clampEpochs, fineTuneOf, firstStepOf, type FineTuneKind } from './improve';
import { app } from './store.svelte';

/** What the action chose. */
export interface FineTuneChoice {
  kind: FineTuneKind;
  epochs: number;
  /** Another dataset folder (more images elsewhere); default the parent's. */
  datasetPath?: string;
}

/**
 * Sets the fine-tune up and moves the wizard to where it continues. Returns false (and changes
 * nothing) when the run cannot be fine-tuned or has no dataset to train on.
 */
export async function beginFineTune(run: RunSummary, choice: FineTuneChoice): Promise<boolean> {
  const ft = fineTuneOf(run, choice.kind);
  const path = choice.datasetPath ?? run.datasetPath;
  if (!ft || !path) return false;
  app.fineTune = ft;
  app.model = { ...ft.model };
  app.epochs = clampEpochs(choice.epochs);
  app.overrides = {};
  // The parent's tiling: the fine-tune trains on the same kind of samples its weights learnt from.
  app.tiles = ft.tiles;
  app.overridesReset = false;
  app.planChoices = { noBoxes: false, noVal: false };
  await checkDataset(path);
  app.view = 'wizard';
  app.step = datasetUsable() ? firstStepOf(choice.kind) : 'dataset';
  return true;
}

/** Drops the fine-tune being set up: the next run trains from scratch. */
export function cancelFineTune(): void {
  app.fineTune = null;
}
