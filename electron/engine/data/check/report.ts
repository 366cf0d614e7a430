import type { Dataset, DatasetProblem, SplitName } from '../../../shared/schemas/dataset';
import type { ClassCounts, DatasetReport, SplitCounts } from '../../../shared/schemas/dataset-report';
import { makeProblem } from '../import/problems';
import { allRecords, boxRelSizes, sizeHistogram, smallObjectCheck } from './stats';

/** Figures of the import the dataset itself does not hold. */
export interface ReportInputs {
  found: number;
  skipped: number;
  imgsz: number;
}

/**
 * Builds the check report from an imported dataset: counts per split and class, background
 * images, the box-size histogram, the small-object check, and the problems, with dataset-wide
 * ones (classes without boxes, small objects) added to those the import found.
 */
export function buildReport(ds: Dataset, inputs: ReportInputs): DatasetReport {
  const splitNames: SplitName[] = ['train', 'val', 'test'];
  const classes: ClassCounts[] = ds.classNames.map((name, cls) => ({ cls, name, boxes: { train: 0, val: 0, test: 0 }, images: 0 }));
  const splits = {} as Record<SplitName, SplitCounts>;
  for (const s of splitNames) {
    const recs = ds.splits[s];
    splits[s] = { images: recs.length, boxes: 0, background: 0 };
    for (const r of recs) {
      splits[s].boxes += r.boxes.length;
      if (r.boxes.length === 0) splits[s].background++;
      const seen = new Set<number>();
      for (const b of r.boxes) {
        const c = classes[b.cls];
        if (!c) continue;
        c.boxes[s]++;
        if (!seen.has(b.cls)) {
          seen.add(b.cls);
          c.images++;
        }
      }
    }
  }
  const records = allRecords(ds);
  const sizes = boxRelSizes(records);
  const small = smallObjectCheck(sizes, inputs.imgsz);

  const problems: DatasetProblem[] = [...ds.problems];
  for (const c of classes) {
    if (c.boxes.train + c.boxes.val + c.boxes.test === 0) problems.push(makeProblem('DS_CLASS_NO_BOXES', null, null, { name: c.name }));
  }
  if (small.warn) {
    problems.push(
      makeProblem('DS_SMALL_OBJECTS', null, null, {
        percent: Math.round(small.fraction * 100),
        minPx: small.minPx,
        imgsz: small.imgsz,
        suggested: small.suggestedImgsz ?? small.imgsz,
      }),
    );
  }
  const problemCounts: Record<string, number> = {};
  for (const p of problems) problemCounts[p.code] = (problemCounts[p.code] ?? 0) + 1;

  return {
    root: ds.root,
    format: ds.format,
    classNames: ds.classNames,
    hasOwnValSplit: ds.hasOwnValSplit,
    totals: {
      found: inputs.found,
      usable: records.length,
      skipped: inputs.skipped,
      boxes: splits.train.boxes + splits.val.boxes + splits.test.boxes,
      background: splits.train.background + splits.val.background + splits.test.background,
    },
    splits,
    classes,
    boxSizes: sizeHistogram(sizes),
    smallObjects: small,
    problems,
    problemCounts,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
  };
}
