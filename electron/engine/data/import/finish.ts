// The common last step of every import: probe images, convert and check boxes, drop and report.
import { extname, relative, sep } from 'node:path';
import { KestrelError } from '../../../shared/errors';
import type { Dataset, ImageRecord, SplitName } from '../../../shared/schemas/dataset';
import { probeImage, type ImageProbe } from '../image';
import { validatePixelBoxes, type DraftBox } from './boxes';
import { mapLimit } from './pool';
import { problemsInOneLine } from './problem-summary';
import { LOSES_OBJECT, type ProblemList } from './problems';
import type { Collected, Draft } from './types';

/** How much to look at each image: nothing (trust annotation sizes), its header, or every byte. */
export type ProbeMode = 'none' | 'header' | 'full';

/** Extra facts a full probe gathers, for the check report. */
export interface FinishExtras {
  /** Images skipped because they could not be read or their labels had errors. */
  skippedImages: number;
  /** Images found in total (usable or not). */
  totalImages: number;
}

/** Record id: the image path relative to the root, without extension, '/' separated. */
export function recordId(root: string, file: string): string {
  const rel = relative(root, file).split(sep).join('/');
  return rel.slice(0, rel.length - extname(rel).length);
}

function toPixels(b: DraftBox, w: number, h: number): DraftBox {
  return { ...b, x1: b.x1 * w, y1: b.y1 * h, x2: b.x2 * w, y2: b.y2 * h };
}

/**
 * Turns collected drafts into the Dataset: probes every image (size, and in full mode
 * truncation and content hash), converts boxes to pixels, checks them against the image,
 * and drops what cannot be used, reporting why. Throws DS_NO_USABLE_IMAGES when nothing is
 * left and DS_NO_BOXES when no image has a box (unless opts.allowNoBoxes), so a caller never
 * trains on an empty set or on background alone.
 */
export async function finishDataset(
  c: Collected,
  problems: ProblemList,
  mode: ProbeMode,
  opts: { signal?: AbortSignal | undefined; onProgress?: ((done: number, total: number) => void) | undefined; allowNoBoxes?: boolean | undefined },
): Promise<{ dataset: Dataset; extras: FinishExtras }> {
  const effective: ProbeMode = mode === 'none' && c.drafts.some((d) => d.units === 'norm' || !d.sizeHint) ? 'header' : mode;
  opts.onProgress?.(0, c.drafts.length);
  const probes: (ImageProbe | null)[] = await mapLimit(c.drafts, effective === 'full' ? 4 : 12, async (d) => (effective === 'none' ? null : probeImage(d.file, effective)), {
    signal: opts.signal,
    onDone: opts.onProgress,
  });

  const splits: Record<SplitName, ImageRecord[]> = { train: [], val: [], test: [] };
  const ids = new Set<string>();
  const hashes = new Map<string, string>();
  let skipped = 0;
  c.drafts.forEach((d: Draft, i) => {
    const probe = probes[i] ?? null;
    let width: number;
    let height: number;
    if (probe === null) {
      width = d.sizeHint?.width ?? 0;
      height = d.sizeHint?.height ?? 0;
    } else if (!probe.ok) {
      problems.add(probe.code, d.file, null, { reason: probe.reason, kind: probe.reason });
      skipped++;
      return;
    } else {
      width = probe.width;
      height = probe.height;
      if (probe.hash !== null) {
        const first = hashes.get(probe.hash);
        if (first !== undefined) problems.add('DS_IMAGE_DUPLICATE', d.file, null, { other: relative(c.root, first) });
        else hashes.set(probe.hash, d.file);
      }
      if (d.sizeHint && (d.sizeHint.width !== width || d.sizeHint.height !== height)) {
        problems.add('DS_SIZE_MISMATCH', d.labelFile, null, {
          declared: `${d.sizeHint.width}x${d.sizeHint.height}`,
          actual: `${width}x${height}`,
        });
      }
    }
    const px = d.units === 'norm' ? d.boxes.map((b) => toPixels(b, width, height)) : d.boxes;
    const { kept, findings } = validatePixelBoxes(px, width, height, d.units === 'px');
    problems.addAll(d.labelFile, findings);
    if (d.rejected || findings.some((f) => LOSES_OBJECT.has(f.code))) {
      skipped++;
      return;
    }
    let id = recordId(c.root, d.file);
    if (ids.has(id)) id = relative(c.root, d.file).split(sep).join('/');
    ids.add(id);
    splits[d.split].push({ id, file: d.file, width, height, boxes: kept, labelFile: d.labelFile });
  });

  const usable = splits.train.length + splits.val.length + splits.test.length;
  if (usable === 0) {
    throw new KestrelError(
      'DS_NO_USABLE_IMAGES',
      `Nothing usable remains in ${c.root}: no image with readable labels is left. The problems: ${problemsInOneLine(c.root, problems.items)}. Fix these files (each problem says how), then try again.`,
      { path: c.root, problems: problems.items.slice(0, 200), summary: problemsInOneLine(c.root, problems.items) },
    );
  }
  const boxes = splits.train.reduce((n, r) => n + r.boxes.length, 0) + splits.val.reduce((n, r) => n + r.boxes.length, 0) + splits.test.reduce((n, r) => n + r.boxes.length, 0);
  if (boxes === 0 && opts.allowNoBoxes !== true) {
    // Only background images: a detector learns nothing from them, and with no class names
    // training cannot even build its head. Said now, not after an hour of training.
    const reason = c.classNames.length === 0 ? 'and no class names are given' : `for any of the ${c.classNames.length} classes`;
    const summary = problems.items.length > 0 ? ` The problems: ${problemsInOneLine(c.root, problems.items)}.` : '';
    throw new KestrelError(
      'DS_NO_BOXES',
      `None of the ${usable} usable images in ${c.root} has a box ${reason}, so there is nothing to learn.${summary} Check that the label files are where Kestrel looks (labels/ beside images/, or one .xml per image) and are not empty.`,
      { path: c.root, images: usable, classes: c.classNames.length, problems: problems.items.slice(0, 200), summary },
    );
  }
  const dataset: Dataset = {
    root: c.root,
    format: c.format,
    classNames: c.classNames,
    splits,
    hasOwnValSplit: c.hasOwnValSplit && splits.val.length > 0,
    problems: problems.items,
  };
  return { dataset, extras: { skippedImages: skipped, totalImages: c.drafts.length } };
}
