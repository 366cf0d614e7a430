/**
 * Checking a dataset into the wizard's state: the Dataset step's buttons and the fine-tune
 * actions of Results and Past runs go through here, so a dataset opened either way shows the
 * same report, samples and errors.
 */
import { call } from './api';
import { app, toUiError } from './store.svelte';

/** Sample images the Dataset step shows. */
const SAMPLES = 12;

/**
 * Makes `path` the wizard's dataset and checks it afresh (the engine reimports it: images may
 * have been added or relabelled since). The report, or the error, lands in the store.
 */
export async function checkDataset(path: string): Promise<void> {
  app.datasetPath = path;
  // A fine-tune keeps its parent's network on any dataset: the Plan step must not reopen on its
  // recommendation for a new one (another scale cannot take the parent's weights).
  if (app.fineTune) app.planDataset = path;
  app.report = null;
  app.reportError = null;
  app.plan = null;
  app.samples = null;
  app.checking = true;
  try {
    app.report = await call('dataset:check', { path, imgsz: app.model.imgsz });
  } catch (err) {
    app.reportError = toUiError(err);
  } finally {
    app.checking = false;
  }
  if (app.report && app.report.totals.usable > 0) {
    app.samples = await call('dataset:samples', { path, split: 'train', limit: SAMPLES }).catch(() => null);
  }
}

/** Whether the checked dataset can be trained on (usable images, some of them for training). */
export function datasetUsable(): boolean {
  return app.report !== null && app.report.totals.usable > 0 && app.report.splits.train.images > 0;
}
