// The dataset importer's entry: detects the format, collects, merges class spellings, finishes.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KestrelError } from '../../../shared/errors';
import type { Dataset } from '../../../shared/schemas/dataset';
import { collectCoco } from './collect-coco';
import { collectVoc } from './collect-voc';
import { collectYaml } from './collect-yaml';
import { collectYoloFolder } from './collect-yolo';
import { detectFolder } from './detect';
import { pathKind } from './files';
import { finishDataset, type FinishExtras, type ProbeMode } from './finish';
import { checkAbort } from './pool';
import { foldClassCase } from './class-case';
import { ProblemList } from './problems';
import { kindOf } from './safe-read';
import type { Collected, ImportContext, ImportOptions } from './types';
import { DEFAULT_WALK_LIMITS } from './walk';

export type { ImportOptions } from './types';

/** Walk codes that mean a folder was not listed in full. */
const CUT_SHORT = new Set(['DS_WALK_TOO_MANY_FILES', 'DS_WALK_TOO_DEEP', 'DS_WALK_TIMEOUT']);

function formatUnknown(path: string, ctx?: ImportContext): KestrelError {
  const cut = ctx?.problems.items.filter((p) => CUT_SHORT.has(p.code)) ?? [];
  const why = cut.length > 0 ? ` The folder was not listed in full: ${cut.map((p) => p.message).join(' ')}` : '';
  return new KestrelError(
    'DS_FORMAT_UNKNOWN',
    `Kestrel found no labelled images in ${path}.${why} Point it at a data.yaml, a YOLO folder (images + .txt labels), a Pascal VOC folder (images + .xml) or a COCO instances .json.`,
    { path, ...(ctx && ctx.problems.items.length > 0 ? { problems: ctx.problems.items.slice(0, 200) } : {}) },
  );
}

async function collectFolder(dir: string, ctx: ImportContext): Promise<Collected> {
  let det = await detectFolder(dir, false, ctx);
  if (det.kind === 'yaml') {
    try {
      return await collectYaml(det.file, ctx);
    } catch (err) {
      // A broken data.yaml in a folder that is otherwise a plain YOLO/VOC tree: say so, then
      // read the tree; only when nothing else is there does the YAML error stand.
      if (!(err instanceof KestrelError) || err.code !== 'DS_YAML_UNREADABLE') throw err;
      det = await detectFolder(dir, true, ctx);
      if (det.kind === 'none' || det.kind === 'yaml') throw err;
      ctx.problems.add('DS_YAML_UNREADABLE', String(err.details?.['file'] ?? dir), null, { reason: String(err.details?.['reason'] ?? '') });
    }
  }
  switch (det.kind) {
    case 'coco':
      return collectCoco(det.files, ctx);
    case 'voc':
      return collectVoc(det.root, ctx, det.files);
    case 'yolo':
      return collectYoloFolder(det.root, ctx, det.files);
    default:
      throw formatUnknown(dir, ctx);
  }
}

/**
 * Imports a dataset and returns the extra figures the check report needs. `probe` chooses how
 * hard images are looked at: 'header' for import, 'full' (decode + hash) for check.
 */
export async function importDatasetDetailed(
  path: string,
  opts: ImportOptions & { probe?: ProbeMode } = {},
): Promise<{ dataset: Dataset; extras: FinishExtras }> {
  const abs = resolve(path);
  const ctx: ImportContext = { problems: new ProblemList(), signal: opts.signal, walkLimits: { ...DEFAULT_WALK_LIMITS, ...opts.walkLimits } };
  checkAbort(opts.signal);
  const kind = await pathKind(abs);
  const st = kind ? null : await stat(abs).catch(() => null);
  if (st) {
    const what = kindOf(st);
    throw new KestrelError('DS_NOT_A_FILE', `${abs} is a ${what}, not a dataset. Pick the dataset folder, its data.yaml or its COCO .json file.`, { path: abs, kind: what });
  }
  if (!kind) {
    throw new KestrelError('DS_NOT_FOUND', `The dataset path ${abs} does not exist. Check the spelling, or pick the folder again.`, { path: abs });
  }
  let collected: Collected;
  if (kind === 'dir') collected = await collectFolder(abs, ctx);
  else if (/\.ya?ml$/i.test(abs)) collected = await collectYaml(abs, ctx);
  else if (/\.json$/i.test(abs)) collected = await collectCoco([abs], ctx);
  else throw formatUnknown(abs);
  checkAbort(opts.signal);
  collected = foldClassCase(collected, ctx.problems);
  const probe: ProbeMode = opts.probe ?? (opts.readImageHeaders === false ? 'none' : 'header');
  return finishDataset(collected, ctx.problems, probe, { signal: opts.signal, onProgress: opts.onProgress, allowNoBoxes: opts.allowNoBoxes });
}

/**
 * Imports a labelled dataset into Kestrel's single internal form: images with boxes in
 * pixels (x1, y1, x2, y2 of the image as displayed, EXIF orientation applied), class names,
 * and where each came from. Accepts an Ultralytics data.yaml, a YOLO folder, a Pascal VOC
 * folder or a COCO instances JSON, detected automatically. Bad samples are skipped and listed
 * in `problems`; throws KestrelError (DS_NOT_FOUND, DS_FORMAT_UNKNOWN, DS_YAML_UNREADABLE,
 * DS_COCO_UNREADABLE, DS_NO_USABLE_IMAGES, DS_NO_BOXES, DS_NOT_A_FILE, DS_IMPORT_CANCELLED) only
 * when nothing usable (or nothing to learn) remains; their details.problems name the causes.
 */
export async function importDataset(path: string, opts: ImportOptions = {}): Promise<Dataset> {
  return (await importDatasetDetailed(path, opts)).dataset;
}
