// Finding a picture that is already in the dataset: adding a reviewed image must not put the
// same pixels into training twice, or a validation image into training (a leak that makes the
// validation figures look better than the model is).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isImageFile } from '../image';
import { walkFiles } from '../import/files';

async function sha1Of(file: string): Promise<string | null> {
  try {
    return createHash('sha1')
      .update(await readFile(file))
      .digest('hex');
  } catch (_err) {
    return null;
  }
}

/**
 * The image under `root` with the same bytes as `source` (the file itself when it lies there),
 * or null. Only files of the same size are read and hashed, so a large dataset costs one stat
 * per image. Hidden folders (the editor's backups) are not walked.
 */
export async function findSameImage(root: string, source: string): Promise<string | null> {
  const size = (await stat(source)).size;
  const self = resolve(source);
  let sourceHash: string | null = null;
  for (const file of (await walkFiles(root)).filter(isImageFile)) {
    if (resolve(file) === self) return file;
    const st = await stat(file).catch(() => null);
    if (!st || st.size !== size) continue;
    sourceHash ??= await sha1Of(source);
    if (sourceHash !== null && (await sha1Of(file)) === sourceHash) return file;
  }
  return null;
}
