/**
 * The app side of using a model: a run's per-class thresholds (read, suggested from the
 * validation predictions, saved to thresholds.json) and "Try it" (the run's model on images
 * the engineer picked in main's dialog, OK/NG at the saved thresholds). Plain functions over
 * the predict engine; the handlers check the run and where the images came from.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { writeFileAtomic } from '../engine/runs/atomic';
import { rethrowFsError } from '../engine/runs/fs-errors';
import { stampOf } from '../engine/data/edit/write';
import { loadThresholds, saveThresholds } from '../engine/predict/thresholds';
import { suggestThresholds } from '../engine/predict/suggest';
import type { Thresholds } from '../shared/schemas/thresholds';
import { ValPredictionsFileSchema } from '../shared/schemas/ipc/results';
import type { PredictTryResponse, ThresholdSuggestion } from '../shared/schemas/ipc/predict';
import { RUN_FILES } from './runs';
import { makeThumb, scaleBox } from './thumbs';

/** Images Try it sends back with thumbnails (predictions.json in the output folder has them all). */
export const TRY_SHOWN = 60;
/** Thumbnail side of Try it (large enough to step through one at a time). */
const TRY_THUMB = 640;

/** The run's validation predictions, or null when it saved none. */
export async function readValPredictions(runDir: string) {
  try {
    const parsed = ValPredictionsFileSchema.safeParse(JSON.parse(await readFile(join(runDir, RUN_FILES.valPredictions), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch (_err) {
    return null;
  }
}

/** The run's thresholds (the defaults for its classes when none were saved). */
export function thresholdsOf(runDir: string, classNames: readonly string[]): Promise<Thresholds> {
  return loadThresholds(runDir, classNames);
}

/**
 * Suggested thresholds per class from the validation predictions: the best F1, or the
 * highest threshold that still finds `recallTarget` of the defects.
 */
export async function suggestFor(runDir: string, recallTarget: number | null): Promise<ThresholdSuggestion[]> {
  const preds = await readValPredictions(runDir);
  if (!preds) return [];
  const method = recallTarget === null ? ({ kind: 'f1' } as const) : ({ kind: 'recall', target: recallTarget } as const);
  return suggestThresholds(preds.images, preds.classNames, method).map((s) => ({
    name: s.name,
    conf: s.conf === null ? null : Math.min(1, Math.max(0, s.conf)),
    precision: s.precision,
    recall: s.recall,
    reason: s.reason,
  }));
}

/** Saves thresholds.json into the run folder (atomically) and returns what was saved. */
export async function saveRunThresholds(runDir: string, t: Thresholds): Promise<Thresholds> {
  const stamped = { ...t, updatedAt: new Date().toISOString() };
  await saveThresholds(runDir, stamped);
  return stamped;
}

/**
 * Runs the run's model on `source` (an image or a folder the engineer picked) at the saved
 * thresholds, the output in the run's predict folder; returns the first TRY_SHOWN images with
 * thumbnails and boxes in thumbnail pixels. Large images are tiled when the run's dataset has
 * small objects (`tile: auto`).
 */
export async function tryModel(runDir: string, source: string): Promise<PredictTryResponse> {
  const { predict } = await import('../engine/predict/predict');
  const res = await predict({ weights: runDir, source, tile: { kind: 'auto' }, saveImages: false });
  const shown = res.images.slice(0, TRY_SHOWN);
  const images = await Promise.all(
    shown.map(async (im) => {
      try {
        const t = await makeThumb(im.file, TRY_THUMB, im.width);
        return {
          file: basename(im.file),
          path: im.file,
          width: im.width,
          height: im.height,
          thumbWidth: t.width,
          thumbHeight: t.height,
          thumbUrl: t.url,
          verdict: im.verdict,
          tiles: im.tiles,
          detections: im.detections.map((d) => scaleBox({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: d.score, cls: d.cls }, t.scale)),
        };
      } catch (_err) {
        return null;
      }
    }),
  );
  return {
    source,
    outDir: res.outDir,
    classNames: await classNamesOf(runDir),
    images: images.filter((i) => i !== null),
    more: Math.max(0, res.images.length - shown.length),
    skipped: res.skipped.map((s) => ({ file: basename(s.file), code: s.code, message: s.message })),
    summary: { images: res.summary.images, ng: res.summary.ng, ok: res.summary.ok, imagesPerSecond: res.summary.imagesPerSecond },
  };
}

/** The run's class names (from its validation predictions, else its plan's model spec). */
export async function classNamesOf(runDir: string): Promise<string[]> {
  const preds = await readValPredictions(runDir);
  if (preds) return preds.classNames;
  try {
    const plan = JSON.parse(await readFile(join(runDir, RUN_FILES.plan), 'utf8')) as { modelSpec?: { classNames?: unknown } };
    const names = plan.modelSpec?.classNames;
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
  } catch (_err) {
    return [];
  }
}

/** Folder of a run that keeps the images dropped on Try it, one subfolder per drop. */
export const DROPPED_DIR = 'dropped';

/**
 * File names for a drop, in order: each name as sent (a file name, never a path: the schema
 * checked), with `-1`, `-2`... before the ending where the same name came twice (case-blind,
 * as on Windows), so no dropped image overwrites another.
 */
export function dropNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length);
    for (let i = 0; ; i++) {
      const candidate = i === 0 ? name : `${stem}-${i}${ext}`;
      if (!taken.has(candidate.toLowerCase())) {
        taken.add(candidate.toLowerCase());
        return candidate;
      }
    }
  });
}

/**
 * Saves images dropped on Try it into `<run>/dropped/<time>/` and returns that folder: the model
 * then runs on it like on a picked folder, and "Review and add to the dataset" may read the
 * copies (they lie in the runs folder). A full or read-only drive is a coded FS_* error.
 */
export async function saveDropped(runDir: string, files: readonly { name: string; data: string }[], now = new Date()): Promise<string> {
  const dir = join(runDir, DROPPED_DIR, stampOf(now));
  const names = dropNames(files.map((f) => f.name));
  try {
    await mkdir(dir, { recursive: true });
    for (const [i, f] of files.entries()) await writeFileAtomic(join(dir, names[i]!), Buffer.from(f.data, 'base64'));
  } catch (err) {
    rethrowFsError(err, { path: dir, op: 'write' });
  }
  return dir;
}
