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
import { ProblemList } from './problems';
import type { Collected, ImportContext, ImportOptions } from './types';

export type { ImportOptions } from './types';

function formatUnknown(path: string): KestrelError {
  return new KestrelError(
    'DS_FORMAT_UNKNOWN',
    `Kestrel found no labelled images in ${path}. Point it at a data.yaml, a YOLO folder (images + .txt labels), a Pascal VOC folder (images + .xml) or a COCO instances .json.`,
    { path },
  );
}

async function collectFolder(dir: string, ctx: ImportContext): Promise<Collected> {
  let det = await detectFolder(dir);
  if (det.kind === 'yaml') {
    try {
      return await collectYaml(det.file, ctx);
    } catch (err) {
      // A broken data.yaml in a folder that is otherwise a plain YOLO/VOC tree: say so, then
      // read the tree; only when nothing else is there does the YAML error stand.
      if (!(err instanceof KestrelError) || err.code !== 'DS_YAML_UNREADABLE') throw err;
      det = await detectFolder(dir, true);
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
      throw formatUnknown(dir);
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
  const ctx: ImportContext = { problems: new ProblemList(), signal: opts.signal };
  checkAbort(opts.signal);
  const kind = await pathKind(abs);
  if (!kind) {
    throw new KestrelError('DS_NOT_FOUND', `The dataset path ${abs} does not exist. Check the spelling, or pick the folder again.`, { path: abs });
  }
  let collected: Collected;
  if (kind === 'dir') collected = await collectFolder(abs, ctx);
  else if (/\.ya?ml$/i.test(abs)) collected = await collectYaml(abs, ctx);
  else if (/\.json$/i.test(abs)) collected = await collectCoco([abs], ctx);
  else throw formatUnknown(abs);
  checkAbort(opts.signal);
  const probe: ProbeMode = opts.probe ?? (opts.readImageHeaders === false ? 'none' : 'header');
  return finishDataset(collected, ctx.problems, probe, { signal: opts.signal, onProgress: opts.onProgress });
}

/**
 * Imports a labelled dataset into Kestrel's single internal form: images with boxes in
 * pixels (x1, y1, x2, y2 of the image as displayed, EXIF orientation applied), class names,
 * and where each came from. Accepts an Ultralytics data.yaml, a YOLO folder, a Pascal VOC
 * folder or a COCO instances JSON, detected automatically. Bad samples are skipped and listed
 * in `problems`; throws KestrelError (DS_NOT_FOUND, DS_FORMAT_UNKNOWN, DS_YAML_UNREADABLE,
 * DS_COCO_UNREADABLE, DS_NO_USABLE_IMAGES, DS_IMPORT_CANCELLED) only when nothing usable remains.
 */
export async function importDataset(path: string, opts: ImportOptions = {}): Promise<Dataset> {
  return (await importDatasetDetailed(path, opts)).dataset;
}
