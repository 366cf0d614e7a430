import { basename, dirname, extname, relative } from 'node:path';
import { isImageFile } from '../image';
import { looksLikeCoco, parseJsonLenient } from './coco-json';
import { looksLikeYoloLabel } from './collect-yolo';
import { walkFiles } from './files';
import type { ImportContext } from './types';
import { MAX_JSON_BYTES, readRegularText } from './safe-read';

/** What a dataset path turned out to be. */
export type DetectedSource =
  | { kind: 'yaml'; file: string }
  | { kind: 'coco'; files: string[] }
  | { kind: 'voc' | 'yolo'; root: string; files: string[] }
  | { kind: 'none'; root: string };

const YAML_PREFERRED = ['data.yaml', 'data.yml', 'dataset.yaml', 'dataset.yml'];

/** Top-level YAML files of a folder, data.yaml first. */
export function yamlCandidates(dir: string, files: readonly string[]): string[] {
  const top = files.filter((f) => dirname(f) === dir && /\.ya?ml$/i.test(f));
  const rank = (f: string): number => {
    const i = YAML_PREFERRED.indexOf(basename(f).toLowerCase());
    return i < 0 ? YAML_PREFERRED.length : i;
  };
  return top.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** 'coco', 'no', or 'broken': names COCO's keys but does not parse (reported, not ignored). */
async function sniffCoco(file: string): Promise<'coco' | 'broken' | 'no'> {
  const text = await readRegularText(file, MAX_JSON_BYTES).catch(() => '');
  // Cheap sniff before parsing a possibly large file.
  if (!text.includes('"annotations"') || !text.includes('"images"')) return 'no';
  try {
    return looksLikeCoco(parseJsonLenient(text)) ? 'coco' : 'no';
  } catch {
    return 'broken';
  }
}

/**
 * Detects the format of a dataset folder: a data.yaml at the top wins, then COCO JSON (at the
 * top or in annotations/), then VOC when XML files outnumber YOLO label files, then YOLO when
 * there are images. `skipYaml` is set after a YAML proved unreadable, to try the folder itself.
 */
export async function detectFolder(dir: string, skipYaml = false, ctx?: Pick<ImportContext, 'problems' | 'walkLimits' | 'signal'>): Promise<DetectedSource> {
  const files = await walkFiles(dir, ctx);
  if (!skipYaml) {
    const y = yamlCandidates(dir, files)[0];
    if (y) return { kind: 'yaml', file: y };
  }
  const jsons = files.filter((f) => {
    if (extname(f).toLowerCase() !== '.json') return false;
    const rel = relative(dir, f).split(/[\\/]/);
    return rel.length === 1 || (rel.length === 2 && rel[0]?.toLowerCase() === 'annotations');
  });
  const coco: string[] = [];
  for (const j of jsons) if ((await sniffCoco(j)) !== 'no') coco.push(j);
  if (coco.length > 0) {
    // All files must share a root (COCO layout: annotations/instances_*.json).
    const sameRoot = coco.filter((f) => dirname(f) === dirname(coco[0] ?? ''));
    return { kind: 'coco', files: sameRoot };
  }
  const xmls = files.filter((f) => extname(f).toLowerCase() === '.xml').length;
  const images = files.filter(isImageFile).length;
  let yoloTxt = 0;
  const txts = files.filter((f) => extname(f).toLowerCase() === '.txt');
  // Sampling a few label files is enough to tell YOLO labels from lists and notes.
  for (const t of txts.slice(0, 50)) {
    const text = await readRegularText(t).catch(() => '');
    if (text.trim() !== '' && looksLikeYoloLabel(text)) yoloTxt++;
  }
  if (xmls > 0 && xmls >= yoloTxt * (txts.length / Math.max(1, Math.min(50, txts.length)))) return { kind: 'voc', root: dir, files };
  if (images > 0) return { kind: 'yolo', root: dir, files };
  return { kind: 'none', root: dir };
}
