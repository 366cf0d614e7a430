import type { Reason } from '../../shared/reason';
import { reason } from '../../shared/reason';
import type { Dataset, DatasetSummary } from '../../shared/schemas/dataset';
import { allRecords, boxRelSizes, quantile } from './check/stats';

/** Below this many training images the planner should expect a rough model. */
export const FEW_IMAGES = 100;
/** Below this many training boxes a class is learnt poorly. */
export const FEW_BOXES = 20;
/** Share of images held out when the dataset has no validation split (the split module's default). */
export const DEFAULT_VAL_PERCENT = 20;

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * What the planner needs to know of a dataset: image counts, typical (median) image size,
 * boxes per image, box sizes relative to the image, and warnings worth showing. Pure: works
 * on the imported Dataset, never touches the files.
 */
export function summarizeDataset(ds: Dataset): DatasetSummary {
  const records = allRecords(ds);
  const sizes = boxRelSizes(records);
  const boxes = records.reduce((s, r) => s + r.boxes.length, 0);
  const warnings: Reason[] = [];
  const train = ds.splits.train;
  if (train.length < FEW_IMAGES) warnings.push(reason('DS_FEW_IMAGES', { count: train.length }));
  const perClass = ds.classNames.map(() => 0);
  for (const r of train) for (const b of r.boxes) perClass[b.cls] = (perClass[b.cls] ?? 0) + 1;
  ds.classNames.forEach((name, i) => {
    const n = perClass[i] ?? 0;
    if (n === 0) warnings.push(reason('DS_CLASS_NO_BOXES', { name }));
    else if (n < FEW_BOXES) warnings.push(reason('DS_CLASS_FEW_BOXES', { name, count: n }));
  });
  if (!ds.hasOwnValSplit) warnings.push(reason('DS_NO_VAL_SPLIT', { percent: DEFAULT_VAL_PERCENT }));
  return {
    trainImages: train.length,
    valImages: ds.splits.val.length,
    classNames: ds.classNames,
    typicalWidth: quantile(
      records.map((r) => r.width),
      0.5,
    ),
    typicalHeight: quantile(
      records.map((r) => r.height),
      0.5,
    ),
    boxesPerImage: records.length === 0 ? 0 : round(boxes / records.length, 3),
    boxRelSize: { p10: round(quantile(sizes, 0.1), 4), p50: round(quantile(sizes, 0.5), 4), p90: round(quantile(sizes, 0.9), 4) },
    warnings,
  };
}
