// Finds YOLO labels that sit in a misnamed folder (label/, Labels/, lables/, annotations/...):
// without this, every image reads as a background image and a run learns nothing.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, sep } from 'node:path';
import { readOptionalText } from './safe-read';

/** Other names people give the labels folder. */
const LABEL_DIR_ALIASES = new Set(['label', 'annotations', 'annotation', 'txt', 'yolo', 'ann', 'anns', 'labels_yolo', 'yolo_labels', 'label_txt', 'labels_txt']);

/** Edit distance (insert, delete, substitute, swap of neighbours), for short folder names. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
}

/** True when a folder name is probably meant to be "labels" but is not exactly that. */
export function isNearMissLabelDir(name: string): boolean {
  const lower = name.toLowerCase();
  if (name === 'labels') return false;
  if (lower === 'labels' || LABEL_DIR_ALIASES.has(lower)) return true;
  return lower.length >= 4 && editDistance(lower, 'labels') <= 2;
}

/** Where a misplaced label was found, and where Kestrel looked. */
export interface MisplacedLabel {
  /** The label file found. */
  file: string;
  /** The folder it is in. */
  foundDir: string;
  /** The folder Kestrel expected it in. */
  expectedDir: string;
}

/** Caches folder listings across the images of one import. */
export type DirCache = Map<string, Promise<string[]>>;

function subdirs(dir: string, cache: DirCache): Promise<string[]> {
  let p = cache.get(dir);
  if (!p) {
    p = readdir(dir, { withFileTypes: true }).then(
      (es) => es.filter((e) => e.isDirectory()).map((e) => e.name).sort(),
      () => [],
    );
    cache.set(dir, p);
  }
  return p;
}

/**
 * Looks for an image's YOLO label in a near-miss folder: a sibling of its images/ folder
 * (labels misnamed), or, for an image outside any images/ folder, a labels-like sibling of
 * its own folder (images misnamed). Returns the first that is a regular file.
 */
export async function findMisplacedLabel(imageFile: string, expectedLabel: string, cache: DirCache): Promise<MisplacedLabel | null> {
  const marker = `${sep}images${sep}`;
  const i = imageFile.lastIndexOf(marker);
  const cands: { file: string; foundDir: string }[] = [];
  if (i >= 0) {
    const base = imageFile.slice(0, i);
    const rest = imageFile.slice(i + marker.length);
    const restTxt = rest.slice(0, rest.length - extname(rest).length) + '.txt';
    for (const name of await subdirs(base, cache)) if (isNearMissLabelDir(name)) cands.push({ file: join(base, name, restTxt), foundDir: join(base, name) });
    // Labels written beside the images, inside images/: Ultralytics looks in labels/ only.
    cands.push({ file: imageFile.slice(0, imageFile.length - extname(imageFile).length) + '.txt', foundDir: dirname(imageFile) });
  } else {
    const d = dirname(imageFile);
    const stemTxt = basename(imageFile, extname(imageFile)) + '.txt';
    for (const name of await subdirs(dirname(d), cache)) {
      if (name === basename(d)) continue;
      if (name === 'labels' || isNearMissLabelDir(name)) cands.push({ file: join(dirname(d), name, stemTxt), foundDir: join(dirname(d), name) });
    }
  }
  for (const c of cands) {
    const text = await readOptionalText(c.file);
    if (typeof text === 'string') return { ...c, expectedDir: dirname(expectedLabel) };
  }
  return null;
}
