// Handlers of the label editor's channels (labels:get, labels:save, labels:addImage): they let
// the renderer touch only datasets the engineer opened, and images from Kestrel's run folders.
import { resolve } from 'node:path';
import type { ParsedReq, Res } from '../shared/ipc-contract';
import { labelsError } from '../engine/data/edit/errors';
import { isInside, PathGrants, pathShapeProblem } from './access';
import type { AppContext } from './handlers';
import { demoDirOf, runsDirOf } from './handlers';
import { makeThumb } from './thumbs';

/** The datasets main owns or recorded: the demo set and the recent datasets. */
function ownDatasets(ctx: AppContext): string[] {
  return [demoDirOf(ctx), ...ctx.settings.get().recentProjects.map((r) => r.path)];
}

/**
 * Refuses a dataset the engineer did not pick in Kestrel (LABELS_DATASET_NOT_OPEN): the renderer
 * names the dataset, main decides whether it may be written.
 */
export function assertOpened(ctx: AppContext, datasetPath: string): string {
  const abs = resolve(datasetPath);
  const grants = ctx.grants ?? new PathGrants();
  if (pathShapeProblem(datasetPath) !== null || !grants.allows(abs, ownDatasets(ctx)))
    throw labelsError('LABELS_DATASET_NOT_OPEN', {
      path: datasetPath.slice(0, 300),
    });
  return abs;
}

/** A new image to review or add: only from the runs folder (predict output) or a picked dataset. */
function allowedSource(ctx: AppContext, file: string): string {
  const source = resolve(file);
  const allowed = [runsDirOf(ctx), ...(ctx.grants?.list() ?? []), ...ownDatasets(ctx)];
  if (pathShapeProblem(file) !== null || !allowed.some((root) => isInside(source, root))) throw labelsError('LABELS_SOURCE_NOT_ALLOWED', { file: source.slice(0, 300) });
  return source;
}

/** Loads the editor module on first use (its engine parts import sharp and the importers). */
const edit = () => import('../engine/data/edit/index');

/** labels:get: one image's labels and a picture of it (a JPEG data URL). */
export async function labelsGet(ctx: AppContext, req: ParsedReq<'labels:get'>): Promise<Res<'labels:get'>> {
  const path = assertOpened(ctx, req.datasetPath);
  const doc = req.review ? await (await edit()).readReviewImage(path, allowedSource(ctx, req.file)) : await (await edit()).readLabels(path, req.file);
  try {
    const pic = await makeThumb(doc.image, Math.min(req.maxSide, Math.max(doc.width, doc.height)), doc.width);
    return { ...doc, imageUrl: pic.url, imageScale: pic.scale };
  } catch (err) {
    throw labelsError('LABELS_IMAGE_UNREADABLE', {
      file: doc.image,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

/** labels:save: writes the boxes in the dataset's format (backup first, atomic). */
export async function labelsSave(ctx: AppContext, req: ParsedReq<'labels:save'>): Promise<Res<'labels:save'>> {
  const path = assertOpened(ctx, req.datasetPath);
  return (await edit()).saveLabels(path, req.file, req.boxes, {
    version: req.version,
    dropUnreadable: req.dropUnreadable,
  });
}

/**
 * labels:addImage: copies a reviewed image into the dataset's train split with its labels. The
 * image must come from the runs folder (predict output) or a dataset the engineer opened.
 */
export async function labelsAddImage(ctx: AppContext, req: ParsedReq<'labels:addImage'>): Promise<Res<'labels:addImage'>> {
  const path = assertOpened(ctx, req.datasetPath);
  return (await edit()).addImage(path, allowedSource(ctx, req.source), req.boxes);
}
